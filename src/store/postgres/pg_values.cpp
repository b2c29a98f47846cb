#include "store/postgres/pg_values.h"

#include <libpq-fe.h>

#include <utility>

namespace parley::store::pg {

// ---- Text ----

bool storable_text(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned c = p[i];
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    const bool overlong =
        (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// ---- Params ----

Params& Params::raw(const char* data, std::size_t size) {
  // A null pointer would mean SQL NULL: an empty value still needs an address.
  values_.push_back(size == 0 ? "" : data);
  lengths_.push_back(static_cast<int>(size));
  formats_.push_back(1);
  return *this;
}

Params& Params::owned(std::string bytes) {
  const std::string& kept = owned_.emplace_back(std::move(bytes));
  return raw(kept.data(), kept.size());
}

Params& Params::text(std::string_view v) { return raw(v.data(), v.size()); }

Params& Params::key(std::string_view v) {
  if (storable_text(v)) return text(v);
  values_.push_back(nullptr);
  lengths_.push_back(0);
  formats_.push_back(1);
  return *this;
}

Params& Params::text_or_null(std::string_view v) {
  if (!v.empty()) return text(v);
  values_.push_back(nullptr);
  lengths_.push_back(0);
  formats_.push_back(1);
  return *this;
}

Params& Params::bytes(std::string_view v) { return raw(v.data(), v.size()); }

namespace {

void put_be(std::string& out, std::uint64_t v, int size) {
  for (int i = size - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

Params& Params::int64(std::int64_t v) {
  std::string out;
  put_be(out, static_cast<std::uint64_t>(v), 8);
  return owned(std::move(out));
}

Params& Params::boolean(bool v) { return owned(std::string(1, v ? '\1' : '\0')); }

Params& Params::text_array(std::span<const std::string> v) {
  // The binary array format: dimensions, a has-nulls flag, the element type,
  // then per dimension its size and lower bound, then length-prefixed items.
  std::string out;
  put_be(out, v.empty() ? 0 : 1, 4);
  put_be(out, 0, 4);
  put_be(out, static_cast<std::uint64_t>(Type::text), 4);
  if (!v.empty()) {
    put_be(out, v.size(), 4);
    put_be(out, 1, 4);
    for (const auto& item : v) {
      put_be(out, item.size(), 4);
      out += item;
    }
  }
  return owned(std::move(out));
}

// ---- Rows ----

void Rows::Clear::operator()(pg_result* r) const noexcept { PQclear(r); }

int Rows::count() const { return r_ ? PQntuples(r_.get()) : 0; }

bool Rows::is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }

std::int64_t Rows::int64(int row, int col) const {
  if (is_null(row, col)) return 0;
  const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col));
  const int len = PQgetlength(r_.get(), row, col);
  std::uint64_t v = 0;
  for (int i = 0; i < len; ++i) v = (v << 8) | p[i];
  switch (len) {
    case 2:
      return static_cast<std::int16_t>(v);
    case 4:
      return static_cast<std::int32_t>(v);
    default:
      return static_cast<std::int64_t>(v);
  }
}

bool Rows::boolean(int row, int col) const {
  if (is_null(row, col)) return false;
  return PQgetlength(r_.get(), row, col) == 1 && PQgetvalue(r_.get(), row, col)[0] != 0;
}

std::string Rows::text(int row, int col) const {
  if (is_null(row, col)) return {};
  return std::string(PQgetvalue(r_.get(), row, col),
                     static_cast<std::size_t>(PQgetlength(r_.get(), row, col)));
}

}  // namespace parley::store::pg
