// The media content sniffer (media/content_sniffer.h sniff, utf8_length)
// and the image header reader it leads to (media/image_size.h), as an
// upload meets them. Input: the uploaded bytes. Checks that nothing a
// browser would take for markup is ever called text, that text is valid
// UTF-8 by an independent decoder, and that images have dimensions > 0.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "media/content_sniffer.h"
#include "media/image_size.h"

namespace {

// Independent strict UTF-8 check (RFC 3629 table), no control characters
// but tab, LF, FF, CR.
bool strict_text(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r') || c == 0x7F) return false;
      ++i;
      continue;
    }
    auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
      if (i + k >= s.size()) return false;
      const auto x = static_cast<unsigned char>(s[i + k]);
      return x >= lo && x <= hi;
    };
    std::size_t n;
    if (c >= 0xC2 && c <= 0xDF)
      n = cont(1) ? 2 : 0;
    else if (c == 0xE0)
      n = cont(1, 0xA0) && cont(2) ? 3 : 0;
    else if (c == 0xED)
      n = cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
    else if (c >= 0xE1 && c <= 0xEF)
      n = cont(1) && cont(2) ? 3 : 0;
    else if (c == 0xF0)
      n = cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    else if (c == 0xF4)
      n = cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    else if (c >= 0xF1 && c <= 0xF3)
      n = cont(1) && cont(2) && cont(3) ? 4 : 0;
    else
      n = 0;
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// Starts (after a BOM and whitespace) like an HTML, SVG or XML document.
bool markup_start(std::string_view s) {
  if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  while (!s.empty() &&
         (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' || s[0] == '\f'))
    s.remove_prefix(1);
  std::string lower(s.substr(0, 16));
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (std::string_view tag : {"<?xml", "<!--"})
    if (lower.starts_with(tag)) return true;
  for (std::string_view tag : {"<!doctype html", "<html", "<script", "<svg", "<iframe", "<body"}) {
    if (!lower.starts_with(tag)) continue;
    if (lower.size() == tag.size()) return true;
    const char next = lower[tag.size()];
    if (next == ' ' || next == '>' || next == '/' || next == '\t' || next == '\n' || next == '\r' ||
        next == '\f')
      return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parley::media;
  const std::string bytes(reinterpret_cast<const char*>(data), size);

  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const std::size_t n = utf8_length(bytes, i);
    FUZZ_CHECK(n <= 4 && i + n <= bytes.size());
  }

  std::string refused;
  auto type = sniff(bytes, &refused);
  if (!type) {
    FUZZ_CHECK(!refused.empty());
    return 0;
  }
  FUZZ_CHECK(!bytes.empty());
  FUZZ_CHECK(type->image == type->content_type.starts_with("image/"));
  if (type->content_type.starts_with("text/")) {
    FUZZ_CHECK(type->content_type == "text/plain; charset=utf-8");
    FUZZ_CHECK(strict_text(bytes));
    FUZZ_CHECK(!markup_start(bytes));
  }
  // The same bytes with a longer tail keep a binary type (decided by magic).
  if (!type->content_type.starts_with("text/")) {
    auto longer = sniff(bytes + std::string(8, '\0'));
    FUZZ_CHECK(longer && longer->content_type == type->content_type);
  }
  if (type->image) {
    if (auto dims = image_size(type->content_type, bytes)) {
      FUZZ_CHECK(dims->width > 0 && dims->height > 0);
    }
  }
  return 0;
}
