#pragma once
// The server's verifier: HS256 with the shared secret and/or RS256/EdDSA
// with a JWKS, chosen by the token's alg. Each family goes to the one
// verifier that owns it, so an HS256 token is never checked against a
// public key (the classic algorithm-confusion attack) and an unconfigured
// family is refused.
#include <memory>

#include "auth/token_verifier.h"

namespace parley::auth {

class CompositeVerifier final : public TokenVerifier {
 public:
  // Either may be null (that family is then refused); both null refuses all.
  CompositeVerifier(std::unique_ptr<TokenVerifier> hs256, std::unique_ptr<TokenVerifier> jwks);

  Result<Claims> verify(std::string_view token, std::int64_t now_s) const override;

 private:
  std::unique_ptr<TokenVerifier> hs256_;
  std::unique_ptr<TokenVerifier> jwks_;
};

}  // namespace parley::auth
