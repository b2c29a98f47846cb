#pragma once
// Expected failures are values: Result<T> holds a T or an Error.
#include <cstdint>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

#include "common/errc.h"

namespace parley {

struct Error {
  std::error_code code;
  std::string message;  // for people; never holds message content or tokens
  std::int64_t retry_after_ms = 0;  // rate_limited: when a retry may pass (0: not said)
};

inline Error make_error(Errc e, std::string message = {}) {
  return Error{make_error_code(e), std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

}  // namespace parley
