#pragma once
// The event log of cluster mode: NATS JetStream.
//
// One stream (default PARLEY_EVENTS, file storage) over the subjects
// `<prefix>.<partition>`, partition = partition_of(conversation_id, N). Every
// event is published with Nats-Msg-Id = event.id and the stream's duplicate
// window drops a second copy (the relay republishes after a crash). publish()
// sends events one at a time and waits for each ack: an async pipeline could
// store k+1 and lose k across a reconnect, and a retry would then store k
// after k+1, breaking per-conversation order.
//
// consume(name) is a durable pull consumer with explicit acks over every
// partition (so stream order = per-conversation order): fetches a batch,
// handles one event at a time, acks each (with a Flush: flushes once for the
// batch, then acks all of it; a failed flush handles the batch again); a
// handler error retries that same event (keeping it, and the batch's unacked
// ones, in progress so they are not redelivered elsewhere); stop()
// naks what was fetched and not handled so the next consumer of the name gets
// it at once. An event whose consumer died unacked comes again after
// ack_wait, possibly after later ones: handlers must be idempotent and
// compare seq/version.
//
// The connection reconnects forever (a NATS restart is a pause, not an
// error); the stream is created or updated on first use, so the server may
// start while NATS is down (events wait in the outbox).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "eventlog/event_log.h"
#include "eventlog/jetstream/nats_handles.h"

namespace parley::eventlog {

struct JetStreamOptions {
  std::string stream = "PARLEY_EVENTS";
  std::string subject_prefix = "parley.events";
  std::uint32_t partitions = 16;
  std::chrono::milliseconds duplicate_window{std::chrono::minutes(2)};
  std::chrono::milliseconds max_age{std::chrono::hours(24 * 7)};
  int replicas = 1;
  std::chrono::milliseconds publish_timeout{5000};
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds reconnect_wait{500};
  // Consumers.
  std::chrono::milliseconds ack_wait{30000};
  int fetch_batch = 64;
  int max_ack_pending = 1024;
  std::chrono::milliseconds fetch_wait{1000};  // also bounds how long stop() takes
  std::chrono::milliseconds max_backoff{5000};
};

class JetStreamEventLog final : public EventLog {
 public:
  // url: nats://host:port (several comma-separated). Fails only on a bad URL
  // or options; a server that is down is retried in the background.
  static Result<std::unique_ptr<JetStreamEventLog>> open(const std::string& url,
                                                         JetStreamOptions options = {});
  ~JetStreamEventLog() override;

  Status publish(const std::vector<Event>& events) override;
  Result<std::unique_ptr<Consumer>> consume(const std::string& name, Handler handler,
                                            Flush flush = {}) override;
  bool healthy() const override;

  const JetStreamOptions& options() const { return options_; }
  std::string subject_of(const Event& e) const;
  // Creates the stream, or updates its config; idempotent. publish() and
  // consume() call it when it has not succeeded yet.
  Status ensure_stream();
  // Removes the stream and its consumers (tests, tools).
  Status delete_stream();
  // Sends what the connection buffered (acks) and waits for the server.
  void flush();

 private:
  JetStreamEventLog(nats::Connection conn, nats::JsContext js, JetStreamOptions options);

  JetStreamOptions options_;
  nats::Connection conn_;
  nats::JsContext js_;
  std::mutex stream_mu_;
  std::atomic<bool> stream_ready_{false};
  std::mutex publish_mu_;  // one publisher at a time keeps publish order
};

}  // namespace parley::eventlog
