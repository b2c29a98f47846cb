#include "common/errc.h"

#include <string>

namespace parley {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "parley"; }
  std::string message(int v) const override {
    return std::string(wire_name({v, *this}));
  }
};

}  // namespace

const std::error_category& parley_category() noexcept {
  static const Category category;
  return category;
}

std::string_view wire_name(const std::error_code& ec) noexcept {
  if (ec.category() != parley_category()) return "internal";
  switch (static_cast<Errc>(ec.value())) {
    case Errc::ok: return "ok";
    case Errc::bad_request: return "bad_request";
    case Errc::unauthorized: return "unauthorized";
    case Errc::forbidden: return "forbidden";
    case Errc::not_member: return "not_member";
    case Errc::not_found: return "not_found";
    case Errc::too_large: return "too_large";
    case Errc::rate_limited: return "rate_limited";
    case Errc::conflict: return "conflict";
    case Errc::unavailable: return "unavailable";
    case Errc::internal: return "internal";
    case Errc::unsupported_media_type: return "unsupported_media_type";
    case Errc::range_not_satisfiable: return "range_not_satisfiable";
  }
  return "internal";
}

int http_status(const std::error_code& ec) noexcept {
  if (ec.category() != parley_category()) return 500;
  switch (static_cast<Errc>(ec.value())) {
    case Errc::ok: return 200;
    case Errc::bad_request: return 400;
    case Errc::unauthorized: return 401;
    case Errc::forbidden: return 403;
    case Errc::not_member: return 403;
    case Errc::not_found: return 404;
    case Errc::too_large: return 413;
    case Errc::rate_limited: return 429;
    case Errc::conflict: return 409;
    case Errc::unavailable: return 503;
    case Errc::internal: return 500;
    case Errc::unsupported_media_type: return 415;
    case Errc::range_not_satisfiable: return 416;
  }
  return 500;
}

}  // namespace parley
