#include "bus/redis/publish_worker.h"

#include "bus/redis/redis_bus_metrics.h"

namespace parley::bus {

PublishWorker::PublishWorker(redis::Endpoint ep, std::size_t max_queued)
    : max_queued_(max_queued), link_(std::move(ep), *this, "publish") {}

bool PublishWorker::enqueue(std::string channel, std::string payload) {
  bool was_empty = false;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= max_queued_) return false;
    was_empty = queue_.empty();
    queue_.emplace_back(std::move(channel), std::move(payload));
  }
  // Only the first of a burst wakes the link (a syscall, and a switch to its
  // thread, per publish was ~20 % of the event loop in a cluster connect
  // storm). A non-empty queue has had its wake: the link's fill() takes
  // until the queue is empty, under mu_, and runs again before every poll.
  if (was_empty) link_.wake();
  return true;
}

void PublishWorker::fill(redisContext* c) {
  while (sdslen(c->obuf) < kMaxUnwritten) {
    batch_.clear();
    {
      std::lock_guard lock(mu_);
      while (!queue_.empty() && batch_.size() < kBatch) {
        batch_.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (batch_.empty()) return;
    for (const auto& [channel, payload] : batch_) {
      const char* argv[] = {"PUBLISH", channel.data(), payload.data()};
      const size_t lens[] = {7, channel.size(), payload.size()};
      redisAppendCommandArgv(c, 3, argv, lens);
    }
  }
}

void PublishWorker::on_reply(const redisReply& r) {
  // The subscriber count is of no use: gateways without interest are fine.
  if (r.type == REDIS_REPLY_ERROR) metric::redis_error_replies.inc();
}

}  // namespace parley::bus
