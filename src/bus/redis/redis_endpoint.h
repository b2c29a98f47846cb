#pragma once
// Where a Redis node is, and how to open a connection to it. Shared by the
// Redis bus and the Redis presence (both cluster mode).
#include <hiredis/hiredis.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::redis {

struct Endpoint {
  std::string host;
  int port = 6379;
  std::string url() const { return "redis://" + host + ":" + std::to_string(port); }
};

// "redis://host[:port][/db]" or "host[:port]"; nullopt when malformed. Only
// database 0 and no password: the nodes are private to the cluster.
std::optional<Endpoint> parse_endpoint(std::string_view url);

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// A blocking connection whose connect and every command give up after
// `timeout`; nullptr when the node cannot be reached.
ContextPtr connect_blocking(const Endpoint& ep, std::chrono::milliseconds timeout);

// The same, switched to non-blocking I/O afterwards, for loops that poll()
// the fd themselves and use redisBufferRead/redisBufferWrite.
ContextPtr connect_nonblocking(const Endpoint& ep, std::chrono::milliseconds timeout);

}  // namespace parley::redis
