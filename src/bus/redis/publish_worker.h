#pragma once
// The publisher side of one node: a bounded queue filled from the event loop
// and pipelined to Redis by the link's thread (many PUBLISH, one write).
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "bus/redis/node_link.h"

namespace parley::bus {

class PublishWorker final : private LinkRole {
 public:
  PublishWorker(redis::Endpoint ep, std::size_t max_queued);
  // Any thread. False when the queue is full and the payload was dropped:
  // the bus is best-effort, the store is the truth.
  bool enqueue(std::string channel, std::string payload);
  bool connected() const { return link_.connected(); }

 private:
  void on_connected(redisContext*) override {}
  void fill(redisContext* c) override;
  void on_reply(const redisReply& r) override;
  void on_disconnected() override {}

  // Stop taking from the queue while this much is still unwritten, so a
  // slow node backs up into the bounded queue rather than into memory.
  static constexpr std::size_t kMaxUnwritten = 1 << 20;
  static constexpr std::size_t kBatch = 256;

  const std::size_t max_queued_;
  std::mutex mu_;
  std::deque<std::pair<std::string, std::string>> queue_;   // channel, payload
  std::vector<std::pair<std::string, std::string>> batch_;  // link thread only
  NodeLink link_;  // last: its thread uses everything above
};

}  // namespace parley::bus
