// MembershipCache: entries past their ttl are read again at once without a
// refresher (embedded mode), and served stale while a refresher reads them
// off the loop (cluster mode), whose late answers an invalidate() drops.
// With a refresher, when_known() reads a conversation with no entry off the
// loop too, and answers whoever waits for it in order.
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

// What when_known() answered, in the order it did.
struct Answers {
  std::vector<std::string> got;
  auto record(std::string who) {
    return [this, who](const MembershipCache::Members& m) {
      got.push_back(who + (m ? ":" + std::to_string((*m)->ids.size()) : ":" + m.error().message));
    };
  }
};

TEST_F(MembershipCacheTest, WithoutARefresherWhenKnownAnswersAtOnce) {
  Answers answers;
  cache_.when_known("c1", answers.record("a"));
  EXPECT_EQ(answers.got, std::vector<std::string>{"a:2"});
}

TEST_F(MembershipCacheTest, AMissIsReadOffTheLoopOnceForEveryoneWaitingInOrder) {
  keep_refreshes();
  Answers answers;
  cache_.when_known("c1", answers.record("first"));
  cache_.when_known("c1", answers.record("second"));
  EXPECT_TRUE(answers.got.empty()) << "answered before the read, so it was read on the loop";
  ASSERT_EQ(refreshes_.size(), 1u) << "one read for both";
  EXPECT_EQ(cache_.loading_count(), 1u);

  refreshes_[0].apply(refreshes_[0].read());
  EXPECT_EQ(answers.got, (std::vector<std::string>{"first:2", "second:2"}));
  EXPECT_EQ(cache_.loading_count(), 0u);
  cache_.when_known("c1", answers.record("third"));
  EXPECT_EQ(answers.got.back(), "third:2") << "the answer was not cached";
  EXPECT_EQ(refreshes_.size(), 1u);
}

TEST_F(MembershipCacheTest, AnInvalidateDuringTheReadReadsAgainForTheWaiters) {
  keep_refreshes();
  Answers answers;
  cache_.when_known("c1", answers.record("a"));
  ASSERT_EQ(refreshes_.size(), 1u);
  auto before = refreshes_[0].read();  // has alice and bob

  ASSERT_TRUE(store_.add_member("c1", "carol", 5).ok());
  cache_.invalidate("c1");
  refreshes_[0].apply(std::move(before));
  EXPECT_TRUE(answers.got.empty()) << "answered with members from before the change";
  ASSERT_EQ(refreshes_.size(), 2u);

  refreshes_[1].apply(refreshes_[1].read());
  EXPECT_EQ(answers.got, std::vector<std::string>{"a:3"});
}

TEST_F(MembershipCacheTest, AFailedReadAnswersEveryWaiterAndCachesNothing) {
  keep_refreshes();
  Answers answers;
  cache_.when_known("c1", answers.record("a"));
  cache_.when_known("c1", answers.record("b"));
  refreshes_[0].apply(make_error(Errc::unavailable, "down"));
  EXPECT_EQ(answers.got, (std::vector<std::string>{"a:down", "b:down"}));

  cache_.when_known("c1", answers.record("c"));
  EXPECT_EQ(refreshes_.size(), 2u) << "the next use reads again";
}

TEST_F(MembershipCacheTest, AnUnknownConversationIsNotFound) {
  keep_refreshes();
  Answers answers;
  cache_.when_known("nope", answers.record("a"));
  refreshes_[0].apply(refreshes_[0].read());
  EXPECT_EQ(answers.got, std::vector<std::string>{"a:conversation not found"});
}

TEST_F(MembershipCacheTest, WaitersBeyondTheBoundAreRefusedAtOnce) {
  keep_refreshes();
  Answers answers;
  for (std::size_t i = 0; i < MembershipCache::kMaxWaiting; ++i)
    cache_.when_known("c1", [](const MembershipCache::Members&) {});
  cache_.when_known("c1", answers.record("over"));
  ASSERT_EQ(answers.got.size(), 1u);
  EXPECT_NE(answers.got[0].find("retry"), std::string::npos) << answers.got[0];
}

TEST_F(MembershipCacheTest, WhenMembersGathersVerdictsInOrder) {
  must(store_.create_conversation(new_group("c2", "carol", {"dan"})));
  keep_refreshes();
  std::vector<std::string> verdicts;
  cache_.when_members({"c1", "c2", "nope"}, "bob", [&](std::vector<Status> all) {
    for (auto& v : all) verdicts.push_back(v ? "ok" : v.error().message);
  });
  ASSERT_EQ(refreshes_.size(), 3u);
  // Answered out of order; the verdicts keep the order asked.
  for (int i : {2, 0, 1}) {
    EXPECT_TRUE(verdicts.empty());
    refreshes_[i].apply(refreshes_[i].read());
  }
  EXPECT_EQ(verdicts, (std::vector<std::string>{"ok", "not a member of this conversation",
                                                "conversation not found"}));
}

}  // namespace
}  // namespace parley::service
