#include "api/request_params.h"

#include <charconv>

#include <boost/json/parse.hpp>

namespace parley::api {
namespace {

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

Result<std::int64_t> int_param(const Target& t, std::string_view name, std::int64_t fallback,
                               std::int64_t min, std::int64_t max, AboveMax above) {
  const std::string* raw = t.param(name);
  if (!raw || raw->empty()) return fallback;
  auto v = to_int(*raw);
  if (!v || *v < min)
    return make_error(Errc::bad_request, std::string(name) + " must be an integer >= " +
                                             std::to_string(min));
  if (*v > max && above == AboveMax::reject)
    return make_error(Errc::bad_request, std::string(name) + " must be at most " +
                                             std::to_string(max));
  return std::min(*v, max);
}

std::string encode_cursor(const store::ConversationSummary& last) {
  return std::to_string(last.last_activity_at) + "." + last.id;
}

Result<std::optional<store::ListCursor>> decode_cursor(const Target& t) {
  const std::string* raw = t.param("cursor");
  if (!raw || raw->empty()) return std::optional<store::ListCursor>{};
  auto dot = raw->find('.');
  if (dot == std::string::npos) return make_error(Errc::bad_request, "bad cursor");
  auto at = to_int(std::string_view(*raw).substr(0, dot));
  if (!at || dot + 1 >= raw->size()) return make_error(Errc::bad_request, "bad cursor");
  return std::optional<store::ListCursor>(store::ListCursor{*at, raw->substr(dot + 1)});
}

Result<boost::json::object> json_body(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec) return make_error(Errc::bad_request, "body is not valid JSON");
  if (!v.is_object()) return make_error(Errc::bad_request, "body must be a JSON object");
  return std::move(v.get_object());
}

}  // namespace parley::api
