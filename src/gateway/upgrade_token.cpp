#include "gateway/upgrade_token.h"

#include <strings.h>

#include "common/url.h"

namespace parley::gateway {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view bearer_token(std::string_view authorization) {
  authorization = trim(authorization);
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size() ||
      strncasecmp(authorization.data(), scheme.data(), scheme.size()) != 0)
    return {};
  return trim(authorization.substr(scheme.size()));
}

UpgradeToken find_upgrade_token(std::string_view authorization, std::string_view target,
                                std::string_view subprotocols) {
  UpgradeToken out;
  // Every subprotocol entry other than "parley" is taken as the token.
  std::string_view rest = subprotocols;
  std::string from_protocol;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto entry = trim(rest.substr(0, comma));
    if (entry == "parley") out.offered_parley = true;
    else if (!entry.empty() && from_protocol.empty()) from_protocol = entry;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (auto bearer = bearer_token(authorization); !bearer.empty()) {
    out.token = bearer;
  } else if (auto t = parse_target(target); t && t->param("token")) {
    out.token = *t->param("token");
  } else {
    out.token = std::move(from_protocol);
  }
  return out;
}

}  // namespace parley::gateway
