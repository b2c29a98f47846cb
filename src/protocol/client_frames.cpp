#include "protocol/client_frames.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace parley::protocol {
namespace json = boost::json;
namespace {

// Reads the fields of one frame, remembering the first problem found.
class FieldReader {
 public:
  FieldReader(const json::object& o, const Limits& l) : o_(o), limits_(l) {}

  std::string id(std::string_view name, bool required = true) {
    auto s = string(name, required);
    if (!error_ && !s.empty() && s.size() > limits_.max_id_chars)
      fail(Errc::bad_request, std::string(name) + " is longer than 128 characters");
    if (!error_ && required && s.empty())
      fail(Errc::bad_request, std::string(name) + " must not be empty");
    return s;
  }

  std::string string(std::string_view name, bool required) {
    auto* v = o_.if_contains(name);
    if (!v || v->is_null()) {
      if (required) fail(Errc::bad_request, "missing field " + std::string(name));
      return {};
    }
    if (!v->is_string()) {
      fail(Errc::bad_request, std::string(name) + " must be a string");
      return {};
    }
    return std::string(v->get_string());
  }

  std::string content(std::string_view name) {
    auto s = string(name, true);
    if (!error_ && s.size() > limits_.max_content_bytes)
      fail(Errc::too_large, std::string(name) + " is over " +
                                std::to_string(limits_.max_content_bytes) + " bytes");
    return s;
  }

  std::int64_t non_negative_int(std::string_view name) {
    auto* v = o_.if_contains(name);
    if (!v) {
      fail(Errc::bad_request, "missing field " + std::string(name));
      return 0;
    }
    return non_negative(name, *v);
  }

  std::int64_t non_negative(std::string_view name, const json::value& value) {
    const json::value* v = &value;
    std::int64_t n = 0;
    if (v->is_int64()) {
      n = v->get_int64();
    } else if (v->is_uint64() && v->get_uint64() <= INT64_MAX) {
      n = static_cast<std::int64_t>(v->get_uint64());
    } else {
      fail(Errc::bad_request, std::string(name) + " must be an integer");
      return 0;
    }
    if (n < 0) fail(Errc::bad_request, std::string(name) + " must not be negative");
    return n;
  }

  const json::object& object() const { return o_; }
  const Limits& limits() const { return limits_; }

  void fail(Errc e, std::string message) {
    if (!error_) error_ = make_error(e, std::move(message));
  }
  const std::optional<Error>& error() const { return error_; }

