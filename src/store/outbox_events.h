#pragma once
// The outbox rows every backend writes, built in one place so that they
// cannot drift apart: event ids, types and the JSON bodies (eventlog/event_log.h
// describes them). The store may not depend on protocol/, so the bodies are
// written here with Boost.JSON (which escapes every string correctly).
#include <string_view>

#include "store/store.h"

namespace parley::store::outbox {

// Must equal eventlog/event_log.h (checked by eventlog_test).
inline constexpr std::string_view kMessageCreated = "message.created";
inline constexpr std::string_view kMessageEdited = "message.edited";
inline constexpr std::string_view kMessageDeleted = "message.deleted";
inline constexpr std::string_view kReceipt = "receipt";

// "<conversation_id>/<seq>/v<version>"
std::string message_event_id(const Message& m);
// "<conversation_id>/r/<user_id>/<d|r>/<seq>"
std::string receipt_event_id(std::string_view conversation_id, std::string_view user_id,
                             bool read, std::int64_t seq);

// The message as the wire shows it (docs/protocol.md, a message object):
// conversation_id, seq, message_id, sender_id, client_msg_id, content, kind,
// reply_to (null when empty), ts, version, deleted, and media (the attachment
// object) when there is one.
std::string message_body(const Message& m);
// {conversation_id, user_id, read, seq}
std::string receipt_body(std::string_view conversation_id, std::string_view user_id, bool read,
                         std::int64_t seq);

// A new message (created), or a message an edit or delete changed (edited or
// deleted, by m.deleted). id is left 0: the backend assigns it.
OutboxEntry message_created(const Message& m);
OutboxEntry message_changed(const Message& m);
OutboxEntry receipt(const SetReceipt& op);

}  // namespace parley::store::outbox
