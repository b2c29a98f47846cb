#include "push/endpoint_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

namespace parley::push {
namespace {

bool ipv4_allowed(std::uint32_t a, const EndpointPolicy& policy) {  // host byte order
  auto in = [&](std::uint32_t net, int bits) {
    return bits == 0 || (a >> (32 - bits)) == (net >> (32 - bits));
  };
  if (in(0x7f000000, 8)) return policy.allow_loopback_http;  // 127/8
  return !(in(0x00000000, 8) ||                              // 0/8 "this network"
           in(0x0a000000, 8) ||                              // 10/8
           in(0x64400000, 10) ||                             // 100.64/10 CGNAT
           in(0xa9fe0000, 16) ||                             // 169.254/16 link-local, metadata
           in(0xac100000, 12) ||                             // 172.16/12
           in(0xc0000000, 24) ||                             // 192.0.0/24
           in(0xc0a80000, 16) ||                             // 192.168/16
           in(0xc6120000, 15) ||                             // 198.18/15 benchmarking
           in(0xe0000000, 3));                               // multicast, reserved, broadcast
}

bool ipv6_allowed(const unsigned char* b, const EndpointPolicy& policy) {
  static const unsigned char kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kLoopback, 16) == 0) return policy.allow_loopback_http;
  if (std::memcmp(b, kMapped, 12) == 0)
    return ipv4_allowed(std::uint32_t(b[12]) << 24 | std::uint32_t(b[13]) << 16 |
                            std::uint32_t(b[14]) << 8 | b[15],
                        policy);
  bool unspecified = true;
  for (int i = 0; i < 16; ++i) unspecified = unspecified && b[i] == 0;
  if (unspecified) return false;
  if ((b[0] & 0xfe) == 0xfc) return false;                  // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;  // fe80::/10 link-local
  if (b[0] == 0xff) return false;                           // multicast
  return true;
}

bool loopback_host(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

}  // namespace

Status check_endpoint_url(std::string_view url, const EndpointPolicy& policy) {
  auto fail = [](std::string why) { return make_error(Errc::bad_request, "endpoint " + why); };
  if (url.size() > 2048) return fail("is longer than 2048 characters");
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return fail("must not contain spaces or control characters");
  bool https = url.starts_with("https://");
  bool http = url.starts_with("http://");
  if (!https && !http) return fail("must be an https:// URL");
  std::string_view rest = url.substr(https ? 8 : 7);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return fail("must not hold credentials");
  // The host without the port; IPv6 literals keep their brackets.
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(0, host.find(']') == std::string_view::npos ? host.size()
                                                                   : host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty()) return fail("has no host");
  if (http && !(policy.allow_loopback_http && loopback_host(host)))
    return fail("must be an https:// URL");
  // Address literals are checked now; names are checked again when they resolve.
  std::string literal(host.front() == '[' ? host.substr(1, host.size() - 2) : host);
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET, literal.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    if (!address_allowed(reinterpret_cast<sockaddr*>(&v4), policy))
      return fail("must not point at a private or local address");
  } else if (inet_pton(AF_INET6, literal.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    if (!address_allowed(reinterpret_cast<sockaddr*>(&v6), policy))
      return fail("must not point at a private or local address");
  } else if (host == "localhost" && !policy.allow_loopback_http) {
    return fail("must not point at a private or local address");
  }
  return ok_status();
}

bool address_allowed(const sockaddr* address, const EndpointPolicy& policy) {
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return ipv4_allowed(ntohl(v4->sin_addr.s_addr), policy);
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    return ipv6_allowed(v6->sin6_addr.s6_addr, policy);
  }
  return false;
}

}  // namespace parley::push
