#include "eventlog/memory/memory_event_log.h"

#include <algorithm>

namespace parley::eventlog {

Status MemoryEventLog::publish(const std::vector<Event>& events) {
  {
    std::lock_guard lock(mu_);
    ++publish_calls_;
    if (!available_) return make_error(Errc::unavailable, "event log unavailable");
    for (const Event& e : events) {
      if (ids_.insert(e.id).second) events_.push_back(e);
    }
  }
  cv_.notify_all();
  return ok_status();
}

Result<std::unique_ptr<Consumer>> MemoryEventLog::consume(const std::string& name,
                                                          Handler handler, Flush flush) {
  if (name.empty()) return make_error(Errc::bad_request, "consumer name is empty");
  return std::unique_ptr<Consumer>(std::make_unique<CursorConsumer>(
      static_cast<CursorSource&>(*this), name, std::move(handler), consumer_options_,
      std::move(flush)));
}

bool MemoryEventLog::healthy() const {
  std::lock_guard lock(mu_);
  return available_;
}

void MemoryEventLog::set_available(bool available) {
  std::lock_guard lock(mu_);
  available_ = available;
}

std::vector<Event> MemoryEventLog::events() const {
  std::lock_guard lock(mu_);
  return events_;
}

std::size_t MemoryEventLog::publish_calls() const {
  std::lock_guard lock(mu_);
  return publish_calls_;
}

Result<std::int64_t> MemoryEventLog::load_cursor(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = cursors_.find(name);
  return it == cursors_.end() ? std::int64_t{0} : it->second;
}

Status MemoryEventLog::save_cursor(const std::string& name, std::int64_t position) {
  std::lock_guard lock(mu_);
  cursors_[name] = position;
  ++cursor_saves_;
  saves_cv_.notify_all();
  return ok_status();
}

bool MemoryEventLog::await_cursor_saves(std::size_t n, std::chrono::milliseconds within) {
  std::unique_lock lock(mu_);
  return saves_cv_.wait_for(lock, within, [&] { return cursor_saves_ >= n; });
}

std::size_t MemoryEventLog::cursor_saves() const {
  std::lock_guard lock(mu_);
  return cursor_saves_;
}

Result<std::vector<Positioned>> MemoryEventLog::read_after(std::int64_t after, int limit) {
  std::lock_guard lock(mu_);
  std::vector<Positioned> out;
  for (auto i = static_cast<std::size_t>(std::max<std::int64_t>(after, 0));
       i < events_.size() && out.size() < static_cast<std::size_t>(limit); ++i) {
    out.push_back({static_cast<std::int64_t>(i + 1), events_[i]});
  }
  return out;
}

void MemoryEventLog::wait_for_more(std::int64_t after, std::chrono::milliseconds max) {
  std::unique_lock lock(mu_);
  const std::uint64_t wakes = wakes_;
  cv_.wait_for(lock, max, [&] {
    return static_cast<std::int64_t>(events_.size()) > after || wakes_ != wakes;
  });
}

void MemoryEventLog::wake_all() {
  {
    std::lock_guard lock(mu_);
    ++wakes_;
  }
  cv_.notify_all();
}

}  // namespace parley::eventlog
