#include "eventlog/event_codec.h"

#include <boost/json.hpp>

namespace parley::eventlog {

namespace json = boost::json;

std::string encode_event(const Event& e) {
  // The body was serialized by the store; splicing it in keeps its bytes as
  // they are instead of parsing and re-serializing every event.
  std::string out;
  out.reserve(96 + e.id.size() + e.conversation_id.size() + e.body.size());
  out += "{\"id\":";
  out += json::serialize(json::string_view(e.id));
  out += ",\"type\":";
  out += json::serialize(json::string_view(e.type));
  out += ",\"conversation_id\":";
  out += json::serialize(json::string_view(e.conversation_id));
  out += ",\"seq\":";
  out += std::to_string(e.seq);
  out += ",\"body\":";
  out += e.body.empty() ? std::string("{}") : e.body;
  out += '}';
  return out;
}

Result<Event> decode_event(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !v.is_object()) return make_error(Errc::bad_request, "event is not a JSON object");
  const json::object& o = v.get_object();
  auto str = [&o](const char* key) -> const json::string* {
    const json::value* f = o.if_contains(key);
    return f ? f->if_string() : nullptr;
  };
  const json::string* id = str("id");
  const json::string* type = str("type");
  const json::string* conversation = str("conversation_id");
  const json::value* seq = o.if_contains("seq");
  const json::value* body = o.if_contains("body");
  if (!id || !type || !conversation || !seq || !seq->is_int64() || !body || !body->is_object()) {
    return make_error(Errc::bad_request, "event lacks id, type, conversation_id, seq or body");
  }
  Event e;
  e.id = std::string(*id);
  e.type = std::string(*type);
  e.conversation_id = std::string(*conversation);
  e.seq = seq->as_int64();
  e.body = json::serialize(*body);
  return e;
}

}  // namespace parley::eventlog
