#pragma once
// The position after the last hit of a page, opaque to clients:
// "<score>.<seq>.<conversation_id>". Scores are integers (the engine's
// relevance, scaled and truncated) so a cursor names an exact position
// that the next query can compare with, with no floating-point round trip.
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"

namespace parley::search {

struct Cursor {
  std::int64_t score = 0;  // higher is better
  std::int64_t seq = 0;
  std::string conversation_id;
};

std::string encode_cursor(const Cursor& c);

// nullopt for an empty text (the first page); bad_request for anything
// encode_cursor did not make.
Result<std::optional<Cursor>> decode_cursor(const std::string& text);

}  // namespace parley::search
