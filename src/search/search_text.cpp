#include "search/search_text.h"

#include <cstdint>

#include "search/search_index.h"

namespace parley::search {
namespace {

bool word_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

std::string join_quoted(const std::vector<std::string>& words, char quote, std::string_view op) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += op;
    out += quote;
    out += w;  // holds no quote character: query_words keeps only word bytes
    out += quote;
  }
  return out;
}

}  // namespace

std::vector<std::string> query_words(std::string_view q) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < q.size() && words.size() < kMaxQueryWords) {
    while (i < q.size() && !word_byte(static_cast<unsigned char>(q[i]))) ++i;
    std::size_t start = i;
    while (i < q.size() && word_byte(static_cast<unsigned char>(q[i]))) ++i;
    if (i > start) words.emplace_back(q.substr(start, i - start));
  }
  return words;
}

std::string fts5_match(const std::vector<std::string>& words) {
  return join_quoted(words, '"', " OR ");
}

std::string tsquery_text(const std::vector<std::string>& words) {
  return join_quoted(words, '\'', " | ");
}

std::string indexable_content(std::string_view content) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(content.size());
  for (std::size_t i = 0; i < content.size(); ++i) {
    auto rest = content.substr(i);
    if (rest.starts_with(kMarkOpen) || rest.starts_with(kMarkClose)) {
      out += kReplacement;
      i += kMarkOpen.size() - 1;
    } else if (content[i] == '\0' || content[i] == kLessThanGuard) {
      out += ' ';
    } else {
      out += content[i];
    }
  }
  return out;
}

std::string render_snippet(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() + 32);
  bool open = false;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto rest = raw.substr(i);
    if (rest.starts_with(kMarkOpen)) {
      if (!open) out += "<mark>";
      open = true;
      i += kMarkOpen.size() - 1;
      continue;
    }
    if (rest.starts_with(kMarkClose)) {
      if (open) out += "</mark>";
      open = false;
      i += kMarkClose.size() - 1;
      continue;
    }
    switch (raw[i]) {
      case '&':
        out += "&amp;";
        break;
      case '<':
      case kLessThanGuard:
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += raw[i];
    }
  }
  if (open) out += "</mark>";
  return out;
}

bool valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;  // truncated sequence
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace parley::search
