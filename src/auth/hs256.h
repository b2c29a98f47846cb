#pragma once
// JWT (RFC 7519) signed with HMAC-SHA256, compact serialization only.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/token_verifier.h"

namespace parley::auth {

// Tokens longer than this are rejected before any decoding: a real token is a
// few hundred bytes, and the limit caps the work a stranger can cause.
inline constexpr std::size_t kMaxTokenBytes = 8 * 1024;

// Longest accepted `sub`; it becomes a user id in logs and storage keys.
inline constexpr std::size_t kMaxSubjectBytes = 128;

// Clock skew tolerated on exp and nbf. Zero: issuer and server share a clock
// source in every deployment we run, so any slack would only extend tokens.
inline constexpr std::int64_t kLeewaySeconds = 0;

class Hs256Verifier final : public TokenVerifier {
 public:
  // The shared secret as raw bytes. An empty secret makes every verify() fail
  // (fail closed) rather than accept tokens anyone could forge.
  explicit Hs256Verifier(std::string secret);

  Result<Claims> verify(std::string_view token, std::int64_t now_s) const override;

 private:
  std::string secret_;
};

// Produces header {"alg":"HS256","typ":"JWT"} and a payload with sub, iat,
// exp, and nbf only when non-zero. Meant for tests, tools and dev logins;
// claims are written as given, not validated.
std::string sign_hs256(const Claims& claims, std::string_view secret);

}  // namespace parley::auth
