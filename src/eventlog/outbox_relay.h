#pragma once
// The outbox relay: moves the rows a Store wrote to its outbox (in the same
// transaction as each change) into an EventLog, in outbox order, and removes
// them once the log holds them. Its own thread; never on the event loop.
//
// When publishing fails (NATS down), the same rows are retried with capped
// exponential backoff, so events wait in the outbox and drain in order when
// the log is back. A crash between publish and remove publishes those rows
// again: the log de-duplicates by event id. notify() after a commit makes the
// relay look at once; without it, it polls every `idle_poll`.
//
// Where outbox ids follow commit order (Store::outbox_ids_in_commit_order:
// SQLite, memory) the relay reads on after the last id it published and
// removes published rows in bulk (remove_interval); a crash then publishes
// at most those rows again. Elsewhere (PostgreSQL, where a smaller id may
// commit later) it reads from the oldest row every round and removes exactly
// what it published, at once.
//
// One relay per outbox: per store, or per shard of a ShardedStore
// (Store::outboxes()). Several gateways' relays on one PostgreSQL outbox keep
// per-conversation order (each publishes a conversation's rows in order and
// removes only what was stored) but publish the same rows twice, which the
// log drops by id within its duplicate window: correct, not efficient.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "eventlog/event_log.h"
#include "store/store.h"

namespace parley::eventlog {

struct OutboxRelayOptions {
  int batch = 2048;
  std::chrono::milliseconds idle_poll{1000};
  // After a round that emptied the outbox, the next waits at least this
  // long, however soon the next commit comes: under load it then carries
  // several group commits in one write to the log (one fsync of the local
  // log, not one per commit), at the cost of this much event latency.
  std::chrono::milliseconds round_interval{20};
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  // Stores whose ids follow commit order (SQLite, memory): published rows are
  // removed in bulk at most this often (or once this many wait), not every
  // round: a removal is a write transaction (an fsync) on the store's writer.
  std::chrono::milliseconds remove_interval{250};
  std::size_t remove_batch = 4096;
};

class OutboxRelay {
 public:
  // store and log must outlive the relay. Starts its thread at once.
  OutboxRelay(store::Store& store, EventLog& log, OutboxRelayOptions options = {});
  ~OutboxRelay() { stop(); }
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  // Something was committed: look now. Cheap; call from any thread.
  void notify();
  // Finishes the round in flight (at most one publish) and joins. Rows not
  // yet published stay in the outbox for the next start.
  void stop();

  // Rows seen in the last read (exact below `batch`).
  std::int64_t depth() const { return depth_.load(std::memory_order_relaxed); }
  std::uint64_t published() const { return published_.load(std::memory_order_relaxed); }
  // False after a failed round until a round succeeds.
  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }

 private:
  void run();
  // One read-publish-remove round; the number of rows moved, or the failure.
  Result<std::size_t> round();
  // Removes the published rows still in the outbox (ordered stores).
  void remove_published();
  void set_depth(std::int64_t d);
  // Waits up to d for notify() or stop(); false when stopping.
  bool wait(std::chrono::milliseconds d);

  store::Store& store_;
  EventLog& log_;
  OutboxRelayOptions options_;
  std::atomic<std::int64_t> depth_{0};
  std::atomic<std::uint64_t> published_{0};
  std::atomic<bool> healthy_{true};
  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
  bool stopping_ = false;
  // Ordered stores: the last id published, and published rows not yet
  // removed. Only the relay's thread touches them (and stop(), after join).
  std::int64_t published_up_to_ = 0;
  std::vector<std::int64_t> unremoved_;
  std::chrono::steady_clock::time_point last_remove_{};
  std::thread thread_;
};

}  // namespace parley::eventlog
