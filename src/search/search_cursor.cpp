#include "search/search_cursor.h"

#include <charconv>
#include <string_view>

namespace parley::search {
namespace {

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::string encode_cursor(const Cursor& c) {
  return std::to_string(c.score) + "." + std::to_string(c.seq) + "." + c.conversation_id;
}

Result<std::optional<Cursor>> decode_cursor(const std::string& text) {
  if (text.empty()) return std::optional<Cursor>{};
  auto bad = [] { return make_error(Errc::bad_request, "bad cursor"); };
  std::string_view rest = text;
  auto first = rest.find('.');
  if (first == std::string_view::npos) return bad();
  auto score = to_int(rest.substr(0, first));
  rest.remove_prefix(first + 1);
  auto second = rest.find('.');
  if (second == std::string_view::npos) return bad();
  auto seq = to_int(rest.substr(0, second));
  rest.remove_prefix(second + 1);
  if (!score || !seq || *seq < 1 || rest.empty() || rest.size() > 256) return bad();
  return std::optional<Cursor>(Cursor{*score, *seq, std::string(rest)});
}

}  // namespace parley::search
