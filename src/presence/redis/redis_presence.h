#pragma once
// Cluster-mode presence in Redis. Per user, a sorted set of the gateways
// that have them, each scored by an expiry (now + ttl) that this gateway's
// refresher pushes forward every ttl/3: a gateway that dies without saying
// goodbye stops counting after at most ttl. Blocking calls (~100 us on
// loopback) with ~1 s timeouts; while Redis is down, set_online and
// set_offline answer true and query answers offline, so the service keeps
// working (contacts may hear a duplicate transition or miss one).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>

#include "presence/presence.h"
#include "presence/redis/blocking_connection.h"

namespace parley::presence {

struct RedisPresenceOptions {
  // Every gateway of a cluster must use the same ttl.
  std::chrono::milliseconds ttl{60'000};
  std::chrono::milliseconds timeout{1'000};  // connect and each command
};

class RedisPresence final : public Presence {
 public:
  // gateway_id: unique and stable per gateway process. Throws
  // std::invalid_argument on a malformed URL (start-up misconfiguration).
  // Connects lazily; starts the refresher thread.
  RedisPresence(std::string gateway_id, const std::string& redis_url,
                RedisPresenceOptions options = {});
  ~RedisPresence() override;  // stops refreshing; leaves entries to expire

  bool set_online(std::string_view user_id, std::int64_t now_ms) override;
  bool set_offline(std::string_view user_id, std::int64_t now_ms) override;
  std::vector<PresenceState> query(const std::vector<std::string>& user_ids) override;

  bool healthy() { return conn_.healthy(); }

 private:
  void refresh_loop();
  void refresh_once();

  // Users per refresh pipeline: bounds how long set_online/offline wait.
  static constexpr std::size_t kRefreshBatch = 500;

  const std::string gateway_id_;
  const RedisPresenceOptions options_;
  BlockingConnection conn_;
  // Guards local_ and orders each user's writes: a refresh must never
  // re-add a user that set_offline has just removed.
  std::mutex mu_;
  std::unordered_set<std::string> local_;  // users online on this gateway
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread refresher_;  // last: uses everything above
};

}  // namespace parley::presence
