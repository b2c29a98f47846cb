#pragma once
// Lenient field access on parsed JSON (internal to the client): a missing or
// mistyped field reads as empty/zero, so callers check only what matters.
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "client/events.h"

namespace parley::client::json_read {

std::string_view str(const boost::json::object& o, std::string_view key) noexcept;
std::int64_t i64(const boost::json::object& o, std::string_view key,
                 std::int64_t fallback = 0) noexcept;
bool boolean(const boost::json::object& o, std::string_view key) noexcept;
bool has_int(const boost::json::object& o, std::string_view key) noexcept;

// A message object: the `message` frame and the history entries share it.
Message message(const boost::json::object& o);

}  // namespace parley::client::json_read
