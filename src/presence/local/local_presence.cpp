#include "presence/local/local_presence.h"

namespace parley::presence {

bool LocalPresence::set_online(std::string_view user_id, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto& s = users_[std::string(user_id)];
  bool was_online = s.online;
  s.user_id = user_id;
  s.online = true;
  s.last_seen = now_ms;
  return !was_online;
}

bool LocalPresence::set_offline(std::string_view user_id, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto& s = users_[std::string(user_id)];
  bool was_online = s.online;
  s.user_id = user_id;
  s.online = false;
  s.last_seen = now_ms;
  return was_online;
}

std::vector<PresenceState> LocalPresence::query(const std::vector<std::string>& user_ids) {
  std::vector<PresenceState> out;
  out.reserve(user_ids.size());
  std::lock_guard lock(mu_);
  for (const auto& id : user_ids) {
    auto it = users_.find(id);
    out.push_back(it == users_.end() ? PresenceState{id, false, 0} : it->second);
  }
  return out;
}

}  // namespace parley::presence
