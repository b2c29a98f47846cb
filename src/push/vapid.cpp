#include "push/vapid.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/base64url.h"
#include "protocol/json_writer.h"
#include "push/jwt_es256.h"

namespace parley::push {

namespace {

Result<EcKey> read_vapid_key(const std::string& path) {
  std::ifstream in(path);
  std::stringstream pem;
  pem << in.rdbuf();
  auto key = EcKey::from_pem(pem.str());
  if (!key) return make_error(Errc::internal, "VAPID key " + path + ": " + key.error().message);
  return key;
}

}  // namespace

Result<EcKey> load_or_create_vapid_key(const std::string& path) {
  if (std::filesystem::exists(path)) return read_vapid_key(path);
  auto key = EcKey::generate();
  if (!key) return key.error();
  // Gateways and push workers sharing one key file may all start at once and
  // find it missing: each writes a temp file of its own, and link() (which
  // never replaces) lets exactly one become the key; the others read the
  // winner's, so every process signs with the key every other hands out.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                          auth::base64url_encode(random_bytes(6));
  {
    // Created private from the start: the key must never be readable by others.
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return make_error(Errc::internal, "cannot write " + tmp + ": " + std::strerror(errno));
    const std::string pem = key->to_pem();
    const bool written = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size()) &&
                         ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
      ::unlink(tmp.c_str());
      return make_error(Errc::internal, "cannot write " + tmp);
    }
  }
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int err = errno;
  ::unlink(tmp.c_str());
  if (linked == 0) return key;
  if (err == EEXIST) return read_vapid_key(path);  // another process won
  return make_error(Errc::internal, "cannot write " + path + ": " + std::strerror(err));
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
