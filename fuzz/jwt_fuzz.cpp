// JWT verification (auth/hs256.h), the first thing a stranger's upgrade or
// REST call reaches. Input: one byte of mode, then
//   mode bit 0 clear: a raw token;
//   mode bit 0 set:   header JSON '\n' payload JSON, which the target encodes
//                     and signs with the right key, so the fuzzer gets past
//                     the signature into the header and claims checks;
//   mode bit 1 set:   flip one bit of the signature (must then fail);
//   mode bit 2 set:   require iss "iss-x" and aud "aud-x" (ClaimRules).
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/parse.hpp>

#include "auth/base64url.h"
#include "auth/hs256.h"
#include "fuzz_check.h"

namespace {

using namespace parley::auth;

constexpr std::string_view kSecret = "fuzz-secret";
constexpr std::int64_t kNow = 1'700'000'000;

std::string sign(std::string_view header, std::string_view payload, bool corrupt) {
  std::string token = base64url_encode(header) + "." + base64url_encode(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(token.data()), token.size(), mac, &len);
  if (corrupt) mac[0] ^= 1;
  return token + "." + base64url_encode(std::string_view(reinterpret_cast<char*>(mac), len));
}

bool valid_subject(std::string_view s) {
  if (s.empty() || s.size() > kMaxSubjectBytes) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '.' || c == '@' || c == ':' || c == '-'))
      return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool corrupt = (mode & 2) != 0;

  std::string token;
  if (mode & 1) {
    auto nl = in.find('\n');
    if (nl == std::string_view::npos) return 0;
    token = sign(in.substr(0, nl), in.substr(nl + 1), corrupt);
  } else {
    token = std::string(in);
  }

  static const Hs256Verifier open_verifier{std::string(kSecret)};
  static const Hs256Verifier strict_verifier{std::string(kSecret), ClaimRules{"iss-x", "aud-x"}};
  const bool strict = (mode & 4) != 0;
  const Hs256Verifier& verifier = strict ? strict_verifier : open_verifier;
  auto claims = verifier.verify(token, kNow);
  if (!claims) {
    FUZZ_CHECK(claims.error().code == parley::Errc::unauthorized);
    // The reason may reach a log line: it must not quote the token.
    const auto& why = claims.error().message;
    for (std::size_t at = 0; at <= token.size();) {
      auto dot = std::min(token.find('.', at), token.size());
      auto part = std::string_view(token).substr(at, dot - at);
      if (looks_like_token_part(part)) FUZZ_CHECK(why.find(part) == std::string::npos);
      at = dot + 1;
    }
    return 0;
  }
  FUZZ_CHECK(!((mode & 1) && corrupt));  // a bad signature never passes
  FUZZ_CHECK(token.size() <= kMaxTokenBytes);
  FUZZ_CHECK(valid_subject(claims->sub));
  FUZZ_CHECK(claims->exp > kNow);
  FUZZ_CHECK(claims->nbf <= kNow);
  if (strict && (mode & 1)) {
    // We signed the payload ourselves, so we can read what it claimed.
    auto nl = in.find('\n');
    boost::system::error_code ec;
    auto payload = boost::json::parse(in.substr(nl + 1), ec);
    FUZZ_CHECK(!ec && payload.is_object());
    const auto* iss = payload.get_object().if_contains("iss");
    FUZZ_CHECK(iss && iss->is_string() && iss->get_string() == "iss-x");
    const auto* aud = payload.get_object().if_contains("aud");
    FUZZ_CHECK(aud != nullptr);
    bool listed = aud->is_string() && aud->get_string() == "aud-x";
    if (aud->is_array())
      for (const auto& a : aud->get_array()) listed = listed || (a.is_string() && a.get_string() == "aud-x");
    FUZZ_CHECK(listed);
  }

  // What we sign from accepted claims verifies to the same claims.
  auto again = open_verifier.verify(sign_hs256(*claims, kSecret), kNow);
  FUZZ_CHECK(again);
  FUZZ_CHECK(again->sub == claims->sub && again->exp == claims->exp &&
             again->nbf == claims->nbf && again->iat == claims->iat);
  // No secret, no access (fail closed).
  static const Hs256Verifier keyless{std::string()};
  FUZZ_CHECK(!keyless.verify(token, kNow));
  return 0;
}
