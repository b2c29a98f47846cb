#pragma once
// The seam between "who is this?" and everything else: the gateway and API
// hold a TokenVerifier and never see how tokens are signed.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace parley::auth {

// The claims Parley relies on. Times are seconds since the epoch; 0 means
// "absent" for nbf and iat.
struct Claims {
  std::string sub;
  std::int64_t exp = 0;
  std::int64_t iat = 0;
  std::int64_t nbf = 0;
};

class TokenVerifier {
 public:
  virtual ~TokenVerifier() = default;

  // now_s: seconds since epoch (passed in so tests control time).
  // Errc::unauthorized with a short human reason on any failure; the reason
  // never contains the token or any part of it.
  virtual Result<Claims> verify(std::string_view token, std::int64_t now_s) const = 0;
};

}  // namespace parley::auth
