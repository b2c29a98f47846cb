#pragma once
// The Range header of a GET (RFC 9110, section 14), decided against the
// content's size: one byte range or the whole content.
#include <cstdint>
#include <string_view>

namespace parley::media {

struct RangeDecision {
  enum Kind {
    whole,          // no Range, or one we ignore (another unit, bad syntax, several ranges)
    partial,        // 206 with [first, last]
    unsatisfiable,  // 416: starts past the end, or a zero-length suffix
  };
  Kind kind = whole;
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive

  std::uint64_t length() const { return last - first + 1; }
};

// RFC 9110 lets a server ignore a Range it cannot or will not serve and send
// the whole content; that is what a malformed one or a multi-range gets, so
// only a well-formed single range past the end is an error.
RangeDecision decide_range(std::string_view header, std::uint64_t size);

}  // namespace parley::media
