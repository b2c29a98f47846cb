#pragma once
// The event log of embedded mode: one SQLite file (WAL, synchronous=FULL) in
// the data directory, beside the store's. Events get positions 1, 2, ... in
// publish order; each named consumer has a row holding the position it has
// handled up to, so it resumes there after a restart (at-least-once: the
// events after the last saved cursor come again after a crash).
//
// Publishing is idempotent by event id (UNIQUE), as Nats-Msg-Id is for
// JetStream: the relay may publish a row twice after a crash. Events older
// than `retention` are trimmed, like a stream's MaxAge. Another process (a
// `parley worker`) may consume from the same file; it notices new events by
// polling (`poll`), consumers in this process are woken at once. A
// message.deleted event erases the text of the message's earlier events.
// Why a file of its own and not the store's outbox: see eventlog/README.md.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "eventlog/cursor_consumer.h"
#include "eventlog/event_log.h"

struct sqlite3;

namespace parley::eventlog {

struct LocalEventLogOptions {
  std::chrono::milliseconds retention = std::chrono::hours(24 * 7);
  // Trim the expired events every this many published events, not every batch.
  std::int64_t trim_every = 4096;
  // Wall-clock milliseconds, stamped on each event when stored (tests set it).
  std::function<std::int64_t()> clock = now_ms;
  CursorConsumerOptions consumer;
};

class LocalEventLog final : public EventLog, private CursorSource {
 public:
  // Opens or creates the log at path (its directory must exist).
  static Result<std::unique_ptr<LocalEventLog>> open(const std::string& path,
                                                     LocalEventLogOptions options = {});
  ~LocalEventLog() override;

  Status publish(const std::vector<Event>& events) override;
  Result<std::unique_ptr<Consumer>> consume(const std::string& name, Handler handler,
                                            Flush flush = {}) override;
  bool healthy() const override { return true; }

  // Events stored, oldest first (tests, tools).
  Result<std::vector<Event>> read_all();

 private:
  LocalEventLog(sqlite3* db, LocalEventLogOptions options);

  Result<std::int64_t> load_cursor(const std::string& name) override;
  Status save_cursor(const std::string& name, std::int64_t position) override;
  Result<std::vector<Positioned>> read_after(std::int64_t after, int limit) override;
  void wait_for_more(std::int64_t after, std::chrono::milliseconds max) override;
  void wake_all() override;

  Status exec(const char* sql);
  Error failure(const char* what) const;
  void trim_if_due();
  // Inside publish's transaction; false on a storage failure.
  bool erase_earlier_versions(const std::string& deleted_id);

  sqlite3* db_;
  LocalEventLogOptions options_;
  std::mutex mu_;  // the connection
  std::mutex wait_mu_;
  std::condition_variable cv_;
  std::int64_t last_position_ = 0;  // under wait_mu_
  std::uint64_t wakes_ = 0;         // under wait_mu_
  std::int64_t published_since_trim_ = 0;
};

}  // namespace parley::eventlog
