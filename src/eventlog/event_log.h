#pragma once
// The durable event log: every committed message, edit, delete and receipt,
// in per-conversation order, for consumers off the hot path (push, search,
// replay). Cluster mode: NATS JetStream (eventlog/jetstream). Embedded mode and
// tests: in-process (eventlog/local).
//
// Events reach the log through the transactional outbox: the store writes an
// outbox row in the same transaction as the change, and a relay publishes
// rows in order and removes them once the log has stored them. So a crash
// right after a commit never drops an event; it may publish one twice, which
// `id` de-duplicates (Nats-Msg-Id) and consumers must tolerate anyway
// (delivery is at-least-once).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace parley::eventlog {

// Event types.
inline constexpr const char* kMessageCreated = "message.created";
inline constexpr const char* kMessageEdited = "message.edited";
inline constexpr const char* kMessageDeleted = "message.deleted";
inline constexpr const char* kReceipt = "receipt";

struct Event {
  // Stable and unique per change, e.g. "<conversation_id>/<seq>/v<version>"
  // for messages, "<conversation_id>/r/<user_id>/<d|r>/<seq>" for receipts.
  std::string id;
  std::string type;             // one of the constants above
  std::string conversation_id;  // the partition key: order holds per conversation
  std::int64_t seq = 0;         // the message's seq; for receipts the mark
  // JSON object. Messages (created, edited, deleted): the message as the wire
  // shows it (docs/protocol.md "message": conversation_id, seq, message_id,
  // sender_id, client_msg_id, content, kind, reply_to, ts, version, deleted;
  // content "" once deleted). Consumers read members from the store.
  // Receipts: {conversation_id, user_id, read, seq}.
  std::string body;
};

// A durable consumer's handler. Ok acknowledges the event; an error asks for
// redelivery later. Called on the consumer's own thread, one event at a time
// per consumer, in log order per conversation.
using Handler = std::function<Status(const Event&)>;

// Optional, beside a handler that batches its writes: called before the
// consumer records how far it got (a cursor save, an ack). Ok means every
// event the handler accepted so far is durable; an error delivers again
// everything since the last recorded position. Called on the consumer's
// thread. Without one, a handler's ok must mean durable by itself.
using Flush = std::function<Status()>;

class Consumer {
 public:
  virtual ~Consumer() = default;
  // Stops delivering; events not yet acknowledged are delivered again to the
  // next consumer of the same name.
  virtual void stop() = 0;
};

class EventLog {
 public:
  virtual ~EventLog() = default;
  // Stores events in order; ok once the log holds them all durably. Called
  // by the outbox relay (its own thread), never on the event loop.
  virtual Status publish(const std::vector<Event>& events) = 0;
  // A durable, named consumer: resumes after its last acknowledged event,
  // across restarts of the process.
  virtual Result<std::unique_ptr<Consumer>> consume(const std::string& name, Handler handler,
                                                    Flush flush = {}) = 0;
  // False while the log cannot be reached (for /readyz).
  virtual bool healthy() const = 0;
};

}  // namespace parley::eventlog
