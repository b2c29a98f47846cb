// REST request targets (common/url.h parse_target) and the parameters read
// from them (api/request_params.h int_param, decode_cursor).
// Input: the request target, e.g. "/api/conversations?limit=5&cursor=1.c".
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/request_params.h"
#include "common/url.h"
#include "fuzz_check.h"

namespace {

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto t = parley::parse_target(text);
  if (!t) return 0;
  FUZZ_CHECK(!text.empty() && text.front() == '/');

  // Re-encoding what was decoded must give the same target back.
  std::string again;
  for (const auto& seg : t->segments) {
    FUZZ_CHECK(!seg.empty());
    again += "/" + percent_encode(seg);
  }
  if (again.empty()) again = "/";
  if (!t->query.empty()) again += "?";
  for (std::size_t i = 0; i < t->query.size(); ++i) {
    if (i > 0) again += "&";
    again += percent_encode(t->query[i].first) + "=" + percent_encode(t->query[i].second);
  }
  auto t2 = parley::parse_target(again);
  FUZZ_CHECK(t2 && t2->segments == t->segments && t2->query == t->query);

  using parley::api::AboveMax;
  for (auto above : {AboveMax::cap, AboveMax::reject}) {
    auto limit = parley::api::int_param(*t, "limit", 50, 1, 200, above);
    if (limit) FUZZ_CHECK(*limit >= 1 && *limit <= 200);
    auto seq = parley::api::int_param(*t, "before_seq", INT64_MAX, 0, INT64_MAX, above);
    if (seq) FUZZ_CHECK(*seq >= 0);
  }
  auto cursor = parley::api::decode_cursor(*t);
  if (cursor && *cursor) FUZZ_CHECK(!(*cursor)->id.empty());
  return 0;
}
