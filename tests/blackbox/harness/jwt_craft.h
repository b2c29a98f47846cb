// Hand-crafted JWTs for negative authentication tests (expired, wrong alg, bad sub, ...).
#pragma once

#include <string>

#include <boost/json/object.hpp>

namespace bb {

std::string base64url(const std::string& bytes);

// header.payload.signature with an HS256 signature over `secret` (whatever `header` says).
std::string craft_jwt(const boost::json::object& header, const boost::json::object& payload,
                      const std::string& secret);

// {"alg":"HS256","typ":"JWT"} / {"sub":user,"exp":now+exp_offset_s,"iat":now}
std::string craft_hs256(const std::string& user, long long exp_offset_s, const std::string& secret);

long long unix_now_s();
long long unix_now_ms();

}  // namespace bb
