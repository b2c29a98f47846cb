#pragma once
// JWT (RFC 7519) signed with HMAC-SHA256, compact serialization only.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/jwt_claims.h"
#include "auth/jwt_compact.h"
#include "auth/token_verifier.h"

namespace parley::auth {

class Hs256Verifier final : public TokenVerifier {
 public:
  // The shared secret as raw bytes. An empty secret makes every verify() fail
  // (fail closed) rather than accept tokens anyone could forge.
  // rules: the iss/aud a token must carry (empty: not checked).
  explicit Hs256Verifier(std::string secret, ClaimRules rules = {});

  Result<Claims> verify(std::string_view token, std::int64_t now_s) const override;

 private:
  std::string secret_;
  ClaimRules rules_;
};

// Produces header {"alg":"HS256","typ":"JWT"} and a payload with sub, iat,
// exp, and nbf only when non-zero. Meant for tests, tools and dev logins;
// claims are written as given, not validated.
std::string sign_hs256(const Claims& claims, std::string_view secret);

}  // namespace parley::auth
