#pragma once
// The subscriber side of one node: SUBSCRIBE/UNSUBSCRIBE queued from the
// event loop, messages handed to a callback on the link's thread, and every
// wanted channel subscribed again after a reconnect.
#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "bus/redis/node_link.h"

namespace parley::bus {

class SubscribeWorker final : private LinkRole {
 public:
  // Called on the link's thread, in the order Redis delivered.
  using OnMessage = std::function<void(std::string_view channel, std::string_view payload)>;

  SubscribeWorker(redis::Endpoint ep, OnMessage on_message);
  // Any thread; the caller counts references and calls these on 0->1 / 1->0.
  void subscribe(std::string channel);
  void unsubscribe(std::string channel);

  bool connected() const { return link_.connected(); }
  // Channels Redis has confirmed on the current connection (0 while down).
  std::size_t confirmed() const { return confirmed_.load(std::memory_order_acquire); }

 private:
  void on_connected(redisContext* c) override;
  void fill(redisContext* c) override;
  void on_reply(const redisReply& r) override;
  void on_disconnected() override { confirmed_.store(0, std::memory_order_release); }

  void take_ops(std::vector<std::pair<bool, std::string>>& out);
  static void send(redisContext* c, const char* verb, const std::vector<const std::string*>& chans);

  OnMessage on_message_;
  std::mutex mu_;
  std::vector<std::pair<bool, std::string>> ops_;  // true = subscribe
  std::unordered_set<std::string> wanted_;         // link thread only
  std::atomic<std::size_t> confirmed_{0};
  NodeLink link_;  // last: its thread uses everything above
};

}  // namespace parley::bus
