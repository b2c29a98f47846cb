#pragma once
// Cross-site WebSocket hijacking guard: a browser sends Origin with every
// upgrade, and a page on another site must not ride the user's credentials.
// Accepted: no Origin (not a browser), an Origin whose host[:port] is the
// request's Host, or an Origin in the configured allowlist.
#include <string>
#include <string_view>
#include <vector>

namespace parley::gateway {

bool origin_allowed(std::string_view origin, std::string_view host,
                    const std::vector<std::string>& allowed);

}  // namespace parley::gateway
