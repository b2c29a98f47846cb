#include "bus/redis/redis_endpoint.h"

#include <fcntl.h>

#include <charconv>

namespace parley::redis {

std::optional<Endpoint> parse_endpoint(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.starts_with(kScheme)) url.remove_prefix(kScheme.size());
  if (auto slash = url.find('/'); slash != std::string_view::npos) {
    auto db = url.substr(slash + 1);
    if (!db.empty() && db != "0") return std::nullopt;  // one keyspace per node
    url = url.substr(0, slash);
  }
  if (url.find('@') != std::string_view::npos) return std::nullopt;  // no credentials
  Endpoint ep;
  auto colon = url.rfind(':');
  ep.host = std::string(url.substr(0, colon));
  if (colon != std::string_view::npos) {
    auto digits = url.substr(colon + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ep.port);
    if (ec != std::errc{} || end != digits.data() + digits.size() || ep.port <= 0 ||
        ep.port > 65535)
      return std::nullopt;
  }
  if (ep.host.empty()) return std::nullopt;
  return ep;
}

ContextPtr connect_blocking(const Endpoint& ep, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ContextPtr c(redisConnectWithTimeout(ep.host.c_str(), ep.port, tv));
  if (!c || c->err) return nullptr;
  if (redisSetTimeout(c.get(), tv) != REDIS_OK) return nullptr;
  // Keepalive finds a peer that vanished without a FIN (a dead host).
  redisEnableKeepAlive(c.get());
  return c;
}

ContextPtr connect_nonblocking(const Endpoint& ep, std::chrono::milliseconds timeout) {
  auto c = connect_blocking(ep, timeout);
  if (!c) return nullptr;
  int flags = fcntl(c->fd, F_GETFL, 0);
  if (flags < 0 || fcntl(c->fd, F_SETFL, flags | O_NONBLOCK) < 0) return nullptr;
  // hiredis treats EAGAIN as "try again later" only when it knows the
  // context is non-blocking.
  c->flags &= ~REDIS_BLOCK;
  return c;
}

}  // namespace parley::redis
