#include "media/content_sniffer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

namespace parley::media {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool at(std::string_view s, std::size_t offset, std::string_view what) {
  return s.size() >= offset + what.size() && s.substr(offset, what.size()) == what;
}

// ISO base media (MP4): a box "ftyp" with a major brand we know is video or
// audio; HEIC and other brands are not on the list.
std::optional<SniffedType> iso_media(std::string_view b) {
  if (!at(b, 4, "ftyp") || b.size() < 12) return std::nullopt;
  const std::string_view brand = b.substr(8, 4);
  static constexpr std::array<std::string_view, 8> kVideo = {"isom", "iso2", "iso5", "iso6",
                                                            "mp41", "mp42", "avc1", "M4V "};
  if (std::find(kVideo.begin(), kVideo.end(), brand) != kVideo.end()) {
    return SniffedType{"video/mp4", false};
  }
  if (brand == "M4A ") return SniffedType{"audio/mp4", false};
  return std::nullopt;
}

// Matroska/WebM: the EBML magic, then a DocType "webm" in the header.
std::optional<SniffedType> webm(std::string_view b) {
  if (!starts_with(b, "\x1A\x45\xDF\xA3")) return std::nullopt;
  const std::string_view head = b.substr(0, 64);
  // DocType element id 0x4282, one size byte 0x84, then the four letters.
  if (head.find(std::string_view("\x42\x82\x84webm", 7)) == std::string_view::npos)
    return std::nullopt;
  return SniffedType{"video/webm", false};
}

// Strict UTF-8 without NUL or control characters other than tab, line
// feed, form feed and carriage return.
bool plain_text(std::string_view b) {
  std::size_t i = 0;
  while (i < b.size()) {
    const auto c = static_cast<unsigned char>(b[i]);
    if (c < 0x80 && ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F))
      return false;
    const std::size_t n = utf8_length(b, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// What a browser would sniff as markup (WHATWG MIME sniffing, "identifying
// a resource with an unknown MIME type"), plus SVG: refused even though it
// is text, since some clients render an attachment rather than download it.
bool looks_like_markup(std::string_view b) {
  if (starts_with(b, "\xEF\xBB\xBF")) b.remove_prefix(3);
  std::size_t i = 0;
  while (i < b.size() && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r' ||
                          b[i] == '\f'))
    ++i;
  b.remove_prefix(i);
  if (b.empty() || b[0] != '<') return false;
  static constexpr std::array<std::string_view, 21> kTags = {
      "<!doctype html", "<html", "<head", "<script", "<iframe", "<h1", "<div", "<font",
      "<table", "<a", "<style", "<title", "<b", "<body", "<br", "<p", "<!--", "<?xml",
      "<svg", "<object", "<embed"};
  std::string lower(b.substr(0, 16));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view tag : kTags) {
    if (!starts_with(lower, tag)) continue;
    if (tag == "<!--" || tag == "<?xml") return true;
    // The tag must end there: "<a " or "<a>", not "<abc".
    if (lower.size() == tag.size()) return true;
    const char next = lower[tag.size()];
    if (next == ' ' || next == '>' || next == '\t' || next == '\n' || next == '\r' ||
        next == '/' || next == '\f')
      return true;
  }
  return false;
}

}  // namespace

std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  std::size_t extra = 0;
  std::uint32_t min = 0, cp = 0;
  if (c >= 0xC2 && c <= 0xDF) extra = 1, min = 0x80, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) extra = 2, min = 0x800, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) extra = 3, min = 0x10000, cp = c & 0x07;
  else return 0;
  if (i + extra >= s.size()) return 0;  // cut short
  for (std::size_t k = 1; k <= extra; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return extra + 1;
}

std::optional<SniffedType> sniff(std::string_view b, std::string* what_else) {
  auto refuse = [what_else](const char* kind) -> std::optional<SniffedType> {
    if (what_else) *what_else = kind;
    return std::nullopt;
  };
  if (b.empty()) return refuse("empty");
  if (starts_with(b, "\x89PNG\r\n\x1A\n")) return SniffedType{"image/png", true};
  if (starts_with(b, "\xFF\xD8\xFF")) return SniffedType{"image/jpeg", true};
  if (starts_with(b, "GIF87a") || starts_with(b, "GIF89a")) return SniffedType{"image/gif", true};
  if (starts_with(b, "RIFF") && at(b, 8, "WEBP")) return SniffedType{"image/webp", true};
  if (starts_with(b, "%PDF-")) return SniffedType{"application/pdf", false};
  if (starts_with(b, "OggS")) return SniffedType{"audio/ogg", false};
  if (auto t = iso_media(b)) return t;
  if (auto t = webm(b)) return t;
  if (starts_with(b, "MZ") || starts_with(b, "\x7F" "ELF")) return refuse("executable");
  if (starts_with(b, "PK\x03\x04")) return refuse("archive");
  if (looks_like_markup(b)) return refuse("markup");
  if (plain_text(b)) return SniffedType{"text/plain; charset=utf-8", false};
  return refuse("binary");
}

}  // namespace parley::media
