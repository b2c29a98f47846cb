#pragma once
// One connection to one Redis node, driven by its own thread: poll() on the
// Redis fd plus an eventfd, so work queued from the event loop goes out at
// once and replies are read as they arrive. Reconnects with backoff. What to
// send and what replies mean is the role's (publisher or subscriber).
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "bus/redis/redis_endpoint.h"

namespace parley::bus {

// Called on the link's thread only.
class LinkRole {
 public:
  virtual ~LinkRole() = default;
  // A fresh connection: queue whatever it must start with (re-SUBSCRIBE).
  virtual void on_connected(redisContext* c) = 0;
  // Woken, or about to poll: append queued commands to c's output buffer.
  virtual void fill(redisContext* c) = 0;
  virtual void on_reply(const redisReply& r) = 0;
  virtual void on_disconnected() = 0;
};

class NodeLink {
 public:
  // name: for logs ("publish", "subscribe"). Starts the thread.
  NodeLink(redis::Endpoint ep, LinkRole& role, std::string name);
  ~NodeLink();  // stops and joins: the role must outlive the link
  NodeLink(const NodeLink&) = delete;
  NodeLink& operator=(const NodeLink&) = delete;

  // Any thread: the role has new work.
  void wake();
  bool connected() const { return connected_.load(std::memory_order_acquire); }

  static constexpr auto kConnectTimeout = std::chrono::milliseconds(1000);
  static constexpr auto kMinBackoff = std::chrono::milliseconds(50);
  static constexpr auto kMaxBackoff = std::chrono::milliseconds(2000);

 private:
  void run();
  // Reads, writes and dispatches replies; false when the connection is lost.
  bool serve(redisContext* c);
  void wait_for_wake(std::chrono::milliseconds timeout);
  void drain_wake();

  redis::Endpoint ep_;
  LinkRole& role_;
  std::string name_;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace parley::bus
