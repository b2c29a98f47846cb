// The WebSocket upgrade's header readers (gateway/upgrade_token.h,
// origin_check.h): the Authorization header, the request target's ?token=,
// Sec-WebSocket-Protocol, Origin and Host, all stranger-controlled.
// Input: those five fields separated by '\n' (missing ones are empty).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "gateway/origin_check.h"
#include "gateway/upgrade_token.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::string_view field[5];
  for (auto& f : field) {
    auto nl = rest.find('\n');
    f = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  }
  const auto& [authorization, target, protocols, origin, host] = field;

  auto found = parley::gateway::find_upgrade_token(authorization, target, protocols);
  auto bearer = parley::gateway::bearer_token(authorization);
  if (!bearer.empty()) FUZZ_CHECK(found.token == bearer);
  // The token is read from the headers, never invented: a bearer token or
  // a subprotocol entry is a substring of its header (?token= is decoded).
  FUZZ_CHECK(found.token.empty() || !bearer.empty() || !target.empty() ||
             protocols.find(found.token) != std::string_view::npos);
  FUZZ_CHECK(found.token != "parley" || !bearer.empty() || !target.empty());

  static const std::vector<std::string> kNone, kSome{"https://chat.example", "http://LOCALHOST:3000"};
  bool strict = parley::gateway::origin_allowed(origin, host, kNone);
  bool listed = parley::gateway::origin_allowed(origin, host, kSome);
  FUZZ_CHECK(!strict || listed);  // a list only ever widens what is allowed
  if (origin.empty()) FUZZ_CHECK(strict);
  if (!origin.empty() && host.empty()) FUZZ_CHECK(!strict);
  return 0;
}
