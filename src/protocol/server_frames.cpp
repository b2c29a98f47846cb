#include "protocol/server_frames.h"

#include "protocol/json_writer.h"

namespace parley::protocol {
namespace {

JsonWriter& with_req(JsonWriter& w, std::string_view req) {
  if (!req.empty()) w.field("req", req);
  return w;
}

}  // namespace

std::string encode_hello(const HelloFields& h) {
  JsonWriter w;
  w.begin_object()
      .field("type", "hello")
      .field("user_id", h.user_id)
      .field("session_id", h.session_id)
      .field("heartbeat_ms", h.heartbeat_ms)
      .field("retransmit_ms", h.retransmit_ms)
      .field("max_replay", h.max_replay)
      .field("server_time", h.server_time)
      .end_object();
  return w.take();
}

std::string encode_synced(const SyncedFields& s) {
  JsonWriter w;
  w.begin_object().field("type", "synced");
  with_req(w, s.req).key("conversations");
  w.begin_object();
  for (const auto& [id, seq] : s.conversations) w.field(id, seq);
  w.end_object().begin_array("too_far_behind");
  for (const auto& [id, seq] : s.too_far_behind)
    w.begin_object().field("conversation_id", id).field("last_seq", seq).end_object();
  w.end_array().begin_array("not_member");
  for (const auto& id : s.not_member) w.value(id);
  w.end_array().end_object();
  return w.take();
}

std::string encode_reconnect(std::int64_t after_ms) {
  JsonWriter w;
  w.begin_object().field("type", "reconnect").field("after_ms", after_ms).end_object();
  return w.take();
}

std::string encode_ack(std::string_view req, const MessageFields& m) {
  JsonWriter w;
  w.begin_object().field("type", "ack");
  with_req(w, req)
      .field("conversation_id", m.conversation_id)
      .field("client_msg_id", m.client_msg_id)
      .field("message_id", m.message_id)
      .field("seq", m.seq)
      .field("ts", m.ts)
      .end_object();
  return w.take();
}

void write_message_fields(JsonWriter& w, const MessageFields& m) {
  w.field("conversation_id", m.conversation_id)
      .field("seq", m.seq)
      .field("message_id", m.message_id)
      .field("sender_id", m.sender_id)
      .field("client_msg_id", m.client_msg_id)
      .field("content", m.content)
      .field("kind", m.kind)
      .string_or_null("reply_to", m.reply_to)
      .field("ts", m.ts);
  if (!m.media.empty()) w.raw_field("media", m.media);
}

std::string encode_message(const MessageFields& m) {
  JsonWriter w(160 + m.content.size() + m.media.size());
  w.begin_object().field("type", "message");
  write_message_fields(w, m);
  if (m.version > 1) w.field("version", m.version);
  if (m.deleted) w.field("deleted", true);
  w.end_object();
  return w.take();
}

std::string encode_message_updated(const MessageFields& m) {
  JsonWriter w(128 + m.content.size());
  w.begin_object()
      .field("type", "message_updated")
      .field("conversation_id", m.conversation_id)
      .field("message_id", m.message_id)
      .field("seq", m.seq)
      .field("version", m.version);
  if (m.deleted) {
    w.field("deleted", true);
  } else {
    w.field("content", m.content);
  }
  w.end_object();
  return w.take();
}

std::string encode_typing(std::string_view conversation_id, std::string_view user_id) {
  JsonWriter w;
  w.begin_object()
      .field("type", "typing")
      .field("conversation_id", conversation_id)
      .field("user_id", user_id)
      .end_object();
  return w.take();
}

std::string encode_receipt(std::string_view conversation_id, std::string_view user_id,
                           bool read, std::int64_t seq) {
  JsonWriter w;
  w.begin_object()
      .field("type", "receipt")
      .field("conversation_id", conversation_id)
      .field("user_id", user_id)
      .field("status", read ? "read" : "delivered")
      .field("seq", seq)
      .end_object();
  return w.take();
}

std::string encode_presence(std::string_view user_id, bool online, std::int64_t last_seen) {
  JsonWriter w;
  w.begin_object()
      .field("type", "presence")
      .field("user_id", user_id)
      .field("status", online ? "online" : "offline")
      .number_or_null("last_seen", last_seen)
      .end_object();
  return w.take();
}

std::string encode_ok(std::string_view req) {
  JsonWriter w;
  w.begin_object().field("type", "ok");
  with_req(w, req).end_object();
  return w.take();
}

std::string encode_pong(std::string_view req) {
  JsonWriter w;
  w.begin_object().field("type", "pong");
  with_req(w, req).end_object();
  return w.take();
}

std::string encode_error(std::string_view req, const Error& error) {
  JsonWriter w;
  w.begin_object().field("type", "error");
  with_req(w, req)
      .field("code", wire_name(error.code))
      .field("message", error.message);
  if (error.retry_after_ms > 0) w.field("retry_after_ms", error.retry_after_ms);
  w.end_object();
  return w.take();
}

}  // namespace parley::protocol

namespace parley::protocol {
std::string encode_error_body(const Error& error) {
  JsonWriter w;
  w.begin_object().key("error");
  w.begin_object()
      .field("code", wire_name(error.code))
      .field("message", error.message);
  if (error.retry_after_ms > 0) w.field("retry_after_ms", error.retry_after_ms);
  w.end_object().end_object();
  return w.take();
}
}  // namespace parley::protocol
