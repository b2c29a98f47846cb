#pragma once
// The registered claims Parley checks (RFC 7519 section 4.1), whatever
// algorithm signed the token. Read only after the signature checked out.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/token_verifier.h"
#include "common/result.h"

namespace parley::auth {

// Longest accepted `sub`; it becomes a user id in logs and storage keys.
inline constexpr std::size_t kMaxSubjectBytes = 128;

// Clock skew tolerated on exp and nbf. Zero: issuer and server share a clock
// source in every deployment we run, so any slack would only extend tokens.
inline constexpr std::int64_t kLeewaySeconds = 0;

// Who may issue tokens and for whom. Empty: that claim is not checked.
// When set, the claim is required: a token without `iss` is not from the
// configured issuer.
struct ClaimRules {
  std::string issuer;    // `iss` must equal this
  std::string audience;  // `aud` (a string, or an array of strings) must contain this
};

// Decodes the payload part and checks sub, exp (required, > now), nbf
// (<= now), iat (numeric), then iss and aud against the rules.
Result<Claims> read_claims(std::string_view payload_b64, std::int64_t now_s,
                           const ClaimRules& rules);

}  // namespace parley::auth
