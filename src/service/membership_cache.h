#pragma once
// Members of each conversation, read once from the store and kept until a
// membership change invalidates them (through this service, or announced by
// another gateway on the bus), or, with a ttl, until they are that old. Fan-out and the
// membership check of every frame read it instead of the store.
//
// With a refresher (cluster mode), an entry past its ttl is still served
// while the refresher reads it again off the event loop: a 10,000-member
// group's members are not read on the loop every ttl. Only a conversation
// with no entry at all is read at once. A refresh answer that comes back
// after an invalidate() of its conversation is dropped.
#include <cstdint>
#include <functional>
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

// The refusal for someone outside a conversation: not_member, except for a
// direct conversation. Its id is derived from its two user ids (ids.h), so
// anyone can compute it and "not a member" would tell a stranger that the
// two talk; it answers not_found, word for word as for no conversation.
Error outsider_error(const std::string& conversation_id);

class MembershipCache {
 public:
  // ttl_ms > 0: an entry is read again once older than that (cluster mode,
  // where an invalidation from another gateway may be lost with Redis).
  explicit MembershipCache(store::Store& store, std::size_t max_entries = 100'000,
                           std::int64_t ttl_ms = 0)
      : store_(store), max_entries_(max_entries), ttl_ms_(ttl_ms) {}

  using MemberIds = Result<std::vector<std::string>>;
  // Runs `read` somewhere off the event loop, then `apply(answer)` on it.
  using Refresher = std::function<void(std::function<MemberIds()> read,
                                       std::function<void(MemberIds)> apply)>;
  void set_refresher(Refresher refresher) { refresher_ = std::move(refresher); }

  // not_found for an unknown (or empty) conversation.
  Result<MemberSetPtr> members(const std::string& conversation_id);
  // not_found or not_member, else ok.
  Status check_member(const std::string& conversation_id, const std::string& user_id);
  void invalidate(const std::string& conversation_id) {
    cache_.erase(conversation_id);
    refreshing_.erase(conversation_id);
  }

 private:
  struct Entry {
    MemberSetPtr set;
    std::int64_t loaded_at = 0;  // steady ms
  };
  void refresh(const std::string& conversation_id);
  void on_refreshed(const std::string& conversation_id, std::uint64_t token, MemberIds ids);
  MemberSetPtr install(const std::string& conversation_id, std::vector<std::string> ids);

  store::Store& store_;
  std::size_t max_entries_;
  std::int64_t ttl_ms_;
  std::unordered_map<std::string, Entry> cache_;
  Refresher refresher_;
  // Refreshes in flight, by conversation: the token their answer must match.
  std::unordered_map<std::string, std::uint64_t> refreshing_;
  std::uint64_t last_token_ = 0;
};

}  // namespace parley::service
