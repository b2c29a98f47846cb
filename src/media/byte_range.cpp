#include "media/byte_range.h"

#include <charconv>
#include <optional>
#include <strings.h>

namespace parley::media {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Digits only (no sign, no space inside), no overflow.
std::optional<std::uint64_t> number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

}  // namespace

RangeDecision decide_range(std::string_view header, std::uint64_t size) {
  RangeDecision whole;
  header = trim(header);
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() <= kUnit.size() ||
      strncasecmp(header.data(), kUnit.data(), kUnit.size()) != 0)
    return whole;
  std::string_view spec = trim(header.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return whole;
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  const std::string_view from = spec.substr(0, dash), to = spec.substr(dash + 1);

  RangeDecision d;
  if (from.empty()) {  // suffix: the last n bytes
    auto n = number(to);
    if (!n) return whole;
    if (*n == 0 || size == 0) return RangeDecision{RangeDecision::unsatisfiable};
    d.kind = RangeDecision::partial;
    d.first = *n >= size ? 0 : size - *n;
    d.last = size - 1;
    return d;
  }
  auto first = number(from);
  if (!first) return whole;
  std::uint64_t last = UINT64_MAX;
  if (!to.empty()) {
    auto l = number(to);
    if (!l || *l < *first) return whole;  // invalid: ignored, not refused
    last = *l;
  }
  if (*first >= size) return RangeDecision{RangeDecision::unsatisfiable};
  d.kind = RangeDecision::partial;
  d.first = *first;
  d.last = last >= size ? size - 1 : last;
  return d;
}

}  // namespace parley::media
