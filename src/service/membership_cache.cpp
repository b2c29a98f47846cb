#include "service/membership_cache.h"

namespace parley::service {

Result<MemberSetPtr> MembershipCache::members(const std::string& conversation_id) {
  if (auto it = cache_.find(conversation_id); it != cache_.end()) return it->second;
  auto ids = store_.member_ids(conversation_id);
  if (!ids) return std::move(ids).error();
  if (ids->empty()) return make_error(Errc::not_found, "no such conversation");
  auto set = std::make_shared<MemberSet>();
  set->ids = std::move(ids).value();
  set->lookup.insert(set->ids.begin(), set->ids.end());
  // Crude bound: a full cache starts over rather than growing without limit.
  if (cache_.size() >= max_entries_) cache_.clear();
  cache_.emplace(conversation_id, set);
  return MemberSetPtr(set);
}

Status MembershipCache::check_member(const std::string& conversation_id,
                                     const std::string& user_id) {
  auto set = members(conversation_id);
  if (!set) return std::move(set).error();
  if (!(*set)->contains(user_id))
    return make_error(Errc::not_member, "not a member of this conversation");
  return ok_status();
}

}  // namespace parley::service
