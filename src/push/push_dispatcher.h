#pragma once
// The push pipeline after "this user should hear about this conversation":
// collapse, mute, look up devices, call providers, retry, forget gone
// devices. Its own worker threads do all of it, so submit() never waits on
// a provider or a database, and a slow provider holds only the workers it
// is answering on (each call bounded by the provider timeout).
//
// Collapsing: at most one push per (user, conversation) per window. The
// first message goes out at once; later ones in the window replace the
// waiting push (the latest wins) and it leaves when the window ends.
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "push/device_registry.h"
#include "push/provider.h"

namespace parley::push {

struct DispatcherOptions {
  std::size_t workers = 4;
  std::size_t max_queue = 10'000;
  std::chrono::milliseconds collapse{10'000};
  int max_attempts = 4;
  std::chrono::milliseconds retry_base{1'000};
};

class PushDispatcher {
 public:
  // providers[platform]: null where the platform is not configured (its
  // devices are skipped). Neither registry nor providers are owned.
  using Providers = std::array<Provider*, 4>;
  PushDispatcher(DeviceRegistry& registry, Providers providers, DispatcherOptions options);
  ~PushDispatcher();  // stop()
  PushDispatcher(const PushDispatcher&) = delete;
  PushDispatcher& operator=(const PushDispatcher&) = delete;

  // Queues a push (or folds it into the one waiting for the same user and
  // conversation). False when the queue is full: the push is dropped and
  // counted, never waited for.
  bool submit(PushMessage message);

  // Waits until nothing is queued, due or in flight (retries scheduled later
  // count as queued); false at the deadline. For tests and shutdown.
  bool wait_idle(std::chrono::milliseconds timeout);

  // Ends the workers after their current call; what is queued is dropped.
  void stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct DeviceCall {
    Device device;
    PushMessage message;
    int attempt = 0;
  };
  struct Task {
    Clock::time_point due;
    std::uint64_t order = 0;      // FIFO among tasks due at the same time
    std::string slot;             // a collapsed push to expand, or
    std::optional<DeviceCall> call;  // one provider call
    bool operator>(const Task& o) const { return due != o.due ? due > o.due : order > o.order; }
  };
  struct Slot {
    PushMessage latest;
    bool waiting = false;  // a task for this slot is queued
    std::optional<Clock::time_point> last_sent;
  };

  void run();
  void expand(const std::string& slot_key);
  void call(DeviceCall c);
  void enqueue(Task t);  // under mu_
  void forget_old_slots(Clock::time_point now);  // under mu_

  DeviceRegistry& registry_;
  Providers providers_;
  DispatcherOptions options_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::priority_queue<Task, std::vector<Task>, std::greater<>> queue_;
  std::unordered_map<std::string, Slot> slots_;
  std::uint64_t next_order_ = 0;
  std::size_t in_flight_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace parley::push
