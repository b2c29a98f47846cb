#pragma once
// What an event-log consumer's batching handler holds between flushes
// (eventlog/event_log.h: Flush). Items wait here until flush(), or until
// `max` wait, when they are written at once. A write that fails at that
// point is not reported to add() (the item in hand is fine) but to the next
// flush(), so the consumer delivers again everything since its last
// recorded position, the lost batch included. Used by the search indexes
// and the push notifier. Not thread-safe: the owner serialises calls.
#include <cstddef>
#include <functional>
#include <span>
#include <utility>
#include <vector>

#include "common/result.h"

namespace parley {

template <class T>
class StagedBatch {
 public:
  // Writes (or hands on) a batch, in order; all of it or none.
  using Write = std::function<Status(std::span<const T>)>;

  StagedBatch(std::size_t max, Write write) : max_(max), write_(std::move(write)) {}

  // Queues item; writes the batch when it is full. Ok even when that write
  // failed: the next flush() reports it.
  Status add(T item) {
    staged_.push_back(std::move(item));
    // Writing early is always safe; only a late write is not.
    if (staged_.size() >= max_) (void)write_staged();
    return ok_status();
  }

  // Writes what waits; an error when this write or an earlier full batch's
  // failed (each failure is reported once).
  Status flush() {
    auto done = write_staged();
    if (std::exchange(lost_batch_, false) && done)
      return make_error(Errc::unavailable, "a batch was not written");
    return done;
  }

 private:
  Status write_staged() {
    if (staged_.empty()) return ok_status();
    auto batch = std::move(staged_);
    staged_.clear();
    auto written = write_(std::span<const T>(batch));
    if (!written) lost_batch_ = true;  // until the next flush reports it
    return written;
  }

  std::size_t max_;
  Write write_;
  std::vector<T> staged_;
  bool lost_batch_ = false;
};

}  // namespace parley
