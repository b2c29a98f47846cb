#include "store/outbox_events.h"

#include <boost/json.hpp>

namespace parley::store::outbox {

namespace json = boost::json;

namespace {

json::string_view sv(std::string_view s) { return json::string_view(s.data(), s.size()); }

OutboxEntry message_entry(const Message& m, std::string_view type) {
  return OutboxEntry{0, message_event_id(m), std::string(type), m.conversation_id, m.seq,
                     message_body(m)};
}

}  // namespace

std::string message_event_id(const Message& m) {
  return m.conversation_id + "/" + std::to_string(m.seq) + "/v" + std::to_string(m.version);
}

std::string receipt_event_id(std::string_view conversation_id, std::string_view user_id,
                             bool read, std::int64_t seq) {
  std::string id(conversation_id);
  id += "/r/";
  id += user_id;
  id += read ? "/r/" : "/d/";
  id += std::to_string(seq);
  return id;
}

std::string message_body(const Message& m) {
  json::object o;
  o["conversation_id"] = sv(m.conversation_id);
  o["seq"] = m.seq;
  o["message_id"] = sv(m.message_id);
  o["sender_id"] = sv(m.sender_id);
  o["client_msg_id"] = sv(m.client_msg_id);
  o["content"] = sv(m.content);
  o["kind"] = sv(m.kind);
  if (m.reply_to.empty()) {
    o["reply_to"] = nullptr;
  } else {
    o["reply_to"] = sv(m.reply_to);
  }
  o["ts"] = m.ts;
  o["version"] = m.version;
  o["deleted"] = m.deleted;
  if (!m.media.empty()) {
    // The service stores media as a JSON object; embed it as one. Text that
    // is not (it cannot come from the service) travels as a string.
    boost::system::error_code ec;
    json::value media = json::parse(sv(m.media), ec);
    if (ec) {
      o["media"] = sv(m.media);
    } else {
      o["media"] = std::move(media);
    }
  }
  return json::serialize(o);
}

std::string receipt_body(std::string_view conversation_id, std::string_view user_id, bool read,
                         std::int64_t seq) {
  json::object o;
  o["conversation_id"] = sv(conversation_id);
  o["user_id"] = sv(user_id);
  o["read"] = read;
  o["seq"] = seq;
  return json::serialize(o);
}

OutboxEntry message_created(const Message& m) { return message_entry(m, kMessageCreated); }

OutboxEntry message_changed(const Message& m) {
  return message_entry(m, m.deleted ? kMessageDeleted : kMessageEdited);
}

OutboxEntry receipt(const SetReceipt& op) {
  return OutboxEntry{0,
                     receipt_event_id(op.conversation_id, op.user_id, op.read, op.seq),
                     std::string(kReceipt),
                     op.conversation_id,
                     op.seq,
                     receipt_body(op.conversation_id, op.user_id, op.read, op.seq)};
}

}  // namespace parley::store::outbox
