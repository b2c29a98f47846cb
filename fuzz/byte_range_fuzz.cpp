// The Range header of media downloads (media/byte_range.h decide_range).
// Input: 8 bytes of content size (little-endian; the top bits are dropped
// half of the time so small sizes are common), then the header value. A
// partial answer must lie inside the content; a range of the canonical
// spelling must be decided the same.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "media/byte_range.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using parley::media::decide_range;
  using parley::media::RangeDecision;
  if (size < 8) return 0;
  std::uint64_t content = 0;
  std::memcpy(&content, data, 8);
  if (content & 1) content = (content >> 1) % 4096;  // small sizes, where edges are
  const std::string header(reinterpret_cast<const char*>(data + 8), size - 8);

  const RangeDecision d = decide_range(header, content);
  switch (d.kind) {
    case RangeDecision::whole:
      break;
    case RangeDecision::unsatisfiable:
      // Only a range that starts past the end, or an empty suffix.
      FUZZ_CHECK(header.find(',') == std::string::npos);
      break;
    case RangeDecision::partial: {
      FUZZ_CHECK(content > 0);
      FUZZ_CHECK(d.first <= d.last);
      FUZZ_CHECK(d.last < content);
      FUZZ_CHECK(d.length() >= 1 && d.length() <= content);
      // Asking again for exactly what was granted grants it again.
      const std::string exact = "bytes=" + std::to_string(d.first) + "-" + std::to_string(d.last);
      const RangeDecision again = decide_range(exact, content);
      FUZZ_CHECK(again.kind == RangeDecision::partial && again.first == d.first &&
                 again.last == d.last);
      break;
    }
  }
  // No Range unit, no range: the whole content.
  if (header.size() < 6) FUZZ_CHECK(d.kind == RangeDecision::whole);
  return 0;
}
