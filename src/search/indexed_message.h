#pragma once
// What the index keeps of a message event: its place, its version, and its
// text unless deleted.
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "eventlog/event_log.h"

namespace parley::search {

struct IndexedMessage {
  std::string conversation_id;
  std::int64_t seq = 0;
  std::string message_id;
  std::int64_t version = 1;
  bool deleted = false;
  std::string content;  // indexable_content() of the message; empty when deleted
};

// The message an event carries; nullopt for events that are not about a
// message's text (receipts, types added later). bad_request when the body is
// not a message (not JSON, missing conversation_id / seq / message_id /
// version, or naming another conversation or seq than the event).
Result<std::optional<IndexedMessage>> message_from_event(const eventlog::Event& event);

}  // namespace parley::search
