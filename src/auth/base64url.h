#pragma once
// Base64url (RFC 4648 section 5), the alphabet JWTs are written in.
#include <optional>
#include <string>
#include <string_view>

namespace parley::auth {

// Encodes without '=' padding, as JWS compact serialization requires.
std::string base64url_encode(std::string_view bytes);

// Decodes with or without padding. Returns nullopt on characters outside the
// url-safe alphabet, impossible lengths, misplaced padding, or non-zero
// leftover bits (so each byte string has exactly one accepted encoding).
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace parley::auth
