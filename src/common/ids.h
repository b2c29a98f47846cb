#pragma once
#include <string>
#include <string_view>

namespace parley {

// A new random id: prefix plus 24 lowercase hex digits (96 random bits).
std::string new_id(std::string_view prefix);

// True for ids a client may name: 1..128 chars of [A-Za-z0-9_.@:-].
bool valid_user_id(std::string_view id) noexcept;

}  // namespace parley
