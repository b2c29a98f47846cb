#include "search/indexed_message.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <string_view>

#include "search/search_text.h"

namespace parley::search {
namespace {

Error malformed(std::string what) {
  return make_error(Errc::bad_request, "event is not a message: " + std::move(what));
}

const boost::json::string* string_field(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? &v->get_string() : nullptr;
}

std::optional<std::int64_t> int_field(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= INT64_MAX)
    return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

}  // namespace

Result<std::optional<IndexedMessage>> message_from_event(const eventlog::Event& event) {
  const bool created = event.type == eventlog::kMessageCreated;
  const bool edited = event.type == eventlog::kMessageEdited;
  const bool deleted = event.type == eventlog::kMessageDeleted;
  if (!created && !edited && !deleted) return std::optional<IndexedMessage>{};

  boost::system::error_code ec;
  auto parsed = boost::json::parse(event.body, ec);
  if (ec || !parsed.is_object()) return malformed("body is not a JSON object");
  const auto& body = parsed.get_object();

  IndexedMessage m;
  const auto* conversation = string_field(body, "conversation_id");
  const auto* message_id = string_field(body, "message_id");
  auto seq = int_field(body, "seq");
  if (!conversation || conversation->empty()) return malformed("no conversation_id");
  if (!message_id || message_id->empty()) return malformed("no message_id");
  if (!seq || *seq < 1) return malformed("no seq");
  m.conversation_id = std::string(*conversation);
  m.message_id = std::string(*message_id);
  m.seq = *seq;
  // The event's own keys, when given, must name the same message: a body
  // that disagrees with its envelope is a bug upstream, not something to guess at.
  if (!event.conversation_id.empty() && event.conversation_id != m.conversation_id)
    return malformed("conversation_id differs from the event's");
  if (event.seq != 0 && event.seq != m.seq) return malformed("seq differs from the event's");

  // Version 1 when absent: a created message before any edit.
  auto version = int_field(body, "version");
  if (body.contains("version") && (!version || *version < 1)) return malformed("bad version");
  m.version = version.value_or(1);

  const auto* flag = body.if_contains("deleted");
  m.deleted = deleted || (flag && flag->is_bool() && flag->get_bool());
  if (!m.deleted) {
    const auto* content = string_field(body, "content");
    if (!content) return malformed("no content");
    m.content = indexable_content(std::string_view(content->data(), content->size()));
  }
  return std::optional<IndexedMessage>(std::move(m));
}

}  // namespace parley::search
