#pragma once
// Which push endpoints we will connect to. Endpoints come from users
// (POST /api/devices), so without a policy the server could be made to POST
// into its own network (SSRF): metadata services, admin ports, databases.
//
// - At registration: the URL must be https:// with a host name or public
//   address; http:// only to 127.0.0.1, [::1] or localhost, and only when
//   allow_loopback_http is set (tests with fake push services).
// - At connect time (libcurl's open-socket hook): the address the name
//   resolved to must be public, whatever the name looked like, so a host
//   name pointing at 10.x or 127.x (or re-pointed after registration) is
//   refused too. Loopback is let through only with allow_loopback_http.
#include <string_view>

#include "common/result.h"

struct sockaddr;

namespace parley::push {

struct EndpointPolicy {
  bool allow_loopback_http = false;
};

// bad_request with a reason when url may not be registered.
Status check_endpoint_url(std::string_view url, const EndpointPolicy& policy);

// False for loopback (unless allowed), private, link-local, unique-local,
// carrier-grade NAT, multicast, unspecified and IPv4-mapped forms of those.
bool address_allowed(const sockaddr* address, const EndpointPolicy& policy);

}  // namespace parley::push
