#include "store/sharded/shard_worker.h"
#include "common/thread_name.h"

#include <utility>

namespace parley::store {

ShardWorker::ShardWorker() : thread_([this] { run(); }) {}

ShardWorker::~ShardWorker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void ShardWorker::post(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void ShardWorker::run() {
  name_this_thread("store-shard");
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and nothing left to run
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job();
    } catch (...) {
      // A job reports through its own results; this thread must outlive it.
    }
  }
}

}  // namespace parley::store