 private:
  const json::object& o_;
  const Limits& limits_;
  std::optional<Error> error_;
};

bool known_kind(std::string_view k) {
  return k == "text" || k == "image" || k == "file" || k == "system";
}

// media: {media_id, name?}; other fields a client puts there (size,
// content_type, ...) are ignored: the server's record decides them. An
// image or file message without media stays valid (older clients put a
// link in content).
void read_media(FieldReader& r, SendFrame& f) {
  auto* v = r.object().if_contains("media");
  if (!v || v->is_null()) return;
  if (f.kind != "image" && f.kind != "file")
    return r.fail(Errc::bad_request, "media is only for kinds image and file");
  if (!v->is_object()) return r.fail(Errc::bad_request, "media must be an object");
  FieldReader m(v->get_object(), r.limits());
  MediaRef ref;
  ref.media_id = m.id("media_id");
  ref.name = m.string("name", false);
  if (!m.error() && ref.name.size() > 1024) m.fail(Errc::bad_request, "media.name is over 1024 bytes");
  if (m.error()) return r.fail(Errc::bad_request, "media: " + m.error()->message);
  f.media = std::move(ref);
}

SendFrame read_send(FieldReader& r, bool conversation_required = true) {
  SendFrame f;
  f.conversation_id = r.id("conversation_id", conversation_required);
  f.client_msg_id = r.id("client_msg_id");
  f.content = r.content("content");
  auto kind = r.string("kind", false);
  if (!kind.empty()) {
    if (!known_kind(kind)) r.fail(Errc::bad_request, "unknown kind");
    f.kind = std::move(kind);
  }
  f.reply_to = r.id("reply_to", false);
  read_media(r, f);
  return f;
}

template <class T>
Result<T> finish(FieldReader& r, T&& value) {
  if (r.error()) return *r.error();
  return std::move(value);
}

Result<ClientPayload> read_sync(FieldReader& r) {
  auto* convs = r.object().if_contains("conversations");
  if (!convs || !convs->is_object())
    return make_error(Errc::bad_request, "conversations must be an object of conversation_id: seq");
  const auto& o = convs->get_object();
  if (o.size() > r.limits().max_sync_conversations)
    return make_error(Errc::too_large, "too many conversations in one sync");
  SyncFrame f;
  f.conversations.reserve(o.size());
  for (const auto& [id, seq] : o) {
    if (id.empty() || id.size() > r.limits().max_id_chars)
      return make_error(Errc::bad_request, "bad conversation id in sync");
    auto n = r.non_negative("seq", seq);
    if (r.error()) return *r.error();
    f.conversations.emplace_back(std::string(id), n);
  }
  return ClientPayload{std::move(f)};
}

Result<ClientPayload> read_payload(std::string_view type, FieldReader& r) {
  if (type == "send") return finish<ClientPayload>(r, read_send(r));
  if (type == "typing") {
    TypingFrame f{r.id("conversation_id")};
    return finish<ClientPayload>(r, std::move(f));
  }
  if (type == "receipt") {
    ReceiptFrame f;
    f.conversation_id = r.id("conversation_id");
    auto status = r.string("status", true);
    if (!r.error() && status != "read" && status != "delivered")
      r.fail(Errc::bad_request, "status must be \"delivered\" or \"read\"");
    f.read = status == "read";
    f.seq = r.non_negative_int("seq");
    return finish<ClientPayload>(r, std::move(f));
  }
  if (type == "edit") {
    EditFrame f;
    f.conversation_id = r.id("conversation_id");
    f.message_id = r.id("message_id");
    f.content = r.content("content");
    return finish<ClientPayload>(r, std::move(f));
  }
  if (type == "delete") {
    DeleteFrame f;
    f.conversation_id = r.id("conversation_id");
    f.message_id = r.id("message_id");
    return finish<ClientPayload>(r, std::move(f));
  }
  if (type == "ping") return ClientPayload{PingFrame{}};
  if (type == "received") {
    ReceivedFrame f;
    f.conversation_id = r.id("conversation_id");
    f.seq = r.non_negative_int("seq");
    return finish<ClientPayload>(r, std::move(f));
  }
  if (type == "sync") return read_sync(r);
  if (type == "refresh") {
    // The verifier refuses anything over 8 KiB; this only keeps the frame sane.
    RefreshFrame f{r.string("token", true)};
    if (!r.error() && (f.token.empty() || f.token.size() > 8 * 1024))
      r.fail(Errc::bad_request, "token must be 1-8192 characters");
    return finish<ClientPayload>(r, std::move(f));
  }
  return make_error(Errc::bad_request, "unknown frame type");
}

Result<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return make_error(Errc::bad_request, "malformed JSON");
  if (!v.is_object()) return make_error(Errc::bad_request, "a frame must be a JSON object");
  return std::move(v.get_object());
}

}  // namespace

Result<ClientFrame> decode_client_frame(std::string_view text, const Limits& limits,
                                        std::string& req_out) {
  req_out.clear();
  auto parsed = parse_object(text);
  if (!parsed) return std::move(parsed).error();
  const json::object& o = *parsed;

  FieldReader r(o, limits);
  ClientFrame frame{};
  if (o.contains("req")) {
    frame.req = r.string("req", false);
    if (frame.req.size() > limits.max_id_chars) {
      frame.req.clear();
      r.fail(Errc::bad_request, "req is longer than 128 characters");
    }
    req_out = frame.req;
    if (r.error()) return *r.error();
  }
  auto* type = o.if_contains("type");
  if (!type) return make_error(Errc::bad_request, "missing field type");
  if (!type->is_string()) return make_error(Errc::bad_request, "type must be a string");

  auto payload = read_payload(type->get_string(), r);
  if (!payload) return std::move(payload).error();
  frame.payload = std::move(payload).value();
  return frame;
}

Result<SendFrame> decode_send_body(std::string_view json_text, std::string_view conversation_id,
                                   const Limits& limits) {
  auto parsed = parse_object(json_text);
  if (!parsed) return std::move(parsed).error();
  FieldReader r(*parsed, limits);
  SendFrame f = read_send(r, /*conversation_required=*/false);
  if (!f.conversation_id.empty() && f.conversation_id != conversation_id)
    r.fail(Errc::bad_request, "conversation_id does not match the path");
  f.conversation_id = std::string(conversation_id);
  return finish<SendFrame>(r, std::move(f));
}

}  // namespace parley::protocol
