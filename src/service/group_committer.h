#pragma once
// Group commit: one writer thread drains the queue of writes and applies
// whatever has gathered as one durable transaction. Concurrent sends thus
// share a single fsync, and seq is assigned by exactly one authority.
// Results come back on the event loop, in submission order.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include <boost/asio/any_io_executor.hpp>

#include "store/store.h"

namespace parley::service {

class GroupCommitter {
 public:
  using Callback = std::function<void(store::WriteResult)>;
  struct Options {
    std::size_t max_batch = 512;      // ops per transaction
    std::size_t max_queue = 100'000;  // beyond this, submit refuses (backpressure)
  };

  GroupCommitter(store::Store& store, boost::asio::any_io_executor done_on, Options options);
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // False when the queue is full or the committer is stopping; the callback
  // is then not called.
  bool submit(store::WriteOp op, Callback done);

  // Refuses new writes, commits everything queued, then posts on_drained on
  // the event loop and ends the writer thread.
  void drain(std::function<void()> on_drained);

  std::size_t queue_depth() const;

 private:
  struct Pending {
    store::WriteOp op;
    Callback done;
  };
  void run();

  store::Store& store_;
  boost::asio::any_io_executor done_on_;
  Options options_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::function<void()> on_drained_;
  std::thread writer_;
};

}  // namespace parley::service
