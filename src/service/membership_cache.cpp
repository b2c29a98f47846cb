#include "service/membership_cache.h"

#include <chrono>
#include <optional>

namespace parley::service {

Error outsider_error(const std::string& conversation_id) {
  if (conversation_id.starts_with("d_"))
    return make_error(Errc::not_found, "conversation not found");
  return make_error(Errc::not_member, "not a member of this conversation");
}

bool is_outsider(const Error& e) {
  return e.code == Errc::not_member || e.code == Errc::not_found;
}

namespace {

std::int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

MemberSetPtr MembershipCache::cached(const std::string& conversation_id) {
  auto it = cache_.find(conversation_id);
  if (it == cache_.end()) return nullptr;
  if (ttl_ms_ <= 0 || steady_ms() - it->second.loaded_at < ttl_ms_) return it->second.set;
  if (refresher_) {
    refresh(conversation_id);
    return it->second.set;  // stale by at most the refresh's round trip
  }
  cache_.erase(it);
  return nullptr;
}

Result<MemberSetPtr> MembershipCache::members(const std::string& conversation_id) {
  if (auto set = cached(conversation_id)) return set;
  auto ids = store_.member_ids(conversation_id);
  if (!ids) return std::move(ids).error();
  if (ids->empty()) return make_error(Errc::not_found, "conversation not found");
  return install(conversation_id, std::move(ids).value());
}

void MembershipCache::refresh(const std::string& conversation_id) {
  if (refreshing_.contains(conversation_id)) return;  // one at a time per conversation
  const std::uint64_t token = ++last_token_;
  refreshing_.emplace(conversation_id, token);
  read_off_loop(conversation_id, [this, conversation_id, token](MemberIds ids) {
    on_refreshed(conversation_id, token, std::move(ids));
  });
}

void MembershipCache::read_off_loop(const std::string& conversation_id,
                                    std::function<void(MemberIds)> apply) {
  refresher_([&store = store_, conversation_id] { return store.member_ids(conversation_id); },
             std::move(apply));
}

void MembershipCache::on_refreshed(const std::string& conversation_id, std::uint64_t token,
                                   MemberIds ids) {
  auto it = refreshing_.find(conversation_id);
  if (it == refreshing_.end() || it->second != token) return;  // invalidated meanwhile
  refreshing_.erase(it);
  const bool gone = ids ? ids->empty() : ids.error().code == Errc::not_found;
  if (gone) {  // read again (and refused) at its next use
    cache_.erase(conversation_id);
    return;
  }
  // A failed read keeps the stale entry: the next use past the ttl asks again.
  if (!ids) return;
  install(conversation_id, std::move(ids).value());
}

MemberSetPtr MembershipCache::install(const std::string& conversation_id,
                                      std::vector<std::string> ids) {
  auto set = std::make_shared<MemberSet>();
  set->ids = std::move(ids);
  set->lookup.insert(set->ids.begin(), set->ids.end());
  // Crude bound: a full cache starts over rather than growing without limit.
  if (cache_.size() >= max_entries_ && !cache_.contains(conversation_id)) cache_.clear();
  cache_.insert_or_assign(conversation_id, Entry{set, steady_ms()});
  return set;
}

Status MembershipCache::verdict(const MemberSet& set, const std::string& conversation_id,
                                const std::string& user_id) {
  if (!set.contains(user_id)) return outsider_error(conversation_id);
  return ok_status();
}

Status MembershipCache::check_member(const std::string& conversation_id,
                                     const std::string& user_id) {
  auto set = members(conversation_id);
  if (!set) return std::move(set).error();
  return verdict(**set, conversation_id, user_id);
}

void MembershipCache::when_members(const std::vector<std::string>& conversation_ids,
                                   const std::string& user_id,
                                   std::function<void(std::vector<Status>)> then) {
  struct Gathered {
    std::vector<std::optional<Status>> verdicts;
    std::size_t left = 0;
    std::function<void(std::vector<Status>)> then;
    void answer() {
      std::vector<Status> all;
      all.reserve(verdicts.size());
      for (auto& v : verdicts) all.push_back(std::move(*v));
      then(std::move(all));
    }
  };
  auto gathered = std::make_shared<Gathered>();
  gathered->verdicts.resize(conversation_ids.size());
  gathered->left = conversation_ids.size();
  gathered->then = std::move(then);
  if (conversation_ids.empty()) return gathered->answer();
  for (std::size_t i = 0; i < conversation_ids.size(); ++i) {
    when_member(conversation_ids[i], user_id, [gathered, i](Status verdict) {
      gathered->verdicts[i] = std::move(verdict);
      if (--gathered->left == 0) gathered->answer();
    });
  }
}

std::optional<bool> MembershipCache::member_if_known(const std::string& conversation_id,
                                                     const std::string& user_id) {
  if (auto set = cached(conversation_id)) return set->contains(user_id);
  if (refresher_) return std::nullopt;
  return check_member(conversation_id, user_id).ok();
}

void MembershipCache::invalidate(const std::string& conversation_id) {
  cache_.erase(conversation_id);
  refreshing_.erase(conversation_id);
  if (auto it = loading_.find(conversation_id); it != loading_.end()) it->second.token = 0;
}

void MembershipCache::wait_for_load(const std::string& conversation_id,
                                    std::function<void(const Members&)> waiter) {
  auto it = loading_.find(conversation_id);
  if (it == loading_.end() && loading_.size() >= kMaxLoading) {
    return waiter(make_error(Errc::unavailable, "too many membership reads in flight; retry"));
  }
  if (it != loading_.end() && it->second.waiters.size() >= kMaxWaiting) {
    return waiter(make_error(Errc::unavailable, "too many requests wait for this conversation; retry"));
  }
  if (it == loading_.end()) {
    it = loading_.emplace(conversation_id, Loading{}).first;
    it->second.waiters.push_back(std::move(waiter));
    return start_load(conversation_id);
  }
  it->second.waiters.push_back(std::move(waiter));
}

void MembershipCache::start_load(const std::string& conversation_id) {
  const std::uint64_t token = ++last_token_;
  loading_[conversation_id].token = token;
  read_off_loop(conversation_id, [this, conversation_id, token](MemberIds ids) {
    on_loaded(conversation_id, token, std::move(ids));
  });
}

void MembershipCache::on_loaded(const std::string& conversation_id, std::uint64_t token,
                                MemberIds ids) {
  auto it = loading_.find(conversation_id);
  if (it == loading_.end() || it->second.token == 0) {
    // Invalidated while the read ran: read again for the same waiters, so
    // none acts on members from before the change.
    if (it != loading_.end()) start_load(conversation_id);
    return;
  }
  if (it->second.token != token) return;  // not this read's answer
  // Out of the map before anyone is answered: a waiter may ask again.
  auto waiters = std::move(it->second.waiters);
  loading_.erase(it);
  Members answer = make_error(Errc::not_found, "conversation not found");
  if (!ids) {
    answer = std::move(ids).error();
  } else if (!ids->empty()) {
    answer = install(conversation_id, std::move(ids).value());
  }
  for (auto& waiter : waiters) waiter(answer);
}

}  // namespace parley::service
