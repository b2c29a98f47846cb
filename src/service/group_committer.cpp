#include "service/group_committer.h"

#include <vector>

#include <boost/asio/post.hpp>

#include "service/service_metrics.h"
#include "common/thread_name.h"

namespace parley::service {

GroupCommitter::GroupCommitter(store::Store& store, boost::asio::any_io_executor done_on,
                               Options options)
    : store_(store), done_on_(std::move(done_on)), options_(options) {
  writer_ = std::thread([this] { run(); });
}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
}

bool GroupCommitter::submit(store::WriteOp op, Callback done) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= options_.max_queue) return false;
    queue_.push_back({std::move(op), std::move(done)});
    metric::commit_queue.set(static_cast<std::int64_t>(queue_.size()));
  }
  wake_.notify_one();
  return true;
}

void GroupCommitter::drain(std::function<void()> on_drained) {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    on_drained_ = std::move(on_drained);
  }
  wake_.notify_one();
}

std::size_t GroupCommitter::queue_depth() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void GroupCommitter::run() {
  name_this_thread("group-commit");
  std::vector<store::WriteOp> ops;
  for (;;) {
    auto callbacks = std::make_shared<std::vector<Callback>>();
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {  // stopping, and everything is committed
        if (on_drained_) boost::asio::post(done_on_, std::move(on_drained_));
        return;
      }
      std::size_t n = std::min(queue_.size(), options_.max_batch);
      ops.clear();
      ops.reserve(n);
      callbacks->reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        ops.push_back(std::move(queue_.front().op));
        callbacks->push_back(std::move(queue_.front().done));
        queue_.pop_front();
      }
      metric::commit_queue.set(static_cast<std::int64_t>(queue_.size()));
    }
    // The only call that touches the disk; everything queued meanwhile
    // joins the next batch.
    auto started = std::chrono::steady_clock::now();
    auto results = std::make_shared<std::vector<store::WriteResult>>(store_.apply(ops));
    metric::commit_latency.observe_us(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::steady_clock::now() - started)
                                          .count());
    metric::commit_batches.inc();
    while (results->size() < ops.size())  // a store bug must not lose a callback
      results->push_back(make_error(Errc::internal, "store returned too few results"));
    boost::asio::post(done_on_, [callbacks, results] {
      for (std::size_t i = 0; i < callbacks->size(); ++i) {
        (*callbacks)[i](std::move((*results)[i]));
      }
    });
  }
}

}  // namespace parley::service
