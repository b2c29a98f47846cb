#include "service/membership_cache.h"

#include <chrono>

namespace parley::service {

Error outsider_error(const std::string& conversation_id) {
  if (conversation_id.starts_with("d_"))
    return make_error(Errc::not_found, "conversation not found");
  return make_error(Errc::not_member, "not a member of this conversation");
}

Result<MemberSetPtr> MembershipCache::members(const std::string& conversation_id) {
  using namespace std::chrono;
  auto now = duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
  if (auto it = cache_.find(conversation_id); it != cache_.end()) {
    if (ttl_ms_ <= 0 || now - it->second.loaded_at < ttl_ms_) return it->second.set;
    cache_.erase(it);
  }
  auto ids = store_.member_ids(conversation_id);
  if (!ids) return std::move(ids).error();
  if (ids->empty()) return make_error(Errc::not_found, "conversation not found");
  auto set = std::make_shared<MemberSet>();
  set->ids = std::move(ids).value();
  set->lookup.insert(set->ids.begin(), set->ids.end());
  // Crude bound: a full cache starts over rather than growing without limit.
  if (cache_.size() >= max_entries_) cache_.clear();
  cache_.emplace(conversation_id, Entry{set, now});
  return MemberSetPtr(set);
}

Status MembershipCache::check_member(const std::string& conversation_id,
                                     const std::string& user_id) {
  auto set = members(conversation_id);
  if (!set) return std::move(set).error();
  if (!(*set)->contains(user_id)) return outsider_error(conversation_id);
  return ok_status();
}

}  // namespace parley::service
