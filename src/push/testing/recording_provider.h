#pragma once
// A Provider for dispatcher and notifier tests: records each call and
// answers with what the test scripted (delivered by default), or waits at
// a gate the test opens.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "push/provider.h"

namespace parley::push::testing {

class RecordingProvider final : public Provider {
 public:
  struct Call {
    Device device;
    PushMessage message;
  };

  SendResult send(const Device& device, const PushMessage& message) override {
    std::unique_lock lock(mu_);
    calls_.push_back({device, message});
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    if (script_.empty()) return {Outcome::delivered, {}, "ok"};
    SendResult r = script_.front();
    script_.pop_front();
    return r;
  }

  // The next answers, in order; delivered after them.
  void script(std::vector<SendResult> answers) {
    std::lock_guard lock(mu_);
    script_.assign(answers.begin(), answers.end());
  }
  void close_gate() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void open_gate() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    changed_.notify_all();
  }
  // At least n calls made (all returned), or what came by the deadline.
  std::vector<Call> wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, timeout, [&] { return calls_.size() >= n; });
    return calls_;
  }
  std::vector<Call> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<Call> calls_;
  std::deque<SendResult> script_;
  bool open_ = true;
};

}  // namespace parley::push::testing
