#pragma once
// Members of each conversation, read once from the store and kept until a
// membership change through this service invalidates them. Fan-out and the
// membership check of every frame read it instead of the store.
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/result.h"
#include "store/store.h"

namespace parley::service {

struct MemberSet {
  std::vector<std::string> ids;
  std::unordered_set<std::string> lookup;
  bool contains(const std::string& user_id) const { return lookup.count(user_id) != 0; }
};
using MemberSetPtr = std::shared_ptr<const MemberSet>;

class MembershipCache {
 public:
  explicit MembershipCache(store::Store& store, std::size_t max_entries = 100'000)
      : store_(store), max_entries_(max_entries) {}

  // not_found for an unknown (or empty) conversation.
  Result<MemberSetPtr> members(const std::string& conversation_id);
  // not_found or not_member, else ok.
  Status check_member(const std::string& conversation_id, const std::string& user_id);
  void invalidate(const std::string& conversation_id) { cache_.erase(conversation_id); }

 private:
  store::Store& store_;
  std::size_t max_entries_;
  std::unordered_map<std::string, MemberSetPtr> cache_;
};

}  // namespace parley::service
