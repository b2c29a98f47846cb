#include "push/push_notifier.h"

#include <boost/json/parse.hpp>

#include "common/log.h"

namespace parley::push {
namespace json = boost::json;

namespace {

std::string string_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::string preview_of(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0, i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xc0) == 0x80) continue;  // continuation byte
    if (chars++ == max_chars) break;
  }
  if (i >= text.size()) return std::string(text);
  return std::string(text.substr(0, i)) + "\xe2\x80\xa6";  // U+2026
}

Status PushNotifier::handle(const eventlog::Event& event) {
  if (event.type != eventlog::kMessageCreated) return ok_status();
  boost::system::error_code ec;
  auto body = json::parse(event.body, ec);
  if (ec || !body.is_object()) {
    // Redelivering cannot fix a malformed event: acknowledge and say so.
    component_logger("push")->error("event {}: body is not a JSON object; skipped", event.id);
    return ok_status();
  }
  const auto& m = body.get_object();
  PushMessage base;
  base.conversation_id = event.conversation_id;
  base.seq = event.seq;
  base.sender_id = string_field(m, "sender_id");
  base.message_id = string_field(m, "message_id");
  if (options_.preview) base.preview = preview_of(string_field(m, "content"), options_.preview_chars);

  auto members = store_.member_ids(event.conversation_id);
  if (!members) {
    if (members.error().code == make_error_code(Errc::not_found)) return ok_status();
    return members.error();  // unavailable and the like: try again later
  }
  std::vector<std::string> others;
  for (auto& id : *members)
    if (id != base.sender_id) others.push_back(std::move(id));
  if (others.empty()) return ok_status();
  for (const auto& state : presence_.query(others)) {
    if (state.online) continue;
    PushMessage p = base;
    p.user_id = state.user_id;
    dispatcher_.submit(std::move(p));  // a full queue drops and counts: never blocks the log
  }
  return ok_status();
}

}  // namespace parley::push
