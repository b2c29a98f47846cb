#include "push/push_notifier.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <set>
#include <string>
#include <vector>

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
  if (auto s = stage(event); !s) return s;
  return flush();
}

Status PushNotifier::stage(const eventlog::Event& event) {
  if (event.type != eventlog::kMessageCreated) return ok_status();
  boost::system::error_code ec;
  auto body = json::parse(event.body, ec);
  if (ec || !body.is_object()) {
    // Redelivering cannot fix a malformed event: acknowledge and say so.
    component_logger("push")->error("event {}: body is not a JSON object; skipped", event.id);
    return ok_status();
  }
  const auto& m = body.get_object();
  PushMessage p;
  p.conversation_id = event.conversation_id;
  p.seq = event.seq;
  p.sender_id = string_field(m, "sender_id");
  p.message_id = string_field(m, "message_id");
  if (options_.preview) p.preview = preview_of(string_field(m, "content"), options_.preview_chars);
  return staged_.add(std::move(p));
}

Status PushNotifier::flush() { return staged_.flush(); }

Status PushNotifier::hand_on(std::span<const PushMessage> batch) {
  // Every conversation's members in one question (one round trip in
  // cluster mode); one gone since has nobody to tell.
  std::vector<std::string> conversations;
  for (const auto& p : batch) conversations.push_back(p.conversation_id);
  std::sort(conversations.begin(), conversations.end());
  conversations.erase(std::unique(conversations.begin(), conversations.end()), conversations.end());
  auto members = store_.members_of(conversations);
  if (!members) return members.error();  // unavailable and the like: delivered again later
  std::set<std::string> users;
  for (const auto& [id, ids] : *members) users.insert(ids.begin(), ids.end());
  if (users.empty()) return ok_status();
  // Everyone's presence in one query.
  std::set<std::string, std::less<>> offline;
  for (auto& state : presence_.query(std::vector<std::string>(users.begin(), users.end())))
    if (!state.online) offline.insert(std::move(state.user_id));
  for (const auto& base : batch) {
    auto to = members->find(base.conversation_id);
    if (to == members->end()) continue;
    for (const auto& id : to->second) {
      if (id == base.sender_id || !offline.contains(id)) continue;
      PushMessage p = base;
      p.user_id = id;
      dispatcher_.submit(std::move(p));  // a full queue drops and counts: never blocks the log
    }
  }
  return ok_status();
}

}  // namespace parley::push
