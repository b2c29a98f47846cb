#pragma once
// Turns the event log's message.created events into pushes: the
// conversation's members, minus the sender, minus whoever has a device
// online anywhere, each get one (collapsed, mute-checked and sent by the
// dispatcher). Plugs into the event log as a consumer:
//   log.consume("push", [&n](const eventlog::Event& e) { return n.handle(e); });
#include <cstddef>

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

  // Ok for events it has handed on or has no use for; an error (the store is
  // unavailable) asks the log to deliver the event again later. Never waits
  // on a provider.
  Status handle(const eventlog::Event& event);

 private:
  store::Store& store_;
  presence::Presence& presence_;
  PushDispatcher& dispatcher_;
  NotifierOptions options_;
};

// The first max_chars characters of text, cut at a UTF-8 boundary, with an
// ellipsis when cut.
std::string preview_of(std::string_view text, std::size_t max_chars);

}  // namespace parley::push
