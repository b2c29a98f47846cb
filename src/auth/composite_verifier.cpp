#include "auth/composite_verifier.h"

#include <exception>
#include <utility>

#include "auth/jwt_compact.h"

namespace parley::auth {

CompositeVerifier::CompositeVerifier(std::unique_ptr<TokenVerifier> hs256,
                                     std::unique_ptr<TokenVerifier> jwks)
    : hs256_(std::move(hs256)), jwks_(std::move(jwks)) {}

Result<Claims> CompositeVerifier::verify(std::string_view token, std::int64_t now_s) const {
  std::string alg;
  try {
    // Reading the header only to route; the chosen verifier parses again
    // and checks everything, alg included.
    auto jwt = parse_compact(token);
    if (!jwt) return std::move(jwt).error();
    alg = std::move(jwt->alg);
  } catch (const std::exception&) {
    return token_error("token check failed");
  }
  if (alg == "HS256" && hs256_) return hs256_->verify(token, now_s);
  if ((alg == "RS256" || alg == "EdDSA") && jwks_) return jwks_->verify(token, now_s);
  return token_error("unsupported alg");
}

}  // namespace parley::auth
