#pragma once
#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace parley::server {

// "90s", "30m", "1h", "7d", or plain seconds; a leading '-' is allowed.
Result<std::int64_t> parse_duration_s(std::string_view text);

}  // namespace parley::server
