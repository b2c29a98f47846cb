#include "push/push_dispatcher.h"

#include <algorithm>

#include "common/log.h"
#include "push/push_metrics.h"
#include "common/thread_name.h"
#include "common/thread_priority.h"

namespace parley::push {
namespace {

std::string slot_key(const PushMessage& m) { return m.user_id + '\n' + m.conversation_id; }

// The provider's Retry-After when longer, else base * 2^attempt; at most an hour.
std::chrono::milliseconds backoff(std::chrono::milliseconds base, int attempt,
                                  std::chrono::seconds retry_after) {
  auto delay = base * (std::int64_t{1} << std::min(attempt, 20));
  delay = std::max<std::chrono::milliseconds>(delay, retry_after);
  return std::min<std::chrono::milliseconds>(delay, std::chrono::hours(1));
}

}  // namespace

PushDispatcher::PushDispatcher(DeviceRegistry& registry, Providers providers,
                               DispatcherOptions options)
    : registry_(registry), providers_(providers), options_(options) {
  for (std::size_t i = 0; i < std::max<std::size_t>(options_.workers, 1); ++i)
    workers_.emplace_back([this] { run(); });
}

PushDispatcher::~PushDispatcher() { stop(); }

void PushDispatcher::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  std::lock_guard lock(mu_);
  metric::queued.add(-static_cast<std::int64_t>(queue_.size()));
  queue_ = {};
  idle_.notify_all();
}

bool PushDispatcher::submit(PushMessage message) {
  auto key = slot_key(message);
  auto now = Clock::now();
  std::lock_guard lock(mu_);
  if (stopping_) return false;
  auto& slot = slots_[key];
  if (slot.waiting) {
    slot.latest = std::move(message);
    metric::collapsed.inc();
    return true;
  }
  if (queue_.size() >= options_.max_queue) {
    metric::dropped.inc();
    return false;
  }
  auto due = slot.last_sent ? std::max(now, *slot.last_sent + options_.collapse) : now;
  slot.latest = std::move(message);
  slot.waiting = true;
  enqueue(Task{due, 0, key, std::nullopt});
  if (slots_.size() > 2 * options_.max_queue) forget_old_slots(now);
  return true;
}

void PushDispatcher::enqueue(Task t) {
  t.order = next_order_++;
  queue_.push(std::move(t));
  metric::queued.add(1);
  wake_.notify_one();
}

void PushDispatcher::forget_old_slots(Clock::time_point now) {
  std::erase_if(slots_, [&](const auto& entry) {
    const Slot& s = entry.second;
    return !s.waiting && (!s.last_sent || *s.last_sent + options_.collapse <= now);
  });
}

bool PushDispatcher::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_.wait_for(lock, timeout, [&] { return queue_.empty() && in_flight_ == 0; });
}

void PushDispatcher::run() {
  name_this_thread("push-send");
  make_this_thread_background();
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopping_) return;
    if (queue_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto due = queue_.top().due;
    if (due > Clock::now()) {
      wake_.wait_until(lock, due);
      continue;
    }
    Task task = queue_.top();
    queue_.pop();
    metric::queued.add(-1);
    ++in_flight_;
    lock.unlock();
    if (task.call) call(std::move(*task.call));
    else expand(task.slot);
    lock.lock();
    --in_flight_;
    if (queue_.empty() && in_flight_ == 0) idle_.notify_all();
  }
}

// A collapsed push leaves: the latest message of the slot goes to every
// device of the user, unless the conversation is muted by now.
void PushDispatcher::expand(const std::string& key) {
  PushMessage message;
  {
    std::lock_guard lock(mu_);
    auto it = slots_.find(key);
    if (it == slots_.end()) return;
    message = it->second.latest;
    it->second.waiting = false;
    it->second.last_sent = Clock::now();
  }
  auto log = component_logger("push");
  auto muted = registry_.muted(message.user_id, message.conversation_id);
  if (!muted) {
    log->warn("push skipped: mute state unreadable: {}", muted.error().message);
    metric::failed.inc();
    return;
  }
  if (*muted) {
    metric::muted.inc();
    return;
  }
  auto devices = registry_.list(message.user_id);
  if (!devices) {
    log->warn("push skipped: devices unreadable: {}", devices.error().message);
    metric::failed.inc();
    return;
  }
  std::lock_guard lock(mu_);
  for (auto& d : *devices) {
    if (!providers_[static_cast<std::size_t>(d.platform)] || queue_.size() >= options_.max_queue) {
      metric::dropped.inc();
      continue;
    }
    enqueue(Task{Clock::now(), 0, {}, DeviceCall{std::move(d), message, 0}});
  }
}

void PushDispatcher::call(DeviceCall c) {
  Provider* provider = providers_[static_cast<std::size_t>(c.device.platform)];
  auto started = Clock::now();
  SendResult r = provider->send(c.device, c.message);
  metric::request_latency.observe_us(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count()));
  auto log = component_logger("push");
  switch (r.outcome) {
    case Outcome::delivered:
      metric::sent.inc();
      return;
    case Outcome::gone:
      metric::gone.inc();
      log->info("device {} of {} is gone ({}): removed", c.device.id, c.device.user_id, r.detail);
      if (auto s = registry_.remove_gone(c.device.id); !s)
        log->warn("removing gone device {}: {}", c.device.id, s.error().message);
      return;
    case Outcome::failed:
      metric::failed.inc();
      log->warn("push to device {} refused: {}", c.device.id, r.detail);
      return;
    case Outcome::retry:
      break;
  }
  if (c.attempt + 1 >= options_.max_attempts) {
    metric::failed.inc();
    log->warn("push to device {} given up after {} attempts: {}", c.device.id, c.attempt + 1,
              r.detail);
    return;
  }
  auto delay = backoff(options_.retry_base, c.attempt, r.retry_after);
  ++c.attempt;
  metric::retries.inc();
  std::lock_guard lock(mu_);
  if (stopping_) return;
  enqueue(Task{Clock::now() + delay, 0, {}, std::move(c)});
}

}  // namespace parley::push
