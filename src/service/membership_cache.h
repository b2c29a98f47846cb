#pragma once
// Members of each conversation, read once from the store and kept until a
// membership change invalidates them (through this service, or announced by
// another gateway on the bus), or, with a ttl, until they are that old. Fan-out and the
// membership check of every frame read it instead of the store.
//
// With a refresher (cluster mode), an entry past its ttl is still served
// while the refresher reads it again off the event loop: a 10,000-member
// group's members are not read on the loop every ttl. A refresh answer that
// comes back after an invalidate() of its conversation is dropped. A
// conversation with no entry at all is read off the loop too when asked
// through when_known() (the frames and the fan-out); members() and
// check_member() read it at once (embedded mode, REST in embedded mode).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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
// True for outsider_error's answers: the store said who the members are.
bool is_outsider(const Error& e);

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

  // The cached members, or null when there is no entry; an entry past its
  // ttl is served while a refresh runs (with a refresher) or is dropped.
  MemberSetPtr cached(const std::string& conversation_id);

  // Calls then(members) with the conversation's members: at once when they
  // are cached or there is no refresher (read here), else when a read off
  // the loop answers. Callers waiting for one conversation share its read
  // and are answered in the order they asked, so what a device sends to a
  // conversation keeps its order. At most kMaxWaiting callers wait for one
  // conversation and kMaxLoading conversations are read at once; beyond
  // that the answer is unavailable, at once.
  using Members = Result<MemberSetPtr>;
  template <class Then>
  void when_known(const std::string& conversation_id, Then&& then) {
    if (auto set = cached(conversation_id)) return then(Members(std::move(set)));
    if (!refresher_) return then(members(conversation_id));
    wait_for_load(conversation_id, std::function<void(const Members&)>(std::forward<Then>(then)));
  }
  // when_known, answered with check_member's verdict for user_id.
  template <class Then>
  void when_member(const std::string& conversation_id, const std::string& user_id, Then&& then) {
    if (auto set = cached(conversation_id)) return then(verdict(*set, conversation_id, user_id));
    when_known(conversation_id, [conversation_id, user_id, then = std::forward<Then>(then)](
                                    const Members& members) mutable {
      then(members ? verdict(**members, conversation_id, user_id) : Status(members.error()));
    });
  }
  // when_member for each conversation; then(verdicts, in the same order)
  // once all are known.
  void when_members(const std::vector<std::string>& conversation_ids, const std::string& user_id,
                    std::function<void(std::vector<Status>)> then);
  static constexpr std::size_t kMaxWaiting = 10'000;
  static constexpr std::size_t kMaxLoading = 10'000;

  // Whether user_id is a member, if that is known without reading off the
  // loop: nullopt only with a refresher and no entry (after a membership
  // change, say); without a refresher it is read here (false on an error).
  std::optional<bool> member_if_known(const std::string& conversation_id,
                                      const std::string& user_id);

  // not_found for an unknown (or empty) conversation.
  Result<MemberSetPtr> members(const std::string& conversation_id);
  // not_found or not_member, else ok.
  Status check_member(const std::string& conversation_id, const std::string& user_id);
  // not_found or not_member, else ok.
  static Status verdict(const MemberSet& set, const std::string& conversation_id,
                        const std::string& user_id);
  void invalidate(const std::string& conversation_id);
  std::size_t loading_count() const { return loading_.size(); }

 private:
  struct Entry {
    MemberSetPtr set;
    std::int64_t loaded_at = 0;  // steady ms
  };
  void refresh(const std::string& conversation_id);
  // The members read through the refresher, apply(answer) on the loop.
  void read_off_loop(const std::string& conversation_id, std::function<void(MemberIds)> apply);
  void on_refreshed(const std::string& conversation_id, std::uint64_t token, MemberIds ids);
  MemberSetPtr install(const std::string& conversation_id, std::vector<std::string> ids);
  void wait_for_load(const std::string& conversation_id,
                     std::function<void(const Members&)> waiter);
  void start_load(const std::string& conversation_id);
  void on_loaded(const std::string& conversation_id, std::uint64_t token, MemberIds ids);

  store::Store& store_;
  std::size_t max_entries_;
  std::int64_t ttl_ms_;
  std::unordered_map<std::string, Entry> cache_;
  Refresher refresher_;
  // Refreshes in flight, by conversation: the token their answer must match.
  std::unordered_map<std::string, std::uint64_t> refreshing_;
  // Conversations with no entry being read for when_known(): the token of
  // the read in flight (0 once invalidated: its answer may predate the
  // change, so the waiters get a second read) and who waits, in order.
  struct Loading {
    std::uint64_t token = 0;
    std::vector<std::function<void(const Members&)>> waiters;
  };
  std::unordered_map<std::string, Loading> loading_;
  std::uint64_t last_token_ = 0;
};

}  // namespace parley::service
