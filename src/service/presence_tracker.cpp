#include "service/presence_tracker.h"

#include "common/clock.h"

namespace parley::service {

PresenceTracker::PresenceTracker(boost::asio::any_io_executor ex, presence::Presence& store,
                                 std::int64_t debounce_ms, Announce announce,
                                 StillOffline still_offline, Offload offload)
    : ex_(std::move(ex)),
      store_(store),
      debounce_ms_(debounce_ms),
      announce_(std::move(announce)),
      still_offline_(std::move(still_offline)),
      offload_(std::move(offload)) {}

void PresenceTracker::run(std::function<bool()> call, std::function<void(bool)> done) {
  if (!offload_) return done(call());
  offload_(std::move(call), std::move(done));
}

void PresenceTracker::first_device_connected(const std::string& user_id) {
  auto it = pending_offline_.find(user_id);
  if (it != pending_offline_.end()) {
    // Back within the debounce window: the contacts never saw "offline".
    it->second->cancel();
    pending_offline_.erase(it);
    run([this, user_id] { return store_.set_online(user_id, now_ms()); }, [](bool) {});
    return;
  }
  auto now = now_ms();
  run([this, user_id, now] { return store_.set_online(user_id, now); },
      [this, user_id, now](bool first) {
        if (first) announce_(user_id, true, now);
      });
}

void PresenceTracker::last_device_left(const std::string& user_id) {
  auto timer = std::make_shared<boost::asio::steady_timer>(
      ex_, std::chrono::milliseconds(debounce_ms_));
  pending_offline_[user_id] = timer;
  timer->async_wait([this, user_id, timer](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: the user came back
    auto it = pending_offline_.find(user_id);
    if (it == pending_offline_.end() || it->second != timer) return;
    pending_offline_.erase(it);
    if (!still_offline_(user_id)) return;
    auto now = now_ms();
    run([this, user_id, now] { return store_.set_offline(user_id, now); },
        [this, user_id, now](bool last) {
          if (last) announce_(user_id, false, now);
        });
  });
}

void PresenceTracker::cancel_all() {
  for (auto& [user, timer] : pending_offline_) timer->cancel();
  pending_offline_.clear();
}

}  // namespace parley::service
