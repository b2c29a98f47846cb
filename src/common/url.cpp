#include "common/url.h"

namespace parley {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

template <class F>
void split(std::string_view s, char sep, F&& f) {
  while (!s.empty()) {
    auto pos = s.find(sep);
    f(s.substr(0, pos));
    if (pos == std::string_view::npos) break;
    s.remove_prefix(pos + 1);
  }
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

const std::string* Target::param(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return &v;
  return nullptr;
}

std::optional<Target> parse_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return std::nullopt;
  Target t;
  auto qpos = target.find('?');
  std::string_view path = target.substr(0, qpos);
  bool ok = true;
  split(path.substr(1), '/', [&](std::string_view seg) {
    if (seg.empty()) return;  // "//" and a trailing "/" add nothing
    auto d = percent_decode(seg, false);
    if (!d) ok = false;
    else t.segments.push_back(std::move(*d));
  });
  if (qpos != std::string_view::npos) {
    split(target.substr(qpos + 1), '&', [&](std::string_view pair) {
      if (pair.empty()) return;
      auto eq = pair.find('=');
      auto k = percent_decode(pair.substr(0, eq), true);
      auto v = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
      if (!k || !v) ok = false;
      else t.query.emplace_back(std::move(*k), std::move(*v));
    });
  }
  if (!ok) return std::nullopt;
  return t;
}

}  // namespace parley
