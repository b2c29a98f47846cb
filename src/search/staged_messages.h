#pragma once
// The staging both SearchIndex backends share (search_index.h: stage() and
// flush()). Messages wait here until flush(), or until `max` wait, when they
// are written at once. A write that fails at that point is not reported to
// stage() (the event in hand is fine) but to the next flush(), so the
// consumer delivers again everything since its last recorded position, the
// lost batch included. Not thread-safe: the owning index holds its write
// mutex around every call.
#include <cstddef>
#include <functional>
#include <span>
#include <utility>
#include <vector>

#include "common/result.h"
#include "search/indexed_message.h"

namespace parley::search {

class StagedMessages {
 public:
  // Writes a batch durably, in order; all of it or none.
  using Write = std::function<Status(std::span<const IndexedMessage>)>;

  StagedMessages(std::size_t max, Write write) : max_(max), write_(std::move(write)) {}

  // Queues m; writes the batch when it is full. Ok even when that write
  // failed: the next flush() reports it.
  Status add(IndexedMessage m);
  // Writes what waits; an error when this write or an earlier full batch's
  // failed.
  Status flush();

 private:
  Status write_staged();

  std::size_t max_;
  Write write_;
  std::vector<IndexedMessage> staged_;
  bool lost_batch_ = false;
};

}  // namespace parley::search
