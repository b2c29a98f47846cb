#include "push/vapid.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/base64url.h"
#include "protocol/json_writer.h"
#include "push/jwt_es256.h"

namespace parley::push {

Result<EcKey> load_or_create_vapid_key(const std::string& path) {
  if (std::ifstream in(path); in) {
    std::stringstream pem;
    pem << in.rdbuf();
    auto key = EcKey::from_pem(pem.str());
    if (!key) return make_error(Errc::internal, "VAPID key " + path + ": " + key.error().message);
    return key;
  }
  auto key = EcKey::generate();
  if (!key) return key.error();
  std::string tmp = path + ".tmp";
  {
    // Created private from the start: the key must never be readable by others.
    std::ofstream out(tmp, std::ios::trunc);
    ::chmod(tmp.c_str(), 0600);
    out << key->to_pem();
    if (!out.flush()) return make_error(Errc::internal, "cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);  // whole or not at all
  if (ec) return make_error(Errc::internal, "cannot write " + path + ": " + ec.message());
  return key;
}

std::string url_origin(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  auto path = url.find_first_of("/?#", scheme + 3);
  return std::string(url.substr(0, path));
}

Result<std::string> vapid_authorization(const EcKey& key, std::string_view endpoint,
                                        std::string_view subject, std::int64_t now_s) {
  protocol::JsonWriter claims;
  claims.begin_object()
      .field("aud", url_origin(endpoint))
      .field("exp", now_s + 12 * 3600)
      .field("sub", subject)
      .end_object();
  auto jwt = sign_jwt_es256(key, R"({"typ":"JWT","alg":"ES256"})", claims.take());
  if (!jwt) return jwt.error();
  return "vapid t=" + *jwt + ", k=" + auth::base64url_encode(key.public_point());
}

}  // namespace parley::push
