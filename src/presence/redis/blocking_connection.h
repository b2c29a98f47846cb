#pragma once
// One blocking Redis connection for presence: pipelines of commands with
// ~1 s connect and command timeouts, lazy reconnects at most once per
// second (so a down Redis costs callers nothing, not a timeout per call),
// and one log line per outage.
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "bus/redis/redis_endpoint.h"

namespace parley::presence {

class BlockingConnection {
 public:
  using Command = std::vector<std::string>;

  BlockingConnection(redis::Endpoint ep, std::chrono::milliseconds timeout);

  // Any thread. Sends every command in one write and reads every reply, in
  // order. Empty when Redis is unreachable, was unreachable within the last
  // second, or answered any command with an error.
  std::vector<redis::ReplyPtr> run(const std::vector<Command>& commands);
  bool healthy();

 private:
  bool ensure_connected();     // mu_ held
  void fail(const char* why);  // mu_ held

  const redis::Endpoint ep_;
  const std::chrono::milliseconds timeout_;
  std::mutex mu_;
  redis::ContextPtr ctx_;
  std::chrono::steady_clock::time_point next_attempt_{};
  bool down_ = false;  // logged as down; log again only once it has come back
};

}  // namespace parley::presence
