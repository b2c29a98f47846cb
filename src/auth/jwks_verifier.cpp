#include "auth/jwks_verifier.h"

#include <exception>
#include <utility>

#include "auth/jwt_compact.h"

namespace parley::auth {

JwksVerifier::JwksVerifier(Jwks keys, ClaimRules rules)
    : keys_(std::move(keys)), rules_(std::move(rules)) {}

Result<Claims> JwksVerifier::verify(std::string_view token, std::int64_t now_s) const {
  try {
    auto jwt = parse_compact(token);
    if (!jwt) return std::move(jwt).error();
    if (jwt->alg != "RS256" && jwt->alg != "EdDSA") return token_error("unsupported alg");
    const auto* kid = jwt->header.if_contains("kid");
    if (kid == nullptr || !kid->is_string()) return token_error("missing kid");
    const Jwk* key = keys_.find(kid->get_string());
    if (key == nullptr) return token_error("unknown kid");
    // Algorithm confusion stops here: a key verifies only with its own alg.
    if (jwt->alg != alg_name(key->alg())) return token_error("alg does not match key");
    if (!key->verify(jwt->signing_input, jwt->signature)) return token_error("bad signature");
    return read_claims(jwt->payload_b64, now_s, rules_);
  } catch (const std::exception&) {
    return token_error("token check failed");  // allocation failure only
  }
}

}  // namespace parley::auth
