#include "gateway/origin_check.h"

#include <algorithm>
#include <cctype>

namespace parley::gateway {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "https://chat.example:8443" -> "chat.example:8443"; default ports dropped,
// so "https://x" and Host "x:443" agree.
std::string authority(std::string_view origin) {
  auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return {};
  auto scheme = lower(origin.substr(0, scheme_end));
  std::string rest = lower(origin.substr(scheme_end + 3));
  if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  if ((scheme == "https" || scheme == "wss") && rest.size() > 4 && rest.ends_with(":443"))
    rest.resize(rest.size() - 4);
  if ((scheme == "http" || scheme == "ws") && rest.size() > 3 && rest.ends_with(":80"))
    rest.resize(rest.size() - 3);
  return rest;
}

std::string host_without_default_port(std::string_view host) {
  std::string h = lower(host);
  if (h.size() > 3 && h.ends_with(":80")) h.resize(h.size() - 3);
  else if (h.size() > 4 && h.ends_with(":443")) h.resize(h.size() - 4);
  return h;
}

}  // namespace

bool origin_allowed(std::string_view origin, std::string_view host,
                    const std::vector<std::string>& allowed) {
  if (origin.empty()) return true;
  for (const auto& a : allowed)
    if (a == "*" || lower(a) == lower(origin)) return true;
  auto auth = authority(origin);
  return !auth.empty() && !host.empty() && auth == host_without_default_port(host);
}

}  // namespace parley::gateway
