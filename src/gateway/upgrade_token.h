#pragma once
// Where a WebSocket upgrade may carry its token (docs/protocol.md): the
// Authorization header, ?token=, or Sec-WebSocket-Protocol "parley, <jwt>"
// for browsers, which cannot set headers.
#include <string>
#include <string_view>

namespace parley::gateway {

struct UpgradeToken {
  std::string token;           // empty when none was found
  bool offered_parley = false; // the client listed the "parley" subprotocol
};

UpgradeToken find_upgrade_token(std::string_view authorization, std::string_view target,
                                std::string_view subprotocols);

// "Bearer <token>" -> "<token>"; empty for anything else.
std::string_view bearer_token(std::string_view authorization);

}  // namespace parley::gateway
