// Base64url (auth/base64url.h), the alphabet of every JWT part.
// Input: text to decode and bytes to encode. Checks the round trips and
// that each byte string has exactly one accepted unpadded spelling.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/base64url.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using parley::auth::base64url_decode;
  using parley::auth::base64url_encode;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  auto encoded = base64url_encode(in);
  FUZZ_CHECK(encoded.find('=') == std::string::npos);
  auto back = base64url_decode(encoded);
  FUZZ_CHECK(back && *back == in);

  if (auto decoded = base64url_decode(in)) {
    std::string canonical = base64url_encode(*decoded);
    // Accepted text is the canonical spelling, give or take '=' padding.
    std::string_view unpadded = in;
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.remove_suffix(1);
    FUZZ_CHECK(canonical == unpadded);
    FUZZ_CHECK(decoded->size() == unpadded.size() * 3 / 4);
  }
  return 0;
}
