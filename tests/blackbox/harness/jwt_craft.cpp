#include "harness/jwt_craft.h"

#include <chrono>

#include <boost/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace bb {

std::string base64url(const std::string& in) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (b(i) << 16) | (b(i + 1) << 8) | b(i + 2);
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += tbl[v & 63];
  }
  if (in.size() - i == 1) {
    unsigned v = b(i) << 16;
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
  } else if (in.size() - i == 2) {
    unsigned v = (b(i) << 16) | (b(i + 1) << 8);
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
  }
  return out;
}

std::string craft_jwt(const boost::json::object& header, const boost::json::object& payload,
                      const std::string& secret) {
  std::string signing_input = base64url(boost::json::serialize(header)) + "." +
                              base64url(boost::json::serialize(payload));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
       &len);
  return signing_input + "." + base64url(std::string(reinterpret_cast<char*>(mac), len));
}

long long unix_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

long long unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string craft_hs256(const std::string& user, long long exp_offset_s, const std::string& secret) {
  long long now = unix_now_s();
  return craft_jwt({{"alg", "HS256"}, {"typ", "JWT"}},
                   {{"sub", user}, {"exp", now + exp_offset_s}, {"iat", now}}, secret);
}

}  // namespace bb
