#pragma once
// Test helpers: events to publish, and a handler that records what it got and
// lets a test await a count with a deadline (no sleeps as synchronization).
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "eventlog/event_log.h"

namespace parley::eventlog::test_support {

inline Event message_event(const std::string& conversation_id, std::int64_t seq) {
  return Event{conversation_id + "/" + std::to_string(seq) + "/v1", kMessageCreated,
               conversation_id, seq,
               R"({"conversation_id":")" + conversation_id + R"(","seq":)" + std::to_string(seq) +
                   "}"};
}

class Recorder {
 public:
  // refuse_first: refuse that many calls before accepting (retry paths).
  explicit Recorder(int refuse_first = 0) : refuse_(refuse_first) {}

  Handler handler() {
    return [this](const Event& e) -> Status {
      std::lock_guard lock(mu_);
      ++calls_;
      if (refuse_ > 0) {
        --refuse_;
        return make_error(Errc::unavailable, "refused by the test");
      }
      got_.push_back(e);
      cv_.notify_all();
      return ok_status();
    };
  }

  // True once at least n events were accepted, false at the deadline.
  bool await(std::size_t n, std::chrono::milliseconds within = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, within, [&] { return got_.size() >= n; });
  }

  std::vector<Event> events() {
    std::lock_guard lock(mu_);
    return got_;
  }
  std::vector<std::string> ids() {
    std::vector<std::string> out;
    for (const auto& e : events()) out.push_back(e.id);
    return out;
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int refuse_;
  int calls_ = 0;
  std::vector<Event> got_;
};

}  // namespace parley::eventlog::test_support
