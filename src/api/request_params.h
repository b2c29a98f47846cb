#pragma once
// Reading REST parameters: integers in a range, cursors, JSON bodies.
#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "common/result.h"
#include "common/url.h"
#include "store/store.h"

namespace parley::api {

enum class AboveMax { cap, reject };

// The named query parameter as an integer in [min, max]; `fallback` when
// absent or empty; below min is bad_request, above max capped or refused.
Result<std::int64_t> int_param(const Target& t, std::string_view name, std::int64_t fallback,
                               std::int64_t min, std::int64_t max,
                               AboveMax above = AboveMax::cap);

std::string encode_cursor(const store::ConversationSummary& last);
Result<std::optional<store::ListCursor>> decode_cursor(const Target& t);

Result<boost::json::object> json_body(const std::string& body);

}  // namespace parley::api
