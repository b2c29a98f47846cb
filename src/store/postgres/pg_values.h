#pragma once
// The values that cross the libpq boundary, in binary format both ways:
// parameter types, parameters, and result rows. No number formatting, no
// escaping, exact bytes.
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct pg_result;

namespace parley::store::pg {

// Type OIDs of the parameters we send (fixed in PostgreSQL's catalog).
enum class Type : unsigned {
  boolean = 16,
  bytea = 17,
  int8 = 20,
  text = 25,
  text_array = 1009,
};

// True when PostgreSQL text can hold s: no NUL byte and valid UTF-8.
bool storable_text(std::string_view s) noexcept;

// Parameters in binary format. Text is referenced, not copied: it must outlive
// the call that sends it (libpq copies it into its buffer when sending).
class Params {
 public:
  Params& text(std::string_view v);
  // Names something stored (an id): NULL when PostgreSQL text could not hold
  // it, so it matches nothing, as it would match nothing in any backend.
  Params& key(std::string_view v);
  Params& text_or_null(std::string_view v);  // NULL when empty
  Params& bytes(std::string_view v);
  Params& int64(std::int64_t v);
  Params& boolean(bool v);
  Params& text_array(std::span<const std::string> v);

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  Params& raw(const char* data, std::size_t size);
  Params& owned(std::string bytes);

  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::deque<std::string> owned_;  // a deque: growing it never moves a string
};

// The rows of a binary-format result. Columns and rows count from 0.
class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* r) noexcept : r_(r) {}

  int count() const;
  bool is_null(int row, int col) const;
  std::int64_t int64(int row, int col) const;  // int8, int4 or int2; 0 for NULL
  bool boolean(int row, int col) const;        // false for NULL
  std::string text(int row, int col) const;    // text or bytea; "" for NULL

  pg_result* get() const noexcept { return r_.get(); }

 private:
  struct Clear {
    void operator()(pg_result* r) const noexcept;
  };
  std::unique_ptr<pg_result, Clear> r_;
};

}  // namespace parley::store::pg
