#pragma once
// One thread that runs jobs in the order they were posted: ShardedStore keeps
// one per shard, so the sub-batches of one apply() run on all shards at once
// while each shard still sees its own batches one after another.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace parley::store {

class ShardWorker {
 public:
  ShardWorker();
  // Runs what is still queued, then joins the thread.
  ~ShardWorker();
  ShardWorker(const ShardWorker&) = delete;
  ShardWorker& operator=(const ShardWorker&) = delete;

  // job must not throw (an escaping exception is swallowed, not reported).
  void post(std::function<void()> job);

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace parley::store
