#include "protocol/json_writer.h"

#include <charconv>

namespace parley::protocol {

void JsonWriter::comma() {
  if (!first_) out_.push_back(',');
  first_ = false;
}

void JsonWriter::quoted(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out_.push_back('"');
  std::size_t run = 0;  // copy unescaped runs in one append
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out_.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      case '\t': out_ += "\\t"; break;
      case '\b': out_ += "\\b"; break;
      case '\f': out_ += "\\f"; break;
      default:
        out_ += "\\u00";
        out_.push_back(hex[c >> 4]);
        out_.push_back(hex[c & 0xf]);
    }
  }
  out_.append(s.data() + run, s.size() - run);
  out_.push_back('"');
}

JsonWriter& JsonWriter::begin_object() {
  comma();
  out_.push_back('{');
  first_ = true;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::begin_array(std::string_view k) {
  if (k.empty()) {
    comma();
  } else {
    key(k);
  }
  out_.push_back('[');
  first_ = true;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  comma();
  quoted(k);
  out_.push_back(':');
  first_ = true;  // the value that follows needs no comma
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view k, std::string_view v) {
  key(k);
  quoted(v);
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view k, std::int64_t v) {
  key(k);
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, end);
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view k, bool v) {
  key(k);
  out_ += v ? "true" : "false";
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::null_field(std::string_view k) {
  key(k);
  out_ += "null";
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::raw_field(std::string_view k, std::string_view json) {
  key(k);
  out_ += json;
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::string_or_null(std::string_view k, std::string_view v) {
  return v.empty() ? null_field(k) : field(k, v);
}

JsonWriter& JsonWriter::number_or_null(std::string_view k, std::int64_t v) {
  return v == 0 ? null_field(k) : field(k, v);
}

JsonWriter& JsonWriter::value(std::string_view v) {
  comma();
  quoted(v);
  return *this;
}

}  // namespace parley::protocol
