#pragma once
// Online/offline transitions with a debounce: a user goes offline only when
// the last device has been gone for debounce_ms, so a quick reconnect (a
// page reload, a network switch) does not flap. Event-loop only; the presence
// store's calls (a Redis round trip each in cluster mode) run through
// `offload`, in the order made.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "presence/presence.h"

namespace parley::service {

class PresenceTracker {
 public:
  // announce(user_id, online, last_seen): tell the user's contacts.
  using Announce = std::function<void(const std::string&, bool, std::int64_t)>;
  // still_offline(user_id): true when the user has no device any more.
  using StillOffline = std::function<bool(const std::string&)>;

  // Runs `call` (a presence store call) off the loop, then `done(answer)` on
  // it, both in the order of the calls; null: both at once.
  using Offload = std::function<void(std::function<bool()> call, std::function<void(bool)> done)>;

  PresenceTracker(boost::asio::any_io_executor ex, presence::Presence& store,
                  std::int64_t debounce_ms, Announce announce, StillOffline still_offline,
                  Offload offload = nullptr);

  void first_device_connected(const std::string& user_id);
  void last_device_left(const std::string& user_id);
  // Ends pending timers without announcing (shutdown).
  void cancel_all();

 private:
  void run(std::function<bool()> call, std::function<void(bool)> done);

  boost::asio::any_io_executor ex_;
  presence::Presence& store_;
  std::int64_t debounce_ms_;
  Announce announce_;
  StillOffline still_offline_;
  Offload offload_;
  std::unordered_map<std::string, std::shared_ptr<boost::asio::steady_timer>> pending_offline_;
};

}  // namespace parley::service
