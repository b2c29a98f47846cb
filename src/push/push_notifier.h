#pragma once
// Turns the event log's message.created events into pushes: the
// conversation's members, minus the sender, minus whoever has a device
// online anywhere, each get one (collapsed, mute-checked and sent by the
// dispatcher). Plugs into the event log as a consumer, batched:
//   log.consume("push", [&n](const eventlog::Event& e) { return n.stage(e); },
//               [&n] { return n.flush(); });
// A batch costs one member query (Store::members_of) and one presence
// query, where one event at a time cost one of each per event (in cluster
// mode a PostgreSQL and a Redis round trip: ~300 events/s in all).
#include <cstddef>
#include <span>

#include "common/staged_batch.h"
#include "eventlog/event_log.h"
#include "presence/presence.h"
#include "push/push_dispatcher.h"
#include "store/store.h"

namespace parley::push {

struct NotifierOptions {
  bool preview = false;  // put the start of the text into the payload
  std::size_t preview_chars = 100;
};

class PushNotifier {
 public:
  PushNotifier(store::Store& store, presence::Presence& presence, PushDispatcher& dispatcher,
               NotifierOptions options)
      : store_(store), presence_(presence), dispatcher_(dispatcher), options_(options) {}

  // One event alone: stage(), then flush().
  Status handle(const eventlog::Event& event);
  // Keeps what a message.created event needs (other events, and malformed
  // ones, are acknowledged and dropped). At most kMaxStaged wait; a full
  // batch is handed on at once.
  Status stage(const eventlog::Event& event);
  // Hands on every staged message: ok once the dispatcher has them; an
  // error (the store is unavailable) means the consumer must deliver again
  // everything since its last recorded position. Never waits on a provider.
  Status flush();
  static constexpr std::size_t kMaxStaged = 512;

 private:
  Status hand_on(std::span<const PushMessage> batch);

  store::Store& store_;
  presence::Presence& presence_;
  PushDispatcher& dispatcher_;
  NotifierOptions options_;
  // The consumer's thread only, like every call above.
  StagedBatch<PushMessage> staged_{kMaxStaged, [this](auto batch) { return hand_on(batch); }};
};

// The first max_chars characters of text, cut at a UTF-8 boundary, with an
// ellipsis when cut.
std::string preview_of(std::string_view text, std::size_t max_chars);

}  // namespace parley::push
