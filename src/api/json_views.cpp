#include "api/json_views.h"

#include "protocol/server_frames.h"
#include "service/message_fields.h"

namespace parley::api {

void write_conversation(protocol::JsonWriter& w, const store::Conversation& c) {
  w.begin_object()
      .field("id", c.id)
      .field("type", c.type)
      .string_or_null("name", c.type == "group" ? std::string_view(c.name) : std::string_view())
      .field("created_by", c.created_by)
      .field("created_at", c.created_at)
      .field("last_seq", c.last_seq)
      .begin_array("members");
  for (const auto& m : c.members) {
    w.begin_object()
        .field("user_id", m.user_id)
        .field("role", m.role)
        .field("delivered_seq", m.delivered_seq)
        .field("read_seq", m.read_seq)
        .field("joined_at", m.joined_at)
        .end_object();
  }
  w.end_array().end_object();
}

void write_message(protocol::JsonWriter& w, const store::Message& m) {
  w.begin_object();
  protocol::write_message_fields(w, service::message_fields(m));
  w.field("version", m.version)
      .field("deleted", m.deleted)
      .end_object();
}

std::string conversation_body(const store::Conversation& c) {
  protocol::JsonWriter w;
  write_conversation(w, c);
  return w.take();
}

std::string conversation_list_body(const std::vector<store::ConversationSummary>& list,
                                   const std::string& next_cursor) {
  protocol::JsonWriter w;
  w.begin_object().begin_array("conversations");
  for (const auto& s : list) {
    w.begin_object()
        .field("id", s.id)
        .field("type", s.type)
        .string_or_null("name", s.type == "group" ? std::string_view(s.name) : std::string_view())
        .field("last_seq", s.last_seq)
        .number_or_null("last_message_at", s.last_message_at)
        .field("unread", std::max<std::int64_t>(0, s.last_seq - s.read_seq))
        .end_object();
  }
  w.end_array().string_or_null("next_cursor", next_cursor).end_object();
  return w.take();
}

std::string message_page_body(const store::MessagePage& page) {
  protocol::JsonWriter w(256 * (page.messages.size() + 1));
  w.begin_object().begin_array("messages");
  for (const auto& m : page.messages) write_message(w, m);
  w.end_array().field("has_more", page.has_more).end_object();
  return w.take();
}

std::string ack_body(const store::Message& m) {
  protocol::JsonWriter w;
  w.begin_object()
      .field("conversation_id", m.conversation_id)
      .field("client_msg_id", m.client_msg_id)
      .field("message_id", m.message_id)
      .field("seq", m.seq)
      .field("ts", m.ts)
      .end_object();
  return w.take();
}

std::string presence_body(const std::vector<std::string>& users,
                          const std::vector<std::optional<presence::PresenceState>>& states) {
  protocol::JsonWriter w;
  w.begin_array("");
  for (std::size_t i = 0; i < users.size(); ++i) {
    w.begin_object().field("user_id", users[i]);
    const auto& s = states[i];
    if (!s) {
      w.field("status", "unknown").null_field("last_seen");
    } else {
      w.field("status", s->online ? "online" : "offline").number_or_null("last_seen", s->last_seen);
    }
    w.end_object();
  }
  w.end_array();
  return w.take();
}

}  // namespace parley::api
