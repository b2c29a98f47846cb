#include "service/membership_cache.h"

#include <chrono>

namespace parley::service {

Error outsider_error(const std::string& conversation_id) {
  if (conversation_id.starts_with("d_"))
    return make_error(Errc::not_found, "conversation not found");
  return make_error(Errc::not_member, "not a member of this conversation");
}

namespace {

std::int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Result<MemberSetPtr> MembershipCache::members(const std::string& conversation_id) {
  if (auto it = cache_.find(conversation_id); it != cache_.end()) {
    if (ttl_ms_ <= 0 || steady_ms() - it->second.loaded_at < ttl_ms_) return it->second.set;
    if (refresher_) {
      refresh(conversation_id);
      return it->second.set;  // stale by at most the refresh's round trip
    }
    cache_.erase(it);
  }
  auto ids = store_.member_ids(conversation_id);
  if (!ids) return std::move(ids).error();
  if (ids->empty()) return make_error(Errc::not_found, "conversation not found");
  return install(conversation_id, std::move(ids).value());
}

void MembershipCache::refresh(const std::string& conversation_id) {
  if (refreshing_.contains(conversation_id)) return;  // one at a time per conversation
  const std::uint64_t token = ++last_token_;
  refreshing_.emplace(conversation_id, token);
  refresher_([&store = store_, conversation_id] { return store.member_ids(conversation_id); },
             [this, conversation_id, token](MemberIds ids) {
               on_refreshed(conversation_id, token, std::move(ids));
             });
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

Status MembershipCache::check_member(const std::string& conversation_id,
                                     const std::string& user_id) {
  auto set = members(conversation_id);
  if (!set) return std::move(set).error();
  if (!(*set)->contains(user_id)) return outsider_error(conversation_id);
  return ok_status();
}

}  // namespace parley::service
