#pragma once
// Compact JWS signed with ES256 (RFC 7515, RFC 7518 3.4): VAPID tokens
// (RFC 8292) and APNs provider tokens share it.
#include <string>
#include <string_view>

#include "common/result.h"
#include "push/ec_key.h"

namespace parley::push {

// header_json and claims_json are written as given (already JSON objects).
Result<std::string> sign_jwt_es256(const EcKey& key, std::string_view header_json,
                                   std::string_view claims_json);

// Checks the signature of a compact ES256 JWS with key; the claims JSON when
// it holds, nullopt-like error otherwise. For the fake services in tests.
Result<std::string> verify_jwt_es256(const EcKey& key, std::string_view jwt);

}  // namespace parley::push
