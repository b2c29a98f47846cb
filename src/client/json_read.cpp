#include "client/json_read.h"

namespace parley::client::json_read {

std::string_view str(const boost::json::object& o, std::string_view key) noexcept {
  auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return {};
  return v->get_string();
}

std::int64_t i64(const boost::json::object& o, std::string_view key,
                 std::int64_t fallback) noexcept {
  auto* v = o.if_contains(key);
  if (!v) return fallback;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return fallback;
}

bool boolean(const boost::json::object& o, std::string_view key) noexcept {
  auto* v = o.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}

bool has_int(const boost::json::object& o, std::string_view key) noexcept {
  auto* v = o.if_contains(key);
  return v && (v->is_int64() || v->is_uint64());
}

Message message(const boost::json::object& o) {
  Message m;
  m.conversation_id = str(o, "conversation_id");
  m.seq = i64(o, "seq");
  m.message_id = str(o, "message_id");
  m.sender_id = str(o, "sender_id");
  m.client_msg_id = str(o, "client_msg_id");
  m.content = str(o, "content");
  if (auto kind = str(o, "kind"); !kind.empty()) m.kind = kind;
  m.reply_to = str(o, "reply_to");
  m.ts = i64(o, "ts");
  m.version = i64(o, "version", 1);
  m.deleted = boolean(o, "deleted");
  return m;
}

}  // namespace parley::client::json_read
