#pragma once
#include <string>
#include <string_view>

namespace parley {

// A new random id: prefix plus 24 lowercase hex digits (96 random bits).
std::string new_id(std::string_view prefix);

// Like new_id, but the first 11 hex digits are the time in ms: ids sort by
// creation, so the store's unique index grows at its right edge instead of
// dirtying a random page per insert (measured: that cost dominated group
// commits). The other 13 digits are random (52 bits).
std::string new_time_ordered_id(std::string_view prefix);

// The id of the direct conversation between two users, the same whichever
// asks: "d_" + 24 hex digits of SHA-256 over the sorted pair.
std::string direct_conversation_id(std::string_view a, std::string_view b);

// True for ids a client may name: 1..128 chars of [A-Za-z0-9_.@:-].
bool valid_user_id(std::string_view id) noexcept;

}  // namespace parley
