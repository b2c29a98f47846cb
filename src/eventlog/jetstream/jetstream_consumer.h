#pragma once
// A durable pull consumer of the JetStream log (see jetstream_event_log.h for
// what it guarantees). Its own thread; stop() returns within fetch_wait.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "eventlog/event_log.h"
#include "eventlog/jetstream/nats_handles.h"

namespace parley::eventlog {

class JetStreamEventLog;

class JetStreamConsumer final : public Consumer {
 public:
  // log (and its context js) must outlive the consumer.
  // With a flush, a fetched batch is handled, flushed once, then acked
  // (eventlog/event_log.h); without one, each event is acked once handled.
  JetStreamConsumer(JetStreamEventLog& log, jsCtx* js, std::string name, Handler handler,
                    Flush flush = {});
  ~JetStreamConsumer() override { stop(); }
  void stop() override;

 private:
  void run();
  Status subscribe();
  // Handles the batch's messages [from, to) in order, each until the
  // handler accepts it (undecodable ones are terminated); acks each at once
  // when there is no flush. The index of the first not handled: `to` unless
  // stopping.
  int handle(natsMsgList& batch, int from, int to);
  // Handles one message until the handler accepts it, keeping the batch's
  // earlier, unacked messages (batch[0, index)) in progress meanwhile; false
  // when stopping first. An undecodable message is terminated: true.
  bool handle_one(natsMsgList& batch, int index);
  // Flushes until it succeeds, handling the batch's first `handled` messages
  // again after each failure (a failed flush may have lost them); false when
  // stopping first.
  bool flush_batch(natsMsgList& batch, int handled);
  // Keeps batch[0, count) from being redelivered elsewhere while in hand.
  void keep_in_progress(natsMsgList& batch, int count);
  bool pause(std::chrono::milliseconds d);

  JetStreamEventLog& log_;
  jsCtx* js_;
  std::string name_;
  Handler handler_;
  Flush flush_;
  // Messages that were terminated (undecodable) instead of handled: not
  // handled again after a failed flush. Indexes into the current batch.
  std::vector<bool> terminated_;
  nats::Subscription sub_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace parley::eventlog
