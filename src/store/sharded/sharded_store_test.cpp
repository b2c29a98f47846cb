// What only ShardedStore adds: where conversations live, sub-batches running
// on every shard at once, and a shard that is down failing only its own
// conversations. The contract itself is checked by the conformance suite
// (ShardedMemory1, ShardedMemory3, ShardedPostgres2).
#include "store/sharded/sharded_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "common/ids.h"
#include "store/memory/memory_store.h"
#include "store/sharded/hash_ring.h"
#include "store/store_test_support.h"

namespace parley::store {
namespace {

using namespace test_support;

// A MemoryStore that can be taken down: then every call is unavailable, as a
// PostgresStore whose server is gone answers.
class SwitchableStore final : public Store {
 public:
  std::atomic<bool> down{false};
  std::atomic<int> batches{0};

  std::vector<WriteResult> apply(std::span<const WriteOp> ops) override {
    ++batches;
    if (down) return std::vector<WriteResult>(ops.size(), WriteResult(gone()));
    return inner_.apply(ops);
  }
  Result<Conversation> create_conversation(const NewConversation& c) override {
    if (down) return gone();
    return inner_.create_conversation(c);
  }
  Result<Conversation> get_conversation(std::string_view id) override {
    if (down) return gone();
    return inner_.get_conversation(id);
  }
  Result<std::vector<ConversationSummary>> list_conversations(
      std::string_view user_id, int limit, const std::optional<ListCursor>& after) override {
    if (down) return gone();
    return inner_.list_conversations(user_id, limit, after);
  }
  Result<std::vector<std::string>> member_ids(std::string_view id) override {
    if (down) return gone();
    return inner_.member_ids(id);
  }
  Status add_member(std::string_view id, std::string_view user, std::int64_t at) override {
    if (down) return gone();
    return inner_.add_member(id, user, at);
  }
  Status remove_member(std::string_view id, std::string_view user) override {
    if (down) return gone();
    return inner_.remove_member(id, user);
  }
  Result<MessagePage> messages(std::string_view id, std::int64_t before, std::int64_t after,
                               int limit) override {
    if (down) return gone();
    return inner_.messages(id, before, after, limit);
  }
  Result<Message> message(std::string_view id, std::string_view message_id) override {
    if (down) return gone();
    return inner_.message(id, message_id);
  }
  Result<std::vector<std::string>> contacts(std::string_view user_id) override {
    if (down) return gone();
    return inner_.contacts(user_id);
  }

