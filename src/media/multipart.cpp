#include "media/multipart.h"

#include <strings.h>

#include <cctype>

namespace parley::media {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

Error malformed(const std::string& why) {
  return make_error(Errc::bad_request, "multipart body: " + why);
}

// The value of parameter `name` in "type; a=1; b=\"x y\"" (quotes and
// backslash escapes undone); nullopt when absent.
std::optional<std::string> parameter(std::string_view header, std::string_view name) {
  std::size_t i = header.find(';');
  while (i != std::string_view::npos && i < header.size()) {
    ++i;
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t')) ++i;
    const std::size_t eq = header.find('=', i);
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view key = trim(header.substr(i, eq - i));
    std::size_t j = eq + 1;
    std::string value;
    if (j < header.size() && header[j] == '"') {
      for (++j; j < header.size() && header[j] != '"'; ++j) {
        if (header[j] == '\\' && j + 1 < header.size()) ++j;
        value += header[j];
      }
      if (j < header.size()) ++j;  // closing quote
      i = header.find(';', j);
    } else {
      const std::size_t end = header.find(';', j);
      value = std::string(trim(header.substr(j, end == std::string_view::npos ? end : end - j)));
      i = end;
    }
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 8187 ext-value: "UTF-8''caf%C3%A9.png" -> "café.png".
std::optional<std::string> ext_value(std::string_view v) {
  const std::size_t quote = v.find("''");
  if (quote == std::string_view::npos || !iequals(v.substr(0, quote), "utf-8")) return std::nullopt;
  std::string out;
  for (std::size_t i = quote + 2; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size()) {
      int hi = hex_digit(v[i + 1]), lo = hex_digit(v[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += v[i];
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  const std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  if (!iequals(type, "multipart/form-data")) return std::nullopt;
  auto b = parameter(content_type, "boundary");
  if (!b) return std::string();  // multipart without a boundary: malformed, said later
  return b;
}

Result<FilePart> parse_multipart(std::string_view body, std::string_view boundary) {
  if (boundary.empty() || boundary.size() > 70) return malformed("bad boundary");
  const std::string delimiter = "--" + std::string(boundary);
  const std::string next_delimiter = "\r\n" + delimiter;
  // The first delimiter opens the body or follows a preamble line.
  std::size_t pos;
  if (body.substr(0, delimiter.size()) == delimiter) {
    pos = delimiter.size();
  } else {
    pos = body.find(next_delimiter);
    if (pos == std::string_view::npos) return malformed("no boundary");
    pos += next_delimiter.size();
  }
  std::optional<FilePart> file;
  while (true) {
    if (body.substr(pos, 2) == "--") break;  // the closing delimiter
    // Transport padding (spaces) may follow a delimiter; then CRLF.
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != "\r\n") return malformed("bad delimiter line");
    pos += 2;
    const std::size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) return malformed("part headers not ended");
    std::string_view headers = body.substr(pos, headers_end - pos + 2);
    const std::size_t content_start = headers_end + 4;
    const std::size_t content_end = body.find(next_delimiter, content_start);
    if (content_end == std::string_view::npos) return malformed("part not closed");

    std::optional<std::string> filename;
    while (!headers.empty()) {
      const std::size_t eol = headers.find("\r\n");
      const std::string_view line = headers.substr(0, eol);
      headers.remove_prefix(eol == std::string_view::npos ? headers.size() : eol + 2);
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      if (!iequals(trim(line.substr(0, colon)), "content-disposition")) continue;
      const std::string_view value = line.substr(colon + 1);
      if (auto ext = parameter(value, "filename*")) filename = ext_value(*ext);
      if (!filename) filename = parameter(value, "filename");
    }
    if (filename) {
      if (file) return malformed("more than one file part");
      file = FilePart{body.substr(content_start, content_end - content_start), std::move(*filename)};
    }
    pos = content_end + next_delimiter.size();
  }
  if (!file) return malformed("no file part");
  return std::move(*file);
}

}  // namespace parley::media
