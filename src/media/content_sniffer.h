#pragma once
// What an upload really is, decided from its first bytes and never from the
// Content-Type or file name a client gives: only types on the allowlist are
// stored, so a browser can never be handed HTML or script under our origin.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace parley::media {

struct SniffedType {
  std::string content_type;  // what GET answers with, e.g. "image/png"
  bool image = false;        // shown inline, has dimensions
};

// The allowed type of `bytes`, or nullopt when it is none of them (HTML, SVG,
// XML, executables, archives, unknown binary, empty). `what_else` gets a
// short name of a refused kind when one is recognised ("html", "binary").
std::optional<SniffedType> sniff(std::string_view bytes, std::string* what_else = nullptr);

// The length of the UTF-8 sequence at s[i] (1-4), or 0 when it is not
// valid UTF-8 (overlong, surrogate, cut short, stray continuation byte).
std::size_t utf8_length(std::string_view s, std::size_t i);

}  // namespace parley::media
