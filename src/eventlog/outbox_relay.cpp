#include "eventlog/outbox_relay.h"

#include <algorithm>
#include <vector>

#include "common/log.h"
#include "eventlog/eventlog_metrics.h"
#include "common/thread_name.h"
#include "common/thread_priority.h"

namespace parley::eventlog {

namespace {

std::shared_ptr<spdlog::logger> logger() {
  static auto log = component_logger("outbox");
  return log;
}

}  // namespace

OutboxRelay::OutboxRelay(store::Store& store, EventLog& log, OutboxRelayOptions options)
    : store_(store), log_(log), options_(options), thread_([this] { run(); }) {}

void OutboxRelay::notify() {
  {
    std::lock_guard lock(mu_);
    notified_ = true;
  }
  cv_.notify_one();
}

void OutboxRelay::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  remove_published();  // else the next start publishes them again (harmless)
  set_depth(0);  // this relay's share of the process-wide gauge
}

bool OutboxRelay::wait(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this] { return notified_ || stopping_; });
  notified_ = false;
  return !stopping_;
}

void OutboxRelay::set_depth(std::int64_t d) {
  const std::int64_t old = depth_.exchange(d, std::memory_order_relaxed);
  metric::outbox_depth.add(d - old);
}

void OutboxRelay::remove_published() {
  if (unremoved_.empty()) return;
  if (auto s = store_.outbox_remove(unremoved_); !s) {
    logger()->warn("outbox relay: removing published rows failed: {}", s.error().message);
    return;  // kept; tried again later
  }
  unremoved_.clear();
  last_remove_ = std::chrono::steady_clock::now();
}

Result<std::size_t> OutboxRelay::round() {
  const bool ordered = store_.outbox_ids_in_commit_order();
  auto rows = store_.outbox_read(ordered ? published_up_to_ : 0, options_.batch);
  if (!rows) return rows.error();
  set_depth(static_cast<std::int64_t>(rows->size()));
  if (rows->empty()) {
    remove_published();  // idle: tidy up now
    return std::size_t{0};
  }

  std::vector<Event> events;
  std::vector<std::int64_t> ids;
  events.reserve(rows->size());
  ids.reserve(rows->size());
  for (auto& r : *rows) {
    ids.push_back(r.id);
    events.push_back(Event{std::move(r.event_id), std::move(r.type),
                           std::move(r.conversation_id), r.seq, std::move(r.body)});
  }
  if (auto s = log_.publish(events); !s) return s.error();
  // Published: a failure to remove only means publishing these again, which
  // the log de-duplicates by event id.
  if (ordered) {
    published_up_to_ = ids.back();
    unremoved_.insert(unremoved_.end(), ids.begin(), ids.end());
    if (unremoved_.size() >= options_.remove_batch ||
        std::chrono::steady_clock::now() - last_remove_ >= options_.remove_interval) {
      remove_published();
    }
  } else if (auto s = store_.outbox_remove(ids); !s) {
    return s.error();
  }
  published_.fetch_add(events.size(), std::memory_order_relaxed);
  metric::outbox_published.inc(events.size());
  return events.size();
}

void OutboxRelay::run() {
  name_this_thread("outbox-relay");
  make_this_thread_background();
  auto backoff = options_.min_backoff;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      notified_ = false;  // this round sees whatever was committed before now
    }
    auto moved = round();
    if (!moved) {
      metric::outbox_failures.inc();
      if (healthy_.exchange(false)) {
        metric::eventlog_up.set(0);
        logger()->warn("outbox relay: {}; holding events, retrying", moved.error().message);
      }
      // Not wait(): a commit must not cut the backoff short.
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, backoff, [this] { return stopping_; })) return;
      backoff = std::min(backoff * 2, options_.max_backoff);
      continue;
    }
    if (!healthy_.exchange(true)) logger()->info("outbox relay: publishing again");
    metric::eventlog_up.set(1);
    backoff = options_.min_backoff;
    // A full batch means more may wait: go again at once.
    if (*moved >= static_cast<std::size_t>(options_.batch)) continue;
    if (*moved > 0 && options_.round_interval.count() > 0) {
      std::unique_lock lock(mu_);  // not wait(): a commit must not cut this short
      if (cv_.wait_for(lock, options_.round_interval, [this] { return stopping_; })) return;
    }
    if (!wait(options_.idle_poll)) return;
  }
}

}  // namespace parley::eventlog
