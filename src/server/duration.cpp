#include "server/duration.h"

#include <charconv>
#include <string>

namespace parley::server {

Result<std::int64_t> parse_duration_s(std::string_view text) {
  auto bad = [&] { return make_error(Errc::bad_request, "bad duration: " + std::string(text)); };
  if (text.empty()) return bad();
  std::int64_t unit = 1;
  switch (text.back()) {
    case 's': unit = 1; text.remove_suffix(1); break;
    case 'm': unit = 60; text.remove_suffix(1); break;
    case 'h': unit = 3600; text.remove_suffix(1); break;
    case 'd': unit = 86400; text.remove_suffix(1); break;
    default: break;
  }
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return bad();
  if (n > 100LL * 365 * 86400 || n < -100LL * 365 * 86400) return bad();
  return n * unit;
}

}  // namespace parley::server
