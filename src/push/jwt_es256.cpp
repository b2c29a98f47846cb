#include "push/jwt_es256.h"

#include "auth/base64url.h"

namespace parley::push {

Result<std::string> sign_jwt_es256(const EcKey& key, std::string_view header_json,
                                   std::string_view claims_json) {
  std::string input =
      auth::base64url_encode(header_json) + "." + auth::base64url_encode(claims_json);
  auto sig = key.sign_es256(input);
  if (!sig) return sig.error();
  return input + "." + auth::base64url_encode(*sig);
}

Result<std::string> verify_jwt_es256(const EcKey& key, std::string_view jwt) {
  auto first = jwt.find('.');
  auto second = first == std::string_view::npos ? first : jwt.find('.', first + 1);
  if (second == std::string_view::npos) return make_error(Errc::unauthorized, "not a JWS");
  auto sig = auth::base64url_decode(jwt.substr(second + 1));
  if (!sig || !key.verify_es256(jwt.substr(0, second), *sig))
    return make_error(Errc::unauthorized, "bad ES256 signature");
  auto claims = auth::base64url_decode(jwt.substr(first + 1, second - first - 1));
  if (!claims) return make_error(Errc::unauthorized, "bad claims encoding");
  return *claims;
}

}  // namespace parley::push
