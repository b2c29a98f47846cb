#include "client/frames.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include "client/json_read.h"
#include "protocol/json_writer.h"

namespace parley::client {

namespace json = boost::json;
using json_read::boolean;
using json_read::i64;
using json_read::str;
using protocol::JsonWriter;

Errc wire_errc(std::string_view code) noexcept {
  for (int e = static_cast<int>(Errc::bad_request); e <= static_cast<int>(Errc::internal); ++e)
    if (wire_name(make_error_code(static_cast<Errc>(e))) == code) return static_cast<Errc>(e);
  return Errc::internal;
}

namespace {

Error malformed(std::string_view what) {
  return make_error(Errc::bad_request, "server frame: " + std::string(what));
}

Session decode_hello(const json::object& o) {
  Session s;
  s.user_id = str(o, "user_id");
  s.session_id = str(o, "session_id");
  s.heartbeat_ms = i64(o, "heartbeat_ms");
  s.retransmit_ms = i64(o, "retransmit_ms");
  s.max_replay = i64(o, "max_replay");
  s.server_time = i64(o, "server_time");
  return s;
}

Synced decode_synced(const json::object& o) {
  Synced s;
  s.req = str(o, "req");
  if (auto* c = o.if_contains("conversations"); c && c->is_object())
    for (auto& [id, seq] : c->get_object())
      if (seq.is_int64()) s.conversations.emplace_back(std::string(id), seq.get_int64());
  if (auto* t = o.if_contains("too_far_behind"); t && t->is_array())
    for (auto& e : t->get_array())
      if (e.is_object())
        s.too_far_behind.emplace_back(std::string(str(e.get_object(), "conversation_id")),
                                      i64(e.get_object(), "last_seq"));
  if (auto* n = o.if_contains("not_member"); n && n->is_array())
    for (auto& e : n->get_array())
      if (e.is_string()) s.not_member.emplace_back(e.get_string());
  return s;
}

Result<ServerFrame> decode_object(const json::object& o) {
  auto type = str(o, "type");
  if (type.empty()) return malformed("no type");
  if (type == "message") {
    Message m = json_read::message(o);
    if (m.conversation_id.empty() || m.seq <= 0)
      return malformed("message without conversation/seq");
    return ServerFrame(std::move(m));
  }
  if (type == "ack") {
    AckFrame a{std::string(str(o, "req")),
               std::string(str(o, "conversation_id")),
               std::string(str(o, "client_msg_id")),
               std::string(str(o, "message_id")),
               i64(o, "seq"),
               i64(o, "ts")};
    if (a.client_msg_id.empty()) return malformed("ack without client_msg_id");
    return ServerFrame(std::move(a));
  }
  if (type == "hello") return ServerFrame(decode_hello(o));
  if (type == "synced") return ServerFrame(decode_synced(o));
  if (type == "message_updated") {
    return ServerFrame(MessageUpdate{
        std::string(str(o, "conversation_id")), std::string(str(o, "message_id")), i64(o, "seq"),
        i64(o, "version"), std::string(str(o, "content")), boolean(o, "deleted")});
  }
  if (type == "typing")
    return ServerFrame(
        Typing{std::string(str(o, "conversation_id")), std::string(str(o, "user_id"))});
  if (type == "receipt") {
    return ServerFrame(Receipt{std::string(str(o, "conversation_id")),
                               std::string(str(o, "user_id")), str(o, "status") == "read",
                               i64(o, "seq")});
  }
  if (type == "presence") {
    return ServerFrame(Presence{std::string(str(o, "user_id")), std::string(str(o, "status")),
                                i64(o, "last_seen")});
  }
  if (type == "reconnect") return ServerFrame(ReconnectFrame{i64(o, "after_ms")});
  if (type == "ok") return ServerFrame(OkFrame{std::string(str(o, "req"))});
  if (type == "pong") return ServerFrame(PongFrame{std::string(str(o, "req"))});
  if (type == "error") {
    return ServerFrame(ErrorFrame{
        std::string(str(o, "req")),
        Error{make_error_code(wire_errc(str(o, "code"))), std::string(str(o, "message"))},
        i64(o, "retry_after_ms")});
  }
  return ServerFrame(UnknownFrame{std::string(type)});
}

}  // namespace

Result<ServerFrame> decode_server_frame(std::string_view text) {
  // Most frames fit the stack buffer: one parse, no heap traffic for the DOM.
  unsigned char buffer[4096];
  json::monotonic_resource mr(buffer, sizeof buffer);
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, &mr);
  if (ec) return malformed("not JSON");
  if (!v.is_object()) return malformed("not an object");
  return decode_object(v.get_object());
}

// ---- client frames ----

namespace {
JsonWriter& start(JsonWriter& w, std::string_view type, std::string_view req) {
  w.begin_object().field("type", type);
  if (!req.empty()) w.field("req", req);
  return w;
}
}  // namespace

std::string encode_send(std::string_view req, const OutgoingMessage& m) {
  JsonWriter w(96 + m.content.size());
  start(w, "send", req)
      .field("conversation_id", m.conversation_id)
      .field("client_msg_id", m.client_msg_id)
      .field("content", m.content)
      .field("kind", m.kind);
  if (!m.reply_to.empty()) w.field("reply_to", m.reply_to);
  return w.end_object().take();
}

std::string encode_typing(std::string_view conversation_id) {
  JsonWriter w(64);
  return start(w, "typing", {}).field("conversation_id", conversation_id).end_object().take();
}

std::string encode_receipt(std::string_view req, std::string_view conversation_id, bool read,
                           std::int64_t seq) {
  JsonWriter w(96);
  return start(w, "receipt", req)
      .field("conversation_id", conversation_id)
      .field("status", read ? "read" : "delivered")
      .field("seq", seq)
      .end_object()
      .take();
}

std::string encode_received(std::string_view conversation_id, std::int64_t seq) {
  JsonWriter w(80);
  return start(w, "received", {})
      .field("conversation_id", conversation_id)
      .field("seq", seq)
      .end_object()
      .take();
}

std::string encode_edit(std::string_view req, std::string_view conversation_id,
                        std::string_view message_id, std::string_view content) {
  JsonWriter w(96 + content.size());
  return start(w, "edit", req)
      .field("conversation_id", conversation_id)
      .field("message_id", message_id)
      .field("content", content)
      .end_object()
      .take();
}

std::string encode_delete(std::string_view req, std::string_view conversation_id,
                          std::string_view message_id) {
  JsonWriter w(96);
  return start(w, "delete", req)
      .field("conversation_id", conversation_id)
      .field("message_id", message_id)
      .end_object()
      .take();
}

std::string encode_ping(std::string_view req) {
  JsonWriter w(40);
  return start(w, "ping", req).end_object().take();
}

std::string encode_sync(std::string_view req,
                        const std::vector<std::pair<std::string, std::int64_t>>& conversations) {
  JsonWriter w(48 + conversations.size() * 40);
  start(w, "sync", req).key("conversations").begin_object();
  for (auto& [id, seq] : conversations) w.field(id, seq);
  return w.end_object().end_object().take();
}

}  // namespace parley::client
