// JWKS files (auth/jwks.h) and the token verifiers built on them
// (jwks_verifier.h, composite_verifier.h). Input: the JWKS JSON text,
// optionally followed by a NUL byte and a token to verify against it (JSON
// text never holds a raw NUL). Besides crashes, checks the key set against
// its file and that the composite verifier accepts only what the verifier
// owning the token's family accepts: no algorithm confusion.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/parse.hpp>

#include "auth/composite_verifier.h"
#include "auth/hs256.h"
#include "auth/jwks.h"
#include "auth/jwks_verifier.h"
#include "fuzz_check.h"

namespace {

using namespace parley::auth;
namespace json = boost::json;

constexpr std::string_view kSecret = "fuzz-secret";  // the HS256 key of make_seeds.py
constexpr std::int64_t kNow = 1'700'000'000;

// Each key of an accepted file is found by its kid, with the algorithm its kty allows.
void check_keys(const Jwks& keys, std::string_view text) {
  boost::system::error_code ec;
  auto doc = json::parse(text, ec);
  FUZZ_CHECK(!ec && doc.is_object());
  const auto& array = doc.get_object().at("keys").get_array();
  FUZZ_CHECK(keys.size() == array.size() && keys.size() > 0);
  for (const auto& v : array) {
    const auto& o = v.get_object();
    std::string kid(o.at("kid").get_string());
    const Jwk* k = keys.find(kid);
    FUZZ_CHECK(k != nullptr && k->kid() == kid);
    FUZZ_CHECK(k->alg() == (o.at("kty").get_string() == "RSA" ? JwkAlg::rs256 : JwkAlg::eddsa));
    for (const char* secret : {"d", "p", "q", "dp", "dq", "qi", "k"}) FUZZ_CHECK(!o.contains(secret));
  }
}

bool same(const Claims& a, const Claims& b) {
  return a.sub == b.sub && a.exp == b.exp && a.nbf == b.nbf && a.iat == b.iat;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nul = in.find('\0');
  std::string_view text = in.substr(0, nul);
  std::string_view token = nul == std::string_view::npos ? std::string_view{} : in.substr(nul + 1);

  auto keys = Jwks::parse(text);
  if (!keys) {
    FUZZ_CHECK(keys.error().code == parley::Errc::bad_request);
    return 0;
  }
  check_keys(*keys, text);
  if (nul == std::string_view::npos) return 0;

  JwksVerifier jwks(*keys);
  Hs256Verifier hs256{std::string(kSecret)};
  CompositeVerifier composite(std::make_unique<Hs256Verifier>(std::string(kSecret)),
                              std::make_unique<JwksVerifier>(*keys));
  auto by_jwks = jwks.verify(token, kNow);
  auto by_hs256 = hs256.verify(token, kNow);
  auto by_composite = composite.verify(token, kNow);
  FUZZ_CHECK(!(by_jwks && by_hs256));  // no token is valid in both families
  if (by_jwks) FUZZ_CHECK(by_composite && same(*by_composite, *by_jwks));
  if (by_hs256) FUZZ_CHECK(by_composite && same(*by_composite, *by_hs256));
  if (by_composite) {
    FUZZ_CHECK(by_jwks || by_hs256);
    FUZZ_CHECK(by_composite->exp > kNow && !by_composite->sub.empty());
  } else {
    FUZZ_CHECK(by_composite.error().code == parley::Errc::unauthorized);
    // The reason may reach a log line: it must not quote the token's signature.
    auto dot = token.rfind('.');
    auto signature = dot == std::string_view::npos ? token : token.substr(dot + 1);
    if (looks_like_token_part(signature))
      FUZZ_CHECK(by_composite.error().message.find(signature) == std::string::npos);
  }
  return 0;
}
