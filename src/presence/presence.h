#pragma once
// Who is online, and when each user was last seen. Embedded: in memory
// (presence/local). Cluster: Redis with TTLs refreshed by heartbeats.
// Online/offline transitions and their debounce live in the service
// (service/presence_tracker.h); this only stores the state. Implementations
// are safe on any thread: the service queries off the event loop in cluster
// mode (a REST presence query is a Redis round trip).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parley::presence {

struct PresenceState {
  std::string user_id;
  bool online = false;
  std::int64_t last_seen = 0;  // ms; 0 = never seen
};

class Presence {
 public:
  virtual ~Presence() = default;
  // This gateway has the user's first device. True when the user was
  // offline everywhere before (their contacts should hear "online").
  virtual bool set_online(std::string_view user_id, std::int64_t now_ms) = 0;
  // This gateway's last device of the user has gone (after the debounce).
  // True when the user is now offline everywhere (contacts hear "offline").
  virtual bool set_offline(std::string_view user_id, std::int64_t now_ms) = 0;
  virtual std::vector<PresenceState> query(const std::vector<std::string>& user_ids) = 0;
};

}  // namespace parley::presence
