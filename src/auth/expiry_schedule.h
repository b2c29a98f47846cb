#pragma once
// When each connection's token runs out, ordered by time, so one timer
// serves them all: it sleeps until next() and closes what take_due()
// returns. Handles are held by owner (a shared_ptr) and found by address.
// Header-only and free of I/O: the caller owns the timer and the clock.
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

namespace parley::auth {

template <class Handle>  // a std::shared_ptr<T>
class ExpirySchedule {
 public:
  // Sets (or moves) the deadline of h: seconds since the epoch; 0 never expires.
  void set(const Handle& h, std::int64_t expires_s) {
    erase(h.get());
    if (expires_s <= 0) return;
    by_key_[h.get()] = by_time_.emplace(expires_s, h);
  }

  void erase(const void* key) {
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return;
    by_time_.erase(it->second);
    by_key_.erase(it);
  }

  // The earliest deadline, if any.
  std::optional<std::int64_t> next() const {
    if (by_time_.empty()) return std::nullopt;
    return by_time_.begin()->first;
  }

  // Removes and returns every handle whose token has expired at now_s. As
  // in the verifier, a token is expired once now >= exp.
  std::vector<Handle> take_due(std::int64_t now_s) {
    std::vector<Handle> due;
    while (!by_time_.empty() && by_time_.begin()->first <= now_s) {
      due.push_back(std::move(by_time_.begin()->second));
      by_key_.erase(due.back().get());
      by_time_.erase(by_time_.begin());
    }
    return due;
  }

  std::optional<std::int64_t> deadline_of(const void* key) const {
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return std::nullopt;
    return it->second->first;
  }
  std::size_t size() const { return by_key_.size(); }

 private:
  using ByTime = std::multimap<std::int64_t, Handle>;
  ByTime by_time_;
  std::unordered_map<const void*, typename ByTime::iterator> by_key_;
};

}  // namespace parley::auth
