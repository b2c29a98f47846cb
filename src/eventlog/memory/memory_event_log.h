#pragma once
// The event log in memory: the fake for unit tests of consumers and of the
// outbox relay. Named consumers resume where the last one of that name
// stopped (the cursors live in this object, so "durable" means "while the
// object lives"). set_available(false) makes publish fail and healthy() false,
// as a NATS that is down would.
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "eventlog/cursor_consumer.h"
#include "eventlog/event_log.h"

namespace parley::eventlog {

class MemoryEventLog final : public EventLog, private CursorSource {
 public:
  explicit MemoryEventLog(CursorConsumerOptions consumer_options = {})
      : consumer_options_(consumer_options) {}
  ~MemoryEventLog() override = default;

  Status publish(const std::vector<Event>& events) override;
  Result<std::unique_ptr<Consumer>> consume(const std::string& name, Handler handler,
                                            Flush flush = {}) override;
  bool healthy() const override;

  void set_available(bool available);
  // Every event stored, in log order (duplicates by id stored once).
  std::vector<Event> events() const;
  std::size_t publish_calls() const;
  std::size_t cursor_saves() const;
  // True once at least n cursor saves happened, false at the deadline (tests).
  bool await_cursor_saves(std::size_t n, std::chrono::milliseconds within);

 private:
  Result<std::int64_t> load_cursor(const std::string& name) override;
  Status save_cursor(const std::string& name, std::int64_t position) override;
  Result<std::vector<Positioned>> read_after(std::int64_t after, int limit) override;
  void wait_for_more(std::int64_t after, std::chrono::milliseconds max) override;
  void wake_all() override;

  CursorConsumerOptions consumer_options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable saves_cv_;
  bool available_ = true;
  std::size_t publish_calls_ = 0;
  std::size_t cursor_saves_ = 0;
  std::uint64_t wakes_ = 0;
  std::vector<Event> events_;  // position = index + 1
  std::set<std::string, std::less<>> ids_;
  std::map<std::string, std::int64_t, std::less<>> cursors_;
};

}  // namespace parley::eventlog
