#include "auth/hs256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cmath>
#include <cstdint>
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

Error fail(std::string reason) { return make_error(Errc::unauthorized, std::move(reason)); }

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

// Parses decoded JSON text into an object; nullopt for bad JSON or any other
// value kind. Uses the error_code overload, so nothing throws on bad input.
std::optional<json::object> parse_object(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);  // strict: no comments, valid UTF-8
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

// JWS compact serialization forbids '=' padding (RFC 7515 section 2). The
// general decoder tolerates it; here it would give one token two spellings.
std::optional<std::string> decode_part(std::string_view part) {
  if (part.find('=') != std::string_view::npos) return std::nullopt;
  return base64url_decode(part);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool valid_subject(std::string_view s) {
  if (s.empty() || s.size() > kMaxSubjectBytes) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '@' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// NumericDate (RFC 7519 section 2) may be fractional. Rounding goes in the
// strict direction for each claim: exp rounds down, nbf rounds up.
enum class Round { down, up };

std::optional<std::int64_t> numeric_date(const json::value& v, Round r) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    const std::uint64_t u = v.get_uint64();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_double()) {
    const double d = r == Round::down ? std::floor(v.get_double()) : std::ceil(v.get_double());
    // 2^63 is exactly representable; anything at or past it cannot convert.
    if (!std::isfinite(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;  // strings, bools, null: not a date
}

Result<Claims> verify_impl(std::string_view token, std::int64_t now_s, std::string_view secret) {
  if (secret.empty()) return fail("verifier has no secret");
  if (token.empty()) return fail("missing token");
  if (token.size() > kMaxTokenBytes) return fail("token too long");

  // Exactly three parts: header.payload.signature.
  const std::size_t d1 = token.find('.');
  const std::size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return fail("token must have three parts");
  }
  const std::string_view header_b64 = token.substr(0, d1);
  const std::string_view payload_b64 = token.substr(d1 + 1, d2 - d1 - 1);
  const std::string_view sig_b64 = token.substr(d2 + 1);

  // Header first: alg decides how to check the signature, and only HS256 is
  // on the list. Never trust the token to pick its own algorithm.
  const auto header_text = decode_part(header_b64);
  if (!header_text) return fail("bad header encoding");
  const auto header = parse_object(*header_text);
  if (!header) return fail("bad header");
  const json::value* alg = header->if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->get_string() != "HS256") {
    return fail("unsupported alg");
  }
  if (const json::value* typ = header->if_contains("typ")) {
    if (!typ->is_string() || !iequals(typ->get_string(), "JWT")) return fail("unsupported typ");
  }
  // "crit" names extensions we would be obliged to understand; we know none.
  if (header->contains("crit")) return fail("unsupported crit");

  // Signature before payload: nothing unauthenticated is interpreted further.
  const auto sig = decode_part(sig_b64);
  if (!sig) return fail("bad signature encoding");
  const auto expected = hmac_sha256(secret, token.substr(0, d2));
  if (!expected) return fail("signature check failed");
  if (sig->size() != kMacBytes || CRYPTO_memcmp(sig->data(), expected->data(), kMacBytes) != 0) {
    return fail("bad signature");
  }

  const auto payload_text = decode_part(payload_b64);
  if (!payload_text) return fail("bad payload encoding");
  const auto payload = parse_object(*payload_text);
  if (!payload) return fail("payload is not a JSON object");

  Claims claims;
  const json::value* sub = payload->if_contains("sub");
  if (sub == nullptr || !sub->is_string()) return fail("missing sub");
  if (!valid_subject(sub->get_string())) return fail("invalid sub");
  claims.sub = std::string(sub->get_string());

  const json::value* exp = payload->if_contains("exp");
  if (exp == nullptr) return fail("missing exp");
  const auto exp_s = numeric_date(*exp, Round::down);
  if (!exp_s) return fail("invalid exp");
  // Written as now < exp + leeway without risking overflow of exp + leeway.
  if (*exp_s <= now_s - kLeewaySeconds) return fail("token expired");
  claims.exp = *exp_s;

  if (const json::value* nbf = payload->if_contains("nbf")) {
    const auto nbf_s = numeric_date(*nbf, Round::up);
    if (!nbf_s) return fail("invalid nbf");
    if (*nbf_s > now_s + kLeewaySeconds) return fail("token not yet valid");
    claims.nbf = *nbf_s;
  }
  // iat is informational: checked for shape only, since a future iat is
  // already covered by nbf when an issuer cares.
  if (const json::value* iat = payload->if_contains("iat")) {
    const auto iat_s = numeric_date(*iat, Round::down);
    if (!iat_s) return fail("invalid iat");
    claims.iat = *iat_s;
  }
  return claims;
}

}  // namespace

Hs256Verifier::Hs256Verifier(std::string secret) : secret_(std::move(secret)) {}

Result<Claims> Hs256Verifier::verify(std::string_view token, std::int64_t now_s) const {
  // Bad input never throws (error_code overloads), but allocation can; a
  // caller on the connection path must still get a value back.
  try {
    return verify_impl(token, now_s, secret_);
  } catch (const std::exception&) {
    return fail("token check failed");
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
