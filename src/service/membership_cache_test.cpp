// MembershipCache: entries past their ttl are read again at once without a
// refresher (embedded mode), and served stale while a refresher reads them
// off the loop (cluster mode), whose late answers an invalidate() drops.
#include "service/membership_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "store/memory/memory_store.h"
#include "store/store_test_support.h"

namespace parley::service {
namespace {

using store::test_support::must;
using store::test_support::new_group;

// ttl 1 ms: waiting 2 ms of the steady clock puts every entry past it.
void wait_past_ttl() {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
  while (std::chrono::steady_clock::now() < until) std::this_thread::yield();
}

std::vector<std::string> ids_of(MembershipCache& cache, const std::string& conversation) {
  auto set = cache.members(conversation);
  EXPECT_TRUE(set.ok());
  return set ? (*set)->ids : std::vector<std::string>{};
}

class MembershipCacheTest : public ::testing::Test {
 protected:
  MembershipCacheTest() { must(store_.create_conversation(new_group("c1", "alice", {"bob"}))); }

  // A refresher that keeps what it was asked to run, for the test to run.
  struct Refresh {
    std::function<MembershipCache::MemberIds()> read;
    std::function<void(MembershipCache::MemberIds)> apply;
  };
  void keep_refreshes() {
    cache_.set_refresher([this](auto read, auto apply) {
      refreshes_.push_back({std::move(read), std::move(apply)});
    });
  }

  // c1 cached, then past its ttl and used: one refresh kept, not yet run.
  bool start_a_refresh() {
    keep_refreshes();
    if (ids_of(cache_, "c1").size() != 2u) return false;
    wait_past_ttl();
    ids_of(cache_, "c1");
    return refreshes_.size() == 1u;
  }

  store::MemoryStore store_;
  MembershipCache cache_{store_, 100, /*ttl_ms=*/1};
  std::vector<Refresh> refreshes_;
};

TEST_F(MembershipCacheTest, WithoutARefresherAnEntryPastItsTtlIsReadAgainAtOnce) {
  EXPECT_EQ(ids_of(cache_, "c1").size(), 2u);
  ASSERT_TRUE(store_.add_member("c1", "carol", 5).ok());
  wait_past_ttl();
  EXPECT_EQ(ids_of(cache_, "c1").size(), 3u);
}

TEST_F(MembershipCacheTest, WithARefresherAStaleEntryIsServedWhileItIsReadAgain) {
  keep_refreshes();
  EXPECT_EQ(ids_of(cache_, "c1").size(), 2u);
  EXPECT_TRUE(refreshes_.empty()) << "a miss is read at once, not refreshed";
  ASSERT_TRUE(store_.add_member("c1", "carol", 5).ok());
  wait_past_ttl();

  EXPECT_EQ(ids_of(cache_, "c1").size(), 2u) << "served stale, not read on the loop";
  EXPECT_EQ(ids_of(cache_, "c1").size(), 2u);
  ASSERT_EQ(refreshes_.size(), 1u) << "one refresh at a time per conversation";

  refreshes_[0].apply(refreshes_[0].read());
  EXPECT_EQ(ids_of(cache_, "c1").size(), 3u);
  EXPECT_EQ(refreshes_.size(), 1u) << "the refreshed entry is fresh";
}

TEST_F(MembershipCacheTest, ARefreshAnsweredAfterAnInvalidateIsDropped) {
  ASSERT_TRUE(start_a_refresh());
  auto answer = refreshes_[0].read();  // read before bob leaves: it has bob

  ASSERT_TRUE(store_.remove_member("c1", "bob").ok());
  cache_.invalidate("c1");  // as the service does on the change
  refreshes_[0].apply(std::move(answer));

  EXPECT_EQ(ids_of(cache_, "c1"), std::vector<std::string>{"alice"})
      << "a refresh read before the change brought bob back";
}

TEST_F(MembershipCacheTest, ARefreshThatFindsNoConversationDropsTheEntry) {
  ASSERT_TRUE(start_a_refresh());
  refreshes_[0].apply(make_error(Errc::not_found, "conversation not found"));
  // Read again at its next use (the store still has it here).
  EXPECT_EQ(ids_of(cache_, "c1").size(), 2u);
  EXPECT_EQ(refreshes_.size(), 1u) << "a miss is read at once, not refreshed";
}

}  // namespace
}  // namespace parley::service
