#pragma once
// Verifies RS256 and EdDSA (Ed25519) tokens against a JWKS: the header's
// `kid` picks the key, and the key, not the token, decides the algorithm.
#include "auth/jwks.h"
#include "auth/jwt_claims.h"
#include "auth/token_verifier.h"

namespace parley::auth {

class JwksVerifier final : public TokenVerifier {
 public:
  JwksVerifier(Jwks keys, ClaimRules rules = {});

  // Rejects: alg other than RS256/EdDSA (so "none" and every HS*), a missing
  // or unknown kid, an alg that is not the key's own, a bad signature, then
  // the claim rules (jwt_claims.h).
  Result<Claims> verify(std::string_view token, std::int64_t now_s) const override;

 private:
  Jwks keys_;
  ClaimRules rules_;
};

}  // namespace parley::auth
