#pragma once
// Appends JSON to a string without building a DOM: frames are written once
// per message and shared by every recipient, so this is on the hot path.
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::protocol {

class JsonWriter {
 public:
  explicit JsonWriter(std::size_t reserve = 256) { out_.reserve(reserve); }

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array(std::string_view key);  // key empty inside arrays
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);

  JsonWriter& field(std::string_view k, std::string_view v);
  JsonWriter& field(std::string_view k, const char* v) { return field(k, std::string_view(v)); }
  JsonWriter& field(std::string_view k, std::int64_t v);
  JsonWriter& field(std::string_view k, int v) { return field(k, std::int64_t{v}); }
  JsonWriter& field(std::string_view k, bool v);
  JsonWriter& null_field(std::string_view k);
  // A string, or null when empty.
  JsonWriter& string_or_null(std::string_view k, std::string_view v);
  // A number, or null when zero.
  JsonWriter& number_or_null(std::string_view k, std::int64_t v);
  // JSON text the server built itself (a stored media object), copied as is:
  // never pass anything a client wrote.
  JsonWriter& raw_field(std::string_view k, std::string_view json);

  // Values inside arrays.
  JsonWriter& value(std::string_view v);

  std::string take() { return std::move(out_); }
  const std::string& str() const { return out_; }

 private:
  void comma();
  void quoted(std::string_view s);

  std::string out_;
  bool first_ = true;
};

}  // namespace parley::protocol
