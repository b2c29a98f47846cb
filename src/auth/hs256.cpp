#include "auth/hs256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

#include <boost/json.hpp>

#include "auth/base64url.h"

namespace parley::auth {
namespace {

namespace json = boost::json;

constexpr std::size_t kMacBytes = 32;  // SHA-256 output
using Mac = std::array<unsigned char, kMacBytes>;

// The header we write. A literal, so the signed bytes never depend on a JSON
// serializer's choices.
constexpr std::string_view kHeaderJson = R"({"alg":"HS256","typ":"JWT"})";

std::optional<Mac> hmac_sha256(std::string_view key, std::string_view data) {
  // OpenSSL gives a null key pointer special meaning ("keep the previous
  // key"); always hand it a valid pointer, even for an empty key.
  static const unsigned char kEmpty = 0;
  const void* key_ptr = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  Mac mac{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key_ptr, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
           &len) == nullptr ||
      len != kMacBytes) {
    return std::nullopt;
  }
  return mac;
}

Result<Claims> verify_impl(std::string_view token, std::int64_t now_s, std::string_view secret,
                           const ClaimRules& rules) {
  if (secret.empty()) return token_error("verifier has no secret");
  auto jwt = parse_compact(token);
  if (!jwt) return std::move(jwt).error();

  // alg decides how to check the signature, and only HS256 is on the list.
  // Never trust the token to pick its own algorithm.
  const json::value* alg = jwt->header.if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->get_string() != "HS256") {
    return token_error("unsupported alg");
  }

  // Signature before payload: nothing unauthenticated is interpreted further.
  const auto expected = hmac_sha256(secret, jwt->signing_input);
  if (!expected) return token_error("signature check failed");
  if (jwt->signature.size() != kMacBytes ||
      CRYPTO_memcmp(jwt->signature.data(), expected->data(), kMacBytes) != 0) {
    return token_error("bad signature");
  }
  return read_claims(jwt->payload_b64, now_s, rules);
}

}  // namespace

Hs256Verifier::Hs256Verifier(std::string secret, ClaimRules rules)
    : secret_(std::move(secret)), rules_(std::move(rules)) {}

Result<Claims> Hs256Verifier::verify(std::string_view token, std::int64_t now_s) const {
  // Bad input never throws (error_code overloads), but allocation can; a
  // caller on the connection path must still get a value back.
  try {
    return verify_impl(token, now_s, secret_, rules_);
  } catch (const std::exception&) {
    return token_error("token check failed");
  }
}

std::string sign_hs256(const Claims& claims, std::string_view secret) {
  json::object payload;
  payload["sub"] = claims.sub;
  payload["iat"] = claims.iat;
  payload["exp"] = claims.exp;
  if (claims.nbf != 0) payload["nbf"] = claims.nbf;

  std::string out = base64url_encode(kHeaderJson);
  out += '.';
  out += base64url_encode(json::serialize(payload));
  // HMAC-SHA256 only fails if OpenSSL itself is broken: not an expected
  // failure, so it is an exception rather than a Result.
  const auto mac = hmac_sha256(secret, out);
  if (!mac) throw std::runtime_error("HMAC-SHA256 failed");
  out += '.';
  out += base64url_encode(std::string_view(reinterpret_cast<const char*>(mac->data()), mac->size()));
  return out;
}

}  // namespace parley::auth