 private:
  static Error gone() { return make_error(Errc::unavailable, "shard down"); }
  MemoryStore inner_;
};

struct Cluster {
  std::vector<SwitchableStore*> shards;  // owned by store
  std::unique_ptr<ShardedStore> store;
};

Cluster cluster(int n) {
  Cluster c;
  std::vector<Shard> list;
  for (int i = 0; i < n; ++i) {
    auto s = std::make_unique<SwitchableStore>();
    c.shards.push_back(s.get());
    list.push_back({join("shard-", i), std::move(s)});
  }
  c.store = must(ShardedStore::create(std::move(list)));
  return c;
}

// Conversation ids, `per_shard` of them living on each shard, by shard.
std::vector<std::vector<std::string>> ids_per_shard(const ShardedStore& store, int per_shard) {
  std::vector<std::vector<std::string>> out(store.shard_count());
  for (int i = 0; std::any_of(out.begin(), out.end(),
                              [&](const auto& v) { return v.size() < std::size_t(per_shard); });
       ++i) {
    std::string id = join("c_", i);
    auto& bucket = out[store.shard_of(id)];
    if (bucket.size() < std::size_t(per_shard)) bucket.push_back(id);
  }
  return out;
}

// ---- The ring ----

TEST(HashRing, HashIsPinned) {
  // The hash decides where data lives: these values must never change.
  // (Computed independently from the description in hash_ring.h.)
  EXPECT_EQ(HashRing::hash(""), 0xefd01f60ba992926ull);
  EXPECT_EQ(HashRing::hash("c_0"), 0x22419c528a2f9a84ull);
  EXPECT_EQ(HashRing::hash("shard-0#0"), 0xd09fcac34807c822ull);
}

TEST(HashRing, SpreadsKeysEvenlyAndAddingAShardMovesOnlyItsShare) {
  const std::vector<std::string> three = {"a", "b", "c"};
  const std::vector<std::string> four = {"a", "b", "c", "d"};
  HashRing before(three), after(four);
  constexpr int kKeys = 30'000;
  std::map<std::size_t, int> load;
  int moved = 0;
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = new_id("c_");
    const std::size_t was = before.owner(key), is = after.owner(key);
    ++load[was];
    if (was != is) {
      ++moved;
      EXPECT_EQ(is, 3u) << "a key moved between two old shards";
    }
  }
  for (const auto& [shard, keys] : load) {
    EXPECT_GT(keys, kKeys * 0.25) << "shard " << shard;
    EXPECT_LT(keys, kKeys * 0.42) << "shard " << shard;
  }
  // About a quarter of the keys belong to the new shard; nothing else moves.
  EXPECT_GT(moved, kKeys * 0.15);
  EXPECT_LT(moved, kKeys * 0.35);
}

TEST(HashRing, OwnerDependsOnNamesNotOrder) {
  HashRing ab(std::vector<std::string>{"a", "b"}), ba(std::vector<std::string>{"b", "a"});
  for (int i = 0; i < 1000; ++i) {
    const std::string key = join("k", i);
    EXPECT_EQ(ab.owner(key), 1 - ba.owner(key));
  }
}

// ---- The store ----

TEST(ShardedStore, RefusesAMisconfiguration) {
  EXPECT_EQ(code(ShardedStore::create({})), "internal");
  std::vector<Shard> twice;
  twice.push_back({"a", std::make_unique<MemoryStore>()});
  twice.push_back({"a", std::make_unique<MemoryStore>()});
  EXPECT_EQ(code(ShardedStore::create(std::move(twice))), "internal");
  std::vector<Shard> unnamed;
  unnamed.push_back({"", std::make_unique<MemoryStore>()});
  EXPECT_EQ(code(ShardedStore::create(std::move(unnamed))), "internal");
}

TEST(ShardedStore, EachConversationLivesOnItsHomeShardOnly) {
  Cluster c = cluster(3);
  const auto ids = ids_per_shard(*c.store, 2);
  for (std::size_t s = 0; s < ids.size(); ++s) {
    for (const auto& id : ids[s]) {
      must(c.store->create_conversation(new_group(id, "alice", {"bob"})));
      for (std::size_t other = 0; other < ids.size(); ++other) {
        EXPECT_EQ(code(c.shards[other]->get_conversation(id)), other == s ? "ok" : "not_found");
      }
    }
  }
  // A direct conversation under the pair's id: on that id's shard, found
  // again without looking anywhere else.
  const std::string pair_id = direct_conversation_id("alice", "zed");
  must(c.store->create_conversation(new_direct(pair_id, "zed", "alice")));
  EXPECT_EQ(code(c.shards[c.store->shard_of(pair_id)]->get_conversation(pair_id)), "ok");
  EXPECT_EQ(must(c.store->create_conversation(new_direct(pair_id, "alice", "zed"))).id, pair_id);
}

TEST(ShardedStore, ABatchSpanningShardsKeepsItsOrder) {
  Cluster c = cluster(3);
  const auto ids = ids_per_shard(*c.store, 2);
  std::vector<std::string> all;
  for (const auto& bucket : ids) all.insert(all.end(), bucket.begin(), bucket.end());
  for (const auto& id : all) must(c.store->create_conversation(new_group(id, "alice", {"bob"})));

  std::vector<WriteOp> batch;
  std::vector<std::pair<std::string, std::int64_t>> expected;  // conversation, seq
  std::map<std::string, std::int64_t> next;
  for (int round = 0; round < 5; ++round) {
    for (const auto& id : all) {
      batch.push_back(text(id, round % 2 ? "alice" : "bob", join(id, "-", round)));
      expected.emplace_back(id, ++next[id]);
    }
  }
  batch.push_back(read_up_to(all.front(), "bob", 5));
  auto results = c.store->apply(batch);
  ASSERT_EQ(results.size(), batch.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    auto r = std::get<AppendResult>(must(std::move(results[i])));
    EXPECT_EQ(r.message.conversation_id, expected[i].first) << i;
    EXPECT_EQ(r.message.seq, expected[i].second) << i;
  }
  EXPECT_EQ(std::get<ReceiptResult>(must(std::move(results.back()))).read_seq, 5);
  for (auto* shard : c.shards) EXPECT_EQ(shard->batches, 1) << "one sub-batch per shard";
}

TEST(ShardedStore, AShardThatIsDownFailsOnlyItsOwnConversations) {
  Cluster c = cluster(3);
  const auto ids = ids_per_shard(*c.store, 2);
  for (const auto& bucket : ids) {
    for (const auto& id : bucket)
      must(c.store->create_conversation(new_group(id, "alice", {"bob"})));
  }
  constexpr std::size_t kDown = 1;
  c.shards[kDown]->down = true;

  std::vector<WriteOp> batch;
  for (const auto& bucket : ids) {
    for (const auto& id : bucket) batch.push_back(text(id, "alice", join("k-", id)));
  }
  auto results = c.store->apply(batch);
  ASSERT_EQ(results.size(), batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& id = std::get<AppendMessage>(batch[i]).conversation_id;
    if (c.store->shard_of(id) == kDown) {
      EXPECT_EQ(code(results[i]), "unavailable") << id;
    } else {
      EXPECT_EQ(std::get<AppendResult>(must(std::move(results[i]))).message.seq, 1) << id;
    }
  }
  // Calls naming a conversation fail only on the shard that is down.
  for (std::size_t s = 0; s < ids.size(); ++s) {
    const std::string expected = s == kDown ? "unavailable" : "ok";
    EXPECT_EQ(code(c.store->get_conversation(ids[s][0])), expected);
    EXPECT_EQ(code(c.store->messages(ids[s][0], 0, 0, 10)), expected);
  }
  // Calls that ask every shard fail whole rather than answer partly.
  EXPECT_EQ(code(c.store->list_conversations("alice", 10, std::nullopt)), "unavailable");
  EXPECT_EQ(code(c.store->contacts("alice")), "unavailable");

  c.shards[kDown]->down = false;
  EXPECT_EQ(must(c.store->list_conversations("alice", 10, std::nullopt)).size(), 6u);
  auto retry = c.store->apply(std::vector<WriteOp>{text(ids[kDown][0], "alice", "again")});
  EXPECT_EQ(std::get<AppendResult>(must(std::move(retry[0]))).message.seq, 1);
}

// A store whose apply() returns only once every shard has entered its own:
// it can only pass if the sub-batches run at the same time.
class RendezvousStore final : public Store {
 public:
  struct Meeting {
    std::mutex mu;
    std::condition_variable cv;
    int arrived = 0;
    int expected = 0;
  };
  explicit RendezvousStore(Meeting& m) : meeting_(m) {}

