#pragma once
#include <mutex>
#include <unordered_map>

#include "presence/presence.h"

namespace parley::presence {

// In-memory presence for embedded mode. last_seen is kept for offline users
// for the life of the process only (a restart forgets it).
class LocalPresence final : public Presence {
 public:
  bool set_online(std::string_view user_id, std::int64_t now_ms) override;
  bool set_offline(std::string_view user_id, std::int64_t now_ms) override;
  std::vector<PresenceState> query(const std::vector<std::string>& user_ids) override;

 private:
  std::mutex mu_;
  std::unordered_map<std::string, PresenceState> users_;
};

}  // namespace parley::presence
