#include "eventlog/cursor_consumer.h"

#include <algorithm>

#include "common/log.h"
#include "common/thread_name.h"
#include "common/thread_priority.h"

namespace parley::eventlog {

namespace {

std::shared_ptr<spdlog::logger> logger() {
  static auto log = component_logger("eventlog");
  return log;
}

}  // namespace

CursorConsumer::CursorConsumer(CursorSource& source, std::string name, Handler handler,
                               CursorConsumerOptions options, Flush flush)
    : source_(source),
      name_(std::move(name)),
      handler_(std::move(handler)),
      options_(options),
      flush_(std::move(flush)),
      thread_([this] { run(); }) {}

void CursorConsumer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  source_.wake_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool CursorConsumer::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this] { return stopping_.load(); });
  return !stopping_;
}

void CursorConsumer::run() {
  name_this_thread("ev:" + name_);
  make_this_thread_background();
  auto backoff = options_.min_backoff;
  auto fail = [&](const Error& e, const char* what) {
    logger()->warn("consumer {}: {} failed: {}; retrying in {} ms", name_, what, e.message,
                   backoff.count());
    bool go_on = pause(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
    return go_on;
  };

  std::int64_t cursor = 0;
  for (;;) {
    if (stopping_) return;
    auto loaded = source_.load_cursor(name_);
    if (loaded) {
      cursor = *loaded;
      break;
    }
    if (!fail(loaded.error(), "loading the cursor")) return;
  }
  backoff = options_.min_backoff;

  std::int64_t saved = cursor;
  auto saved_at = std::chrono::steady_clock::now();
  auto since_save = [&] { return std::chrono::steady_clock::now() - saved_at; };
  auto save = [&] {  // false: stop
    if (flush_) {
      if (auto f = flush_(); !f) {
        // Not durable: deliver again everything since the last save.
        cursor = saved;
        return fail(f.error(), "flushing what was handled");
      }
    }
    if (auto s = source_.save_cursor(name_, cursor); s) {
      saved = cursor;
      saved_at = std::chrono::steady_clock::now();
      backoff = options_.min_backoff;
      return true;
    } else {
      return fail(s.error(), "saving the cursor");
    }
  };
  while (!stopping_) {
    auto batch = source_.read_after(cursor, options_.batch);
    if (!batch) {
      if (!fail(batch.error(), "reading")) break;
      continue;
    }
    if (batch->empty()) {
      if (cursor == saved) {
        source_.wait_for_more(cursor, options_.poll);
      } else if (since_save() < options_.save_interval) {
        // Idle with handled events unsaved: more may come within the
        // interval, and one save then covers them all.
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            options_.save_interval - since_save());
        source_.wait_for_more(cursor, std::clamp(left, std::chrono::milliseconds(1), options_.poll));
      } else if (!save()) {
        break;
      }
      continue;
    }
    for (const Positioned& p : *batch) {
      // The same event until it is handled: skipping it would break order.
      bool handled = false;
      auto retry = options_.min_backoff;
      while (!stopping_) {
        auto s = handler_(p.event);
        if (s) {
          handled = true;
          break;
        }
        logger()->warn("consumer {}: handler refused event {}: {}; retrying in {} ms", name_,
                       p.event.id, s.error().message, retry.count());
        if (!pause(retry)) break;
        retry = std::min(retry * 2, options_.max_backoff);
      }
      if (!handled) break;
      cursor = p.position;
    }
    if (cursor != saved && since_save() >= options_.save_interval && !save()) break;
  }
  // What was handled since the last save is acknowledged now, once.
  if (cursor != saved && (!flush_ || flush_())) (void)source_.save_cursor(name_, cursor);
}

}  // namespace parley::eventlog