  std::vector<WriteResult> apply(std::span<const WriteOp> ops) override {
    std::unique_lock lock(meeting_.mu);
    ++meeting_.arrived;
    meeting_.cv.notify_all();
    const bool met = meeting_.cv.wait_for(lock, std::chrono::seconds(10),
                                          [&] { return meeting_.arrived >= meeting_.expected; });
    if (!met) {
      return std::vector<WriteResult>(ops.size(),
                                      WriteResult(make_error(Errc::internal, "ran alone")));
    }
    return std::vector<WriteResult>(ops.size(), WriteResult(WriteOutcome(ReceiptResult{})));
  }
  Result<Conversation> create_conversation(const NewConversation&) override { return no(); }
  Result<Conversation> get_conversation(std::string_view) override { return no(); }
  Result<std::vector<ConversationSummary>> list_conversations(
      std::string_view, int, const std::optional<ListCursor>&) override {
    return no();
  }
  Result<std::vector<std::string>> member_ids(std::string_view) override { return no(); }
  Status add_member(std::string_view, std::string_view, std::int64_t) override { return no(); }
  Status remove_member(std::string_view, std::string_view) override { return no(); }
  Result<MessagePage> messages(std::string_view, std::int64_t, std::int64_t, int) override {
    return no();
  }
  Result<Message> message(std::string_view, std::string_view) override { return no(); }
  Result<std::vector<std::string>> contacts(std::string_view) override { return no(); }

 private:
  static Error no() { return make_error(Errc::internal, "not used"); }
  Meeting& meeting_;
};

TEST(ShardedStore, SubBatchesRunOnEveryShardAtOnce) {
  constexpr int kShards = 4;
  RendezvousStore::Meeting meeting;
  meeting.expected = kShards;
  std::vector<Shard> list;
  for (int i = 0; i < kShards; ++i) {
    list.push_back({join("s", i), std::make_unique<RendezvousStore>(meeting)});
  }
  auto store = must(ShardedStore::create(std::move(list)));
  std::vector<WriteOp> batch;
  std::set<std::size_t> covered;
  for (int i = 0; covered.size() < kShards; ++i) {
    std::string id = join("c", i);
    covered.insert(store->shard_of(id));
    batch.push_back(read_up_to(id, "alice", 0));
  }
  for (auto& r : store->apply(batch)) EXPECT_EQ(code(r), "ok");
  EXPECT_EQ(meeting.arrived, kShards);
}

}  // namespace
}  // namespace parley::store
