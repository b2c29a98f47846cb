#pragma once
// JWS compact serialization (RFC 7515 section 7.1), the part every
// algorithm shares: three base64url parts, a JSON header, no `crit`. What
// the signature is checked with is the caller's business.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "common/result.h"

namespace parley::auth {

// Tokens longer than this are rejected before any decoding: a real token is a
// few hundred bytes (an RS256 signature alone is 342 characters), and the
// limit caps the work a stranger can cause.
inline constexpr std::size_t kMaxTokenBytes = 8 * 1024;

struct CompactJwt {
  std::string_view signing_input;  // "header.payload": what the signature covers
  std::string_view payload_b64;    // read only after the signature checked out
  std::string signature;           // decoded bytes
  boost::json::object header;
  std::string alg;                 // the header's alg; empty when absent or not a string
};

// Structure, encodings, header JSON, `typ` (absent or "JWT", any case) and
// `crit` (never understood, so always refused). Views point into `token`.
// Errc::unauthorized with a short reason that never quotes the token.
Result<CompactJwt> parse_compact(std::string_view token);

// base64url without '=' padding: RFC 7515 forbids it, and allowing it would
// give one token two spellings.
std::optional<std::string> decode_part(std::string_view part);

Error token_error(std::string reason);

}  // namespace parley::auth
