#pragma once
// A durable consumer over a log that numbers its events (positions 1, 2, ...):
// one thread reads the events after the consumer's saved cursor, calls the
// handler one event at a time, and saves the cursor at most once per
// save_interval (and when it stops), after the flush (event_log.h) if any. A
// handler error retries that same event (capped backoff) instead of moving on,
// so per-conversation order holds and nothing is skipped. At-least-once: after
// a crash, the events since the last saved cursor are delivered again (at
// most save_interval's worth, plus a batch).
//
// Shared by the in-process logs (memory/, local/); JetStream has its own.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/result.h"
#include "eventlog/event_log.h"

namespace parley::eventlog {

struct Positioned {
  std::int64_t position = 0;
  Event event;
};

// What a cursor consumer needs from its log. Called from the consumer's thread.
class CursorSource {
 public:
  virtual ~CursorSource() = default;
  virtual Result<std::int64_t> load_cursor(const std::string& name) = 0;
  virtual Status save_cursor(const std::string& name, std::int64_t position) = 0;
  // Events with position > after, ascending, at most limit.
  virtual Result<std::vector<Positioned>> read_after(std::int64_t after, int limit) = 0;
  // Blocks until an event after `after` may exist, `wake` was signalled, or
  // max passed (a log another process writes to is polled that way).
  virtual void wait_for_more(std::int64_t after, std::chrono::milliseconds max) = 0;
  // Ends every wait_for_more now (a consumer is stopping).
  virtual void wake_all() = 0;
};

struct CursorConsumerOptions {
  int batch = 128;
  std::chrono::milliseconds poll{500};
  // A save is a durable write (an fsync of the local log's file): saving
  // after every batch cost two per message at light load (two consumers),
  // beside the store's commit on the same disk.
  std::chrono::milliseconds save_interval{200};
  std::chrono::milliseconds min_backoff{50};
  std::chrono::milliseconds max_backoff{5000};
};

class CursorConsumer final : public Consumer {
 public:
  // source must outlive the consumer (or its stop()).
  CursorConsumer(CursorSource& source, std::string name, Handler handler,
                 CursorConsumerOptions options = {}, Flush flush = {});
  ~CursorConsumer() override { stop(); }
  void stop() override;

 private:
  void run();
  // Sleeps d unless stop() comes first; false when stopping.
  bool pause(std::chrono::milliseconds d);

  CursorSource& source_;
  std::string name_;
  Handler handler_;
  CursorConsumerOptions options_;
  Flush flush_;  // before every cursor save; may be empty
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace parley::eventlog
