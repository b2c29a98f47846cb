#pragma once
// The subscriber side of one node: SUBSCRIBE/UNSUBSCRIBE queued from the
// event loop, messages handed to a callback on the link's thread. After a
// (re)connect it asks its owner, who counts the channels anyway, for every
// channel it wants (resubscribe): keeping a second copy of each channel name
// here cost one string and one hash node per connected user.
#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bus/redis/node_link.h"

namespace parley::bus {

class SubscribeWorker final : private LinkRole {
 public:
  // Called on the link's thread, in the order Redis delivered.
  using OnMessage = std::function<void(std::string_view channel, std::string_view payload)>;
  // Called on the link's thread once connected: the owner should answer
  // with resubscribe(every channel it wants on this node), from any thread.
  using OnConnected = std::function<void()>;

  SubscribeWorker(redis::Endpoint ep, OnMessage on_message, OnConnected on_connected);
  // Any thread; the caller counts references and calls these on 0->1 / 1->0.
  void subscribe(std::string channel);
  void unsubscribe(std::string channel);
  // Subscribes all of these again, after the subscribe/unsubscribe calls
  // made before it. Channels are the owner's wanted set at the moment of the
  // call; the unsubscribe calls that follow it keep the connection exact.
  void resubscribe(std::vector<std::string> channels);

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
  OnConnected on_connected_;
  std::mutex mu_;
  std::vector<std::pair<bool, std::string>> ops_;  // true = subscribe
  std::atomic<std::size_t> confirmed_{0};
  NodeLink link_;  // last: its thread uses everything above
};

}  // namespace parley::bus
