#pragma once
// The error vocabulary of Parley. Each value is also a wire error code
// (docs/protocol.md), so a failure travels from store to client unchanged.
#include <string_view>
#include <system_error>

namespace parley {

enum class Errc {
  ok = 0,
  bad_request,
  unauthorized,
  forbidden,
  not_member,
  not_found,
  too_large,
  rate_limited,
  conflict,
  unavailable,  // retryable: a backend is down or shutting down
  unsupported_media_type,  // an upload whose sniffed type is not allowed (415)
  range_not_satisfiable,   // a Range past the end of the content (416)
  internal,  // stays last: clients map wire names back by walking up to it
};

const std::error_category& parley_category() noexcept;

inline std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), parley_category()};
}

// The wire name of an error ("not_member"); "internal" for foreign codes.
std::string_view wire_name(const std::error_code& ec) noexcept;

// HTTP status that REST answers carry for this error.
int http_status(const std::error_code& ec) noexcept;

}  // namespace parley

template <>
struct std::is_error_code_enum<parley::Errc> : std::true_type {};
