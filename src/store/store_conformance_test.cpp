// The Store contract (store/store.h), checked against every backend. The
// memory store is the fake the rest of Parley tests with, so any behaviour
// that differs from SQLite is a bug in one of them. The PostgreSQL backends
// need a server (PARLEY_PG_URLS) and skip without one.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/memory/memory_store.h"
#include "store/postgres/pg_store.h"
#include "store/postgres/pg_test_support.h"
#include "store/sharded/sharded_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "store/store_test_support.h"

namespace parley::store {
namespace {

using namespace test_support;

// Whatever must outlive a store under test: its file, its scratch schema.
using Scratch = std::shared_ptr<void>;

struct Backend {
  std::string name;
  // Opens a fresh, empty store; null (with a failure or a skip) when it cannot.
  std::function<std::unique_ptr<Store>(Scratch&)> make;
};

// Names the backend in failure messages instead of dumping its bytes.
void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

template <class T>
std::unique_ptr<Store> opened(Result<std::unique_ptr<T>> store) {
  if (!store) {
    ADD_FAILURE() << "open: " << store.error().message;
    return nullptr;
  }
  return std::move(store).value();
}

std::unique_ptr<Store> open_sqlite(Scratch& scratch) {
  auto file = std::make_shared<TempDbFile>();
  scratch = file;
  return opened(SqliteStore::open(file->path().string()));
}

std::unique_ptr<Store> open_sharded_memory(int shards) {
  std::vector<Shard> list;
  for (int i = 0; i < shards; ++i) list.push_back({join("m", i), std::make_unique<MemoryStore>()});
  return opened(ShardedStore::create(std::move(list)));
}

// PostgresStore on the first server, or a ShardedStore over the first
// `shards` of them; each test in a scratch schema of its own.
std::unique_ptr<Store> open_postgres(Scratch& scratch, std::size_t shards) {
  auto urls = pg_urls();
  if (urls.empty()) {
    ADD_FAILURE() << "no PARLEY_PG_URLS";  // the fixture skips before asking
    return nullptr;
  }
  urls.resize(std::max<std::size_t>(shards, 1));
  auto schema = std::make_shared<ScratchSchema>(urls);
  scratch = schema;
  if (shards == 0) return opened(PostgresStore::open(schema->url(0)));
  std::vector<Shard> list;
  for (std::size_t i = 0; i < shards; ++i) {
    auto store = PostgresStore::open(schema->url(i));
    if (!store) return opened(std::move(store));
    list.push_back({join("pg", i), std::move(store).value()});
  }
  return opened(ShardedStore::create(std::move(list)));
}

class StoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    // Needs a server: skipped, not failed, where there is none.
    const std::string& name = GetParam().name;
    if (name.find("Postgres") != std::string::npos) {
      const std::size_t needed = name.starts_with("Sharded") ? 2 : 1;
      if (pg_urls().empty()) GTEST_SKIP() << kNoPostgres;
      if (pg_urls().size() < needed) GTEST_SKIP() << "PARLEY_PG_URLS names fewer than 2 databases";
    }
    store_ = GetParam().make(scratch_);
    ASSERT_NE(store_, nullptr);
  }

  std::vector<WriteResult> apply(std::vector<WriteOp> ops) { return store_->apply(ops); }
  WriteResult apply_one(WriteOp op) { return std::move(store_->apply({&op, 1}).front()); }

  template <class T>
  T outcome(WriteResult r) {
    return std::get<T>(must(std::move(r)));
  }
  AppendResult send(AppendMessage m) { return outcome<AppendResult>(apply_one(std::move(m))); }

  Conversation create(const NewConversation& c) { return must(store_->create_conversation(c)); }

  std::vector<std::int64_t> seqs(std::string_view conversation_id) {
    std::vector<std::int64_t> out;
    for (const auto& m : must(store_->messages(conversation_id, 0, 0, 200)).messages) {
      out.push_back(m.seq);
    }
    return out;
  }

  Member member(std::string_view conversation_id, std::string_view user_id) {
    for (auto& m : must(store_->get_conversation(conversation_id)).members) {
      if (m.user_id == user_id) return m;
    }
    ADD_FAILURE() << user_id << " is not a member";
    return {};
  }

  Scratch scratch_;  // declared first: outlives the store that uses it
  std::unique_ptr<Store> store_;
};

std::vector<std::string> user_ids(const std::vector<Member>& members) {
  std::vector<std::string> out;
  for (const auto& m : members) out.push_back(m.user_id);
  return out;
}

std::vector<std::int64_t> page_seqs(const MessagePage& page) {
  std::vector<std::int64_t> out;
  for (const auto& m : page.messages) out.push_back(m.seq);
  return out;
}

std::vector<std::int64_t> range(std::int64_t first, std::int64_t last) {
  std::vector<std::int64_t> out;
  for (auto s = first; s <= last; ++s) out.push_back(s);
  return out;
}

// ---- Conversations ----

TEST_P(StoreConformance, GroupCreatorBecomesOwnerAndMembersAreDeduplicated) {
  Conversation c = create(new_group("c1", "alice", {"carol", "bob", "carol", "alice"}, 1234));
  EXPECT_EQ(c.id, "c1");
  EXPECT_EQ(c.type, "group");
  EXPECT_EQ(c.name, "team");
  EXPECT_EQ(c.created_by, "alice");
  EXPECT_EQ(c.created_at, 1234);
  EXPECT_EQ(c.last_seq, 0);
  EXPECT_EQ(c.last_activity_at, 1234);
  ASSERT_EQ(user_ids(c.members), (std::vector<std::string>{"alice", "bob", "carol"}));
  EXPECT_EQ(c.members[0].role, "owner");
  EXPECT_EQ(c.members[1].role, "member");
  EXPECT_EQ(c.members[2].role, "member");
  for (const auto& m : c.members) {
    EXPECT_EQ(m.joined_at, 1234);
    EXPECT_EQ(m.delivered_seq, 0);
    EXPECT_EQ(m.read_seq, 0);
  }

  Conversation got = must(store_->get_conversation("c1"));
  EXPECT_EQ(got.created_by, "alice");
  EXPECT_EQ(got.last_activity_at, 1234);
  EXPECT_EQ(user_ids(got.members), user_ids(c.members));
  EXPECT_EQ(got.members[0].role, "owner");
  EXPECT_EQ(must(store_->member_ids("c1")), (std::vector<std::string>{"alice", "bob", "carol"}));
}

TEST_P(StoreConformance, GroupOfOneIsAllowed) {
  Conversation c = create(new_group("solo", "alice", {}));
  EXPECT_EQ(user_ids(c.members), std::vector<std::string>{"alice"});
  EXPECT_EQ(send(text("solo", "alice", "k1")).message.seq, 1);
}

TEST_P(StoreConformance, CreateRejectsInvalidInput) {
  EXPECT_EQ(code(store_->create_conversation(new_group("", "alice", {"bob"}))), "bad_request");
  auto bad_type = new_group("c1", "alice", {"bob"});
  bad_type.type = "channel";
  EXPECT_EQ(code(store_->create_conversation(bad_type)), "bad_request");
  EXPECT_EQ(code(store_->create_conversation(new_group("c1", "al ice", {"bob"}))),
            "bad_request");
  EXPECT_EQ(code(store_->create_conversation(new_group("c1", "alice", {"bo/b"}))),
            "bad_request");
  EXPECT_EQ(code(store_->get_conversation("c1")), "not_found");
}

TEST_P(StoreConformance, DirectNeedsExactlyOneOtherMember) {
  auto none = new_direct("d1", "alice", "bob");
  none.members.clear();
  EXPECT_EQ(code(store_->create_conversation(none)), "bad_request");
  EXPECT_EQ(code(store_->create_conversation(new_direct("d1", "alice", "alice"))),
            "bad_request");
  auto two = new_direct("d1", "alice", "bob");
  two.members.push_back("carol");
  EXPECT_EQ(code(store_->create_conversation(two)), "bad_request");

  // Repeating the other member (or naming oneself) is still one other member.
  auto repeated = new_direct("d1", "alice", "bob");
  repeated.members = {"bob", "alice", "bob"};
  Conversation c = create(repeated);
  EXPECT_EQ(user_ids(c.members), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(c.type, "direct");
}

TEST_P(StoreConformance, DirectConversationIsSharedByThePairInEitherOrder) {
  auto first = new_direct("d1", "alice", "bob", 1000);
  first.name = "ignored";
  Conversation c = create(first);
  EXPECT_EQ(c.name, "");

  Conversation again = create(new_direct("d2", "alice", "bob", 2000));
  EXPECT_EQ(again.id, "d1");
  Conversation reversed = create(new_direct("d3", "bob", "alice", 3000));
  EXPECT_EQ(reversed.id, "d1");
  EXPECT_EQ(reversed.created_by, "alice");
  EXPECT_EQ(reversed.created_at, 1000);
  EXPECT_EQ(code(store_->get_conversation("d2")), "not_found");
  EXPECT_EQ(code(store_->get_conversation("d3")), "not_found");

  EXPECT_EQ(create(new_direct("d4", "alice", "carol")).id, "d4");
  EXPECT_EQ(must(store_->list_conversations("alice", 10, std::nullopt)).size(), 2u);
}

TEST_P(StoreConformance, TakenConversationIdIsConflict) {
  create(new_group("c1", "alice", {"bob"}));
  EXPECT_EQ(code(store_->create_conversation(new_group("c1", "carol", {}))), "conflict");
  EXPECT_EQ(code(store_->create_conversation(new_direct("c1", "carol", "dave"))), "conflict");
  EXPECT_EQ(must(store_->get_conversation("c1")).created_by, "alice");
}

TEST_P(StoreConformance, UnknownConversationIsNotFound) {
  EXPECT_EQ(code(store_->get_conversation("nope")), "not_found");
  EXPECT_EQ(code(store_->member_ids("nope")), "not_found");
  EXPECT_EQ(code(store_->messages("nope", 0, 0, 10)), "not_found");
  EXPECT_EQ(code(store_->message("nope", "m1")), "not_found");
  EXPECT_EQ(code(store_->add_member("nope", "bob", 1)), "not_found");
  EXPECT_EQ(code(store_->remove_member("nope", "bob")), "not_found");
}

// ---- Appends ----

TEST_P(StoreConformance, SeqIsContiguousFromOnePerConversation) {
  create(new_group("c1", "alice", {"bob"}));
  create(new_group("c2", "alice", {"bob"}));
  std::vector<WriteOp> batch;
  for (int i = 0; i < 6; ++i) {
    const char* conversation = i % 3 == 0 ? "c2" : "c1";
    batch.push_back(text(conversation, i % 2 ? "alice" : "bob", join("b1-", i)));
  }
  auto first = apply(batch);
  ASSERT_EQ(first.size(), 6u);
  std::vector<std::int64_t> assigned;
  for (auto& r : first) assigned.push_back(outcome<AppendResult>(std::move(r)).message.seq);
  // c2 gets ops 0 and 3; c1 gets ops 1, 2, 4, 5.
  EXPECT_EQ(assigned, (std::vector<std::int64_t>{1, 1, 2, 2, 3, 4}));

  EXPECT_EQ(send(text("c1", "alice", "later")).message.seq, 5);
  EXPECT_EQ(send(text("c2", "bob", "later")).message.seq, 3);
  EXPECT_EQ(seqs("c1"), range(1, 5));
  EXPECT_EQ(seqs("c2"), range(1, 3));
  EXPECT_EQ(must(store_->get_conversation("c1")).last_seq, 5);
  EXPECT_EQ(must(store_->get_conversation("c2")).last_seq, 3);
}

TEST_P(StoreConformance, AppendStoresTheMessageAndMovesActivityAndSenderMarks) {
  create(new_group("c1", "alice", {"bob"}, 1000));
  send(text("c1", "bob", "b1", "first", 1500));
  EXPECT_EQ(member("c1", "bob").read_seq, 1);

  AppendMessage op = text("c1", "alice", "a1", "hello there", 2000);
  op.kind = "";  // the default kind
  op.reply_to = "m_parent";
  AppendResult r = send(op);
  EXPECT_FALSE(r.duplicate);
  const Message& m = r.message;
  EXPECT_EQ(m.conversation_id, "c1");
  EXPECT_EQ(m.seq, 2);
  EXPECT_EQ(m.message_id, op.message_id);
  EXPECT_EQ(m.sender_id, "alice");
  EXPECT_EQ(m.client_msg_id, "a1");
  EXPECT_EQ(m.content, "hello there");
  EXPECT_EQ(m.kind, "text");
  EXPECT_EQ(m.reply_to, "m_parent");
  EXPECT_EQ(m.ts, 2000);
  EXPECT_EQ(m.version, 1);
  EXPECT_FALSE(m.deleted);

  Message stored = must(store_->message("c1", op.message_id));
  EXPECT_EQ(stored.content, "hello there");
  EXPECT_EQ(stored.kind, "text");
  EXPECT_EQ(stored.reply_to, "m_parent");
  EXPECT_EQ(stored.client_msg_id, "a1");

  Conversation c = must(store_->get_conversation("c1"));
  EXPECT_EQ(c.last_seq, 2);
  EXPECT_EQ(c.last_activity_at, 2000);
  // The sender has seen what it sent; the others' marks stay where they were.
  EXPECT_EQ(member("c1", "alice").delivered_seq, 2);
  EXPECT_EQ(member("c1", "alice").read_seq, 2);
  EXPECT_EQ(member("c1", "bob").delivered_seq, 1);
  EXPECT_EQ(member("c1", "bob").read_seq, 1);

  auto list = must(store_->list_conversations("bob", 10, std::nullopt));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].last_message_at, 2000);
  EXPECT_EQ(list[0].last_activity_at, 2000);
  EXPECT_EQ(list[0].last_seq, 2);
}

TEST_P(StoreConformance, MediaIsStoredAsGivenAndReadBackEverywhere) {
  create(new_group("c1", "alice", {"bob"}));
  // Opaque text to the store: bytes that are JSON, quotes and non-ASCII kept.
  const std::string media =
      R"({"media_id":"md_1","name":"caf\u00e9 \"x\".png","size":42,"width":3,"height":2})";
  AppendMessage op = text("c1", "alice", "a1", "", 2000);
  op.kind = "image";
  op.media = media;
  AppendResult r = send(op);
  EXPECT_EQ(r.message.media, media);
  EXPECT_EQ(r.message.kind, "image");
  send(text("c1", "bob", "b1", "plain"));

  EXPECT_EQ(must(store_->message("c1", op.message_id)).media, media);
  auto page = must(store_->messages("c1", 0, 0, 10));
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(page.messages[0].media, media);
  EXPECT_EQ(page.messages[1].media, "");  // none given, none stored

  // A resend answers with the original's media, not the resend's.
  AppendMessage resend = op;
  resend.media = R"({"media_id":"md_other"})";
  AppendResult again = send(resend);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.message.media, media);

  // An edit keeps the attachment; a delete erases it with the content.
  EditResult edited = outcome<EditResult>(apply_one(edit("c1", op.message_id, "alice", "cap")));
  EXPECT_EQ(edited.message.media, media);
  EXPECT_EQ(must(store_->message("c1", op.message_id)).media, media);
  EditResult gone = outcome<EditResult>(apply_one(erase("c1", op.message_id, "alice")));
  EXPECT_EQ(gone.message.media, "");
  EXPECT_EQ(must(store_->message("c1", op.message_id)).media, "");
  EXPECT_EQ(must(store_->messages("c1", 0, 0, 10)).messages[0].media, "");
}

TEST_P(StoreConformance, ResendReturnsTheOriginalAndStoresNothing) {
  create(new_group("c1", "alice", {"bob"}));
  AppendResult original = send(text("c1", "alice", "k1", "first", 2000));
  send(text("c1", "bob", "other"));

  AppendResult again = send(text("c1", "alice", "k1", "changed", 9000));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.message.seq, original.message.seq);
  EXPECT_EQ(again.message.message_id, original.message.message_id);
  EXPECT_EQ(again.message.content, "first");
  EXPECT_EQ(again.message.ts, 2000);

  EXPECT_EQ(seqs("c1"), range(1, 2));
  Conversation c = must(store_->get_conversation("c1"));
  EXPECT_EQ(c.last_seq, 2);
  EXPECT_EQ(c.last_activity_at, 2000);
}

TEST_P(StoreConformance, ResendInTheSameBatchReturnsTheOriginal) {
  create(new_group("c1", "alice", {"bob"}));
  auto results = apply({text("c1", "alice", "k1", "one"), text("c1", "alice", "k1", "two"),
                        text("c1", "alice", "k2", "three")});
  ASSERT_EQ(results.size(), 3u);
  auto first = outcome<AppendResult>(std::move(results[0]));
  auto second = outcome<AppendResult>(std::move(results[1]));
  auto third = outcome<AppendResult>(std::move(results[2]));
  EXPECT_FALSE(first.duplicate);
  EXPECT_TRUE(second.duplicate);
  EXPECT_EQ(second.message.seq, first.message.seq);
  EXPECT_EQ(second.message.message_id, first.message.message_id);
  EXPECT_EQ(second.message.content, "one");
  EXPECT_EQ(third.message.seq, 2);
  EXPECT_EQ(seqs("c1"), range(1, 2));
}

TEST_P(StoreConformance, ClientIdsAreScopedToTheirSender) {
  create(new_group("c1", "alice", {"bob"}));
  EXPECT_FALSE(send(text("c1", "alice", "k1")).duplicate);
  EXPECT_FALSE(send(text("c1", "bob", "k1")).duplicate);
  // Without a client id there is nothing to de-duplicate on.
  EXPECT_FALSE(send(text("c1", "bob", "")).duplicate);
  EXPECT_FALSE(send(text("c1", "bob", "")).duplicate);
  EXPECT_EQ(seqs("c1"), range(1, 4));
}

TEST_P(StoreConformance, RefusedOpsFailAloneAndLeaveNothingBehind) {
  create(new_group("c1", "alice", {"bob"}));
  AppendMessage stranger = text("c1", "mallory", "x1");
  auto results = apply({
      text("c1", "alice", "a1"),
      text("nope", "alice", "a2"),
      stranger,
      read_up_to("c1", "bob", 7),
      edit("c1", "m_unknown", "alice", "x"),
      text("c1", "bob", "b1"),
  });
  ASSERT_EQ(results.size(), 6u);
  EXPECT_EQ(outcome<AppendResult>(std::move(results[0])).message.seq, 1);
  EXPECT_EQ(code(results[1]), "not_found");
  EXPECT_EQ(code(results[2]), "not_member");
  EXPECT_EQ(code(results[3]), "bad_request");
  EXPECT_EQ(code(results[4]), "not_found");
  EXPECT_EQ(outcome<AppendResult>(std::move(results[5])).message.seq, 2);

  EXPECT_EQ(seqs("c1"), range(1, 2));
  EXPECT_EQ(code(store_->message("c1", stranger.message_id)), "not_found");
  EXPECT_EQ(must(store_->get_conversation("c1")).last_seq, 2);
  EXPECT_EQ(member("c1", "bob").read_seq, 2);
  // The refused stranger's client id was not recorded either.
  create(new_group("c2", "mallory", {}));
  EXPECT_FALSE(send(text("c2", "mallory", "x1")).duplicate);
}

TEST_P(StoreConformance, ReusedMessageIdIsConflictForThatOpOnly) {
  create(new_group("c1", "alice", {"bob"}));
  AppendResult first = send(text("c1", "alice", "a1"));
  AppendMessage reuse = text("c1", "bob", "b1");
  reuse.message_id = first.message.message_id;
  auto results = apply({reuse, text("c1", "bob", "b2")});
  EXPECT_EQ(code(results[0]), "conflict");
  EXPECT_EQ(outcome<AppendResult>(std::move(results[1])).message.seq, 2);
  EXPECT_EQ(seqs("c1"), range(1, 2));
}

// ---- Edits and deletes ----

TEST_P(StoreConformance, EditByAnyoneButTheSenderIsForbidden) {
  create(new_group("c1", "alice", {"bob"}));
  AppendResult sent = send(text("c1", "alice", "a1", "mine"));
  auto r = apply_one(edit("c1", sent.message.message_id, "bob", "hijacked"));
  EXPECT_EQ(code(r), "forbidden");
  EXPECT_EQ(code(apply_one(erase("c1", sent.message.message_id, "bob"))), "forbidden");
  Message m = must(store_->message("c1", sent.message.message_id));
  EXPECT_EQ(m.content, "mine");
  EXPECT_EQ(m.version, 1);
}

TEST_P(StoreConformance, EditBumpsVersionAndHistoryShowsTheLatest) {
  create(new_group("c1", "alice", {"bob"}));
  AppendResult sent = send(text("c1", "alice", "a1", "helo", 2000));
  const std::string id = sent.message.message_id;

  EditResult first = outcome<EditResult>(apply_one(edit("c1", id, "alice", "hello")));
  EXPECT_EQ(first.message.version, 2);
  EXPECT_EQ(first.message.content, "hello");
  EditResult second = outcome<EditResult>(apply_one(edit("c1", id, "alice", "hello!")));
  EXPECT_EQ(second.message.version, 3);
  EXPECT_EQ(second.message.seq, 1);
  EXPECT_EQ(second.message.ts, 2000);
  EXPECT_FALSE(second.message.deleted);

  auto page = must(store_->messages("c1", 0, 0, 10));
  ASSERT_EQ(page.messages.size(), 1u);
  EXPECT_EQ(page.messages[0].content, "hello!");
  EXPECT_EQ(page.messages[0].version, 3);
  EXPECT_EQ(must(store_->message("c1", id)).content, "hello!");
  // An edit is not new activity.
  EXPECT_EQ(must(store_->get_conversation("c1")).last_seq, 1);
}

TEST_P(StoreConformance, EditOfAnUnknownMessageIsNotFound) {
  create(new_group("c1", "alice", {"bob"}));
  create(new_group("c2", "alice", {"bob"}));
  AppendResult sent = send(text("c1", "alice", "a1"));
  EXPECT_EQ(code(apply_one(edit("c1", "m_nope", "alice", "x"))), "not_found");
  // The message exists, but not in the conversation named.
  EXPECT_EQ(code(apply_one(edit("c2", sent.message.message_id, "alice", "x"))), "not_found");
  EXPECT_EQ(code(store_->message("c2", sent.message.message_id)), "not_found");
}

TEST_P(StoreConformance, DeleteErasesContentAndMarksDeleted) {
  create(new_group("c1", "alice", {"bob"}));
  AppendResult sent = send(text("c1", "alice", "a1", "secret words"));
  send(text("c1", "bob", "b1", "reply"));
  const std::string id = sent.message.message_id;

  EditResult gone = outcome<EditResult>(apply_one(erase("c1", id, "alice")));
  EXPECT_TRUE(gone.message.deleted);
  EXPECT_EQ(gone.message.content, "");
  EXPECT_EQ(gone.message.version, 2);
  EXPECT_EQ(gone.message.seq, 1);

  // History keeps the tombstone in its place, so seqs stay contiguous.
  auto page = must(store_->messages("c1", 0, 0, 10));
  ASSERT_EQ(page_seqs(page), range(1, 2));
  EXPECT_TRUE(page.messages[0].deleted);
  EXPECT_EQ(page.messages[0].content, "");
  EXPECT_EQ(page.messages[0].version, 2);
  EXPECT_EQ(page.messages[1].content, "reply");

  // Deleting again is a harmless retry; editing a deleted message is not.
  EditResult again = outcome<EditResult>(apply_one(erase("c1", id, "alice")));
  EXPECT_EQ(again.message.version, 2);
  EXPECT_TRUE(again.message.deleted);
  EXPECT_EQ(code(apply_one(edit("c1", id, "alice", "back"))), "not_found");
  EXPECT_EQ(code(apply_one(erase("c1", id, "bob"))), "forbidden");
  EXPECT_EQ(must(store_->message("c1", id)).version, 2);

  // A resend of the deleted message answers with the tombstone.
  AppendResult resent = send(text("c1", "alice", "a1", "secret words"));
  EXPECT_TRUE(resent.duplicate);
  EXPECT_TRUE(resent.message.deleted);
  EXPECT_EQ(resent.message.content, "");
}

// ---- Receipts ----

TEST_P(StoreConformance, ReceiptsNeverMoveBackwards) {
  create(new_group("c1", "alice", {"bob"}));
  for (int i = 0; i < 5; ++i) send(text("c1", "alice", join("a", i)));

  auto r = outcome<ReceiptResult>(apply_one(delivered_up_to("c1", "bob", 3)));
  EXPECT_TRUE(r.advanced);
  EXPECT_EQ(r.delivered_seq, 3);
  EXPECT_EQ(r.read_seq, 0);

  r = outcome<ReceiptResult>(apply_one(delivered_up_to("c1", "bob", 2)));
  EXPECT_FALSE(r.advanced);
  EXPECT_EQ(r.delivered_seq, 3);

  r = outcome<ReceiptResult>(apply_one(read_up_to("c1", "bob", 2)));
  EXPECT_TRUE(r.advanced);
  EXPECT_EQ(r.delivered_seq, 3);
  EXPECT_EQ(r.read_seq, 2);

  r = outcome<ReceiptResult>(apply_one(read_up_to("c1", "bob", 1)));
  EXPECT_FALSE(r.advanced);
  EXPECT_EQ(r.read_seq, 2);

  r = outcome<ReceiptResult>(apply_one(read_up_to("c1", "bob", 0)));
  EXPECT_FALSE(r.advanced);

  Member bob = member("c1", "bob");
  EXPECT_EQ(bob.delivered_seq, 3);
  EXPECT_EQ(bob.read_seq, 2);
}

TEST_P(StoreConformance, ReadRaisesDelivered) {
  create(new_group("c1", "alice", {"bob"}));
  for (int i = 0; i < 4; ++i) send(text("c1", "alice", join("a", i)));
  auto r = outcome<ReceiptResult>(apply_one(read_up_to("c1", "bob", 4)));
  EXPECT_TRUE(r.advanced);
  EXPECT_EQ(r.delivered_seq, 4);
  EXPECT_EQ(r.read_seq, 4);
  // Delivery is already past 3, so this moves nothing.
  r = outcome<ReceiptResult>(apply_one(delivered_up_to("c1", "bob", 3)));
  EXPECT_FALSE(r.advanced);
  EXPECT_EQ(member("c1", "bob").delivered_seq, 4);
  EXPECT_EQ(member("c1", "bob").read_seq, 4);
}

TEST_P(StoreConformance, ReceiptOutsideTheConversationIsRefused) {
  create(new_group("c1", "alice", {"bob"}));
  send(text("c1", "alice", "a1"));
  EXPECT_EQ(code(apply_one(read_up_to("c1", "bob", 2))), "bad_request");
  EXPECT_EQ(code(apply_one(delivered_up_to("c1", "bob", -1))), "bad_request");
  EXPECT_EQ(code(apply_one(read_up_to("c1", "mallory", 1))), "not_member");
  EXPECT_EQ(code(apply_one(read_up_to("nope", "bob", 1))), "not_found");
  EXPECT_EQ(member("c1", "bob").delivered_seq, 0);
}

TEST_P(StoreConformance, SenderMarksAdvanceOnSend) {
  create(new_group("c1", "alice", {"bob"}));
  send(text("c1", "alice", "a1"));
  send(text("c1", "alice", "a2"));
  must(apply_one(read_up_to("c1", "bob", 1)));
  send(text("c1", "bob", "b1"));
  Member bob = member("c1", "bob");
  EXPECT_EQ(bob.delivered_seq, 3);
  EXPECT_EQ(bob.read_seq, 3);
  auto list = must(store_->list_conversations("bob", 10, std::nullopt));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].read_seq, 3);
}

// ---- Listing conversations ----

TEST_P(StoreConformance, ListConversationsShowsMostRecentActivityFirst) {
  create(new_group("old", "alice", {"bob"}, 1000));
  create(new_group("mid", "alice", {"bob"}, 2000));
  create(new_group("new", "alice", {}, 3000));
  create(new_group("not-mine", "carol", {"bob"}, 9000));
  send(text("old", "bob", "b1", "wake up", 5000));
  send(text("old", "bob", "b2", "again", 5001));
  must(apply_one(read_up_to("old", "alice", 1)));

  auto list = must(store_->list_conversations("alice", 10, std::nullopt));
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].id, "old");
  EXPECT_EQ(list[1].id, "new");
  EXPECT_EQ(list[2].id, "mid");

  EXPECT_EQ(list[0].type, "group");
  EXPECT_EQ(list[0].name, "team");
  EXPECT_EQ(list[0].last_seq, 2);
  EXPECT_EQ(list[0].last_activity_at, 5001);
  EXPECT_EQ(list[0].last_message_at, 5001);
  EXPECT_EQ(list[0].read_seq, 1);  // alice's mark, not bob's
  EXPECT_EQ(list[1].last_activity_at, 3000);
  EXPECT_EQ(list[1].last_message_at, 0);  // empty conversation
  EXPECT_EQ(list[1].last_seq, 0);

  auto bobs = must(store_->list_conversations("bob", 10, std::nullopt));
  ASSERT_EQ(bobs.size(), 3u);
  EXPECT_EQ(bobs[0].id, "not-mine");
  EXPECT_EQ(bobs[1].id, "old");
  EXPECT_EQ(bobs[1].read_seq, 2);  // bob's own mark, moved by his sends
  EXPECT_TRUE(must(store_->list_conversations("nobody", 10, std::nullopt)).empty());
}

TEST_P(StoreConformance, ListConversationsPagesWithACursor) {
  // Ties on last_activity_at are broken by id, descending.
  const std::vector<std::pair<std::string, std::int64_t>> convs = {
      {"c_a", 100}, {"c_b", 300}, {"c_c", 300}, {"c_d", 200},
      {"c_e", 300}, {"c_f", 50},  {"c_g", 200},
  };
  for (const auto& [id, at] : convs) create(new_group(id, "alice", {"bob"}, at));
  const std::vector<std::string> expected = {"c_e", "c_c", "c_b", "c_g", "c_d", "c_a", "c_f"};

  std::vector<std::string> seen;
  std::optional<ListCursor> cursor;
  int pages = 0;
  while (true) {
    auto page = must(store_->list_conversations("alice", 3, cursor));
    if (page.empty()) break;
    ++pages;
    EXPECT_LE(page.size(), 3u);
    for (const auto& s : page) seen.push_back(s.id);
    cursor = ListCursor{page.back().last_activity_at, page.back().id};
    ASSERT_LT(pages, 10) << "paging does not end";
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(seen, [&] {
    std::vector<std::string> all;
    for (const auto& s : must(store_->list_conversations("alice", 100, std::nullopt))) {
      all.push_back(s.id);
    }
    return all;
  }());

  // A message moves a conversation to the front.
  send(text("c_f", "bob", "b1", "hi", 1000));
  auto first = must(store_->list_conversations("alice", 2, std::nullopt));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].id, "c_f");
  EXPECT_EQ(first[1].id, "c_e");
  EXPECT_TRUE(must(store_->list_conversations("alice", 0, std::nullopt)).empty());
}

// ---- History ----

class MessagePaging : public StoreConformance {
 protected:
  void SetUp() override {
    StoreConformance::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    create(new_group("c1", "alice", {"bob"}));
    std::vector<WriteOp> batch;
    for (int i = 1; i <= 10; ++i) batch.push_back(text("c1", "alice", join("a", i)));
    for (auto& r : apply(batch)) must(std::move(r));
  }
  std::pair<std::vector<std::int64_t>, bool> page(std::int64_t before, std::int64_t after,
                                                  int limit) {
    auto p = must(store_->messages("c1", before, after, limit));
    return {page_seqs(p), p.has_more};
  }
  using Page = std::pair<std::vector<std::int64_t>, bool>;
};

TEST_P(MessagePaging, LatestFirstWhenNoBoundIsGiven) {
  EXPECT_EQ(page(0, 0, 3), Page(range(8, 10), true));
  EXPECT_EQ(page(0, 0, 10), Page(range(1, 10), false));
  EXPECT_EQ(page(0, 0, 200), Page(range(1, 10), false));
}

TEST_P(MessagePaging, BeforeSeqGivesTheLatestBelowIt) {
  EXPECT_EQ(page(8, 0, 3), Page(range(5, 7), true));
  EXPECT_EQ(page(4, 0, 3), Page(range(1, 3), false));
  EXPECT_EQ(page(3, 0, 5), Page(range(1, 2), false));
  EXPECT_EQ(page(1, 0, 5), Page({}, false));
  EXPECT_EQ(page(99, 0, 2), Page(range(9, 10), true));
}

TEST_P(MessagePaging, AfterSeqGivesTheOldestAboveIt) {
  EXPECT_EQ(page(0, 2, 3), Page(range(3, 5), true));
  EXPECT_EQ(page(0, 7, 3), Page(range(8, 10), false));
  EXPECT_EQ(page(0, 7, 5), Page(range(8, 10), false));
  EXPECT_EQ(page(0, 10, 5), Page({}, false));
}

TEST_P(MessagePaging, OldestFirstFromTheVeryBeginning) {
  EXPECT_EQ(page(kOldestFirst, 0, 3), Page(range(1, 3), true));
  EXPECT_EQ(page(kOldestFirst, 0, 50), Page(range(1, 10), false));
}

TEST_P(MessagePaging, BothBoundsReadTheRangeFromItsLowEnd) {
  EXPECT_EQ(page(9, 2, 3), Page(range(3, 5), true));
  EXPECT_EQ(page(9, 2, 6), Page(range(3, 8), false));
  EXPECT_EQ(page(9, 2, 50), Page(range(3, 8), false));
  EXPECT_EQ(page(4, 3, 5), Page({}, false));
}

TEST_P(MessagePaging, WalkingBackwardsVisitsEveryMessageOnce) {
  std::vector<std::int64_t> seen;
  std::int64_t before = 0;
  for (bool more = true; more;) {
    auto [got, has_more] = page(before, 0, 4);
    seen.insert(seen.begin(), got.begin(), got.end());
    before = got.front();
    more = has_more;
  }
  EXPECT_EQ(seen, range(1, 10));
}

TEST_P(MessagePaging, InvalidArgumentsAreBadRequest) {
  EXPECT_EQ(code(store_->messages("c1", -1, 0, 5)), "bad_request");
  EXPECT_EQ(code(store_->messages("c1", 0, -1, 5)), "bad_request");
  EXPECT_EQ(code(store_->messages("c1", 0, 0, 0)), "bad_request");
}

TEST_P(StoreConformance, EmptyConversationHasAnEmptyHistory) {
  create(new_group("c1", "alice", {}));
  auto p = must(store_->messages("c1", 0, 0, 50));
  EXPECT_TRUE(p.messages.empty());
  EXPECT_FALSE(p.has_more);
}

// ---- Membership ----

TEST_P(StoreConformance, AddMember) {
  create(new_group("c1", "alice", {"bob"}));
  send(text("c1", "alice", "a1"));
  ASSERT_EQ(code(store_->add_member("c1", "carol", 7777)), "ok");
  Member carol = member("c1", "carol");
  EXPECT_EQ(carol.role, "member");
  EXPECT_EQ(carol.joined_at, 7777);
  EXPECT_EQ(carol.delivered_seq, 0);
  EXPECT_EQ(carol.read_seq, 0);
  EXPECT_EQ(must(store_->member_ids("c1")), (std::vector<std::string>{"alice", "bob", "carol"}));
  EXPECT_EQ(send(text("c1", "carol", "c1")).message.seq, 2);

  EXPECT_EQ(code(store_->add_member("c1", "carol", 8888)), "conflict");
  EXPECT_EQ(code(store_->add_member("c1", "alice", 8888)), "conflict");
  EXPECT_EQ(member("c1", "carol").joined_at, 7777);
  EXPECT_EQ(code(store_->add_member("c1", "bad id", 1)), "bad_request");
  EXPECT_EQ(code(store_->add_member("nope", "carol", 1)), "not_found");
}

TEST_P(StoreConformance, MembersOfSeveralConversationsAtOnce) {
  create(new_group("c1", "alice", {"carol", "bob"}));
  create(new_direct("d1", "alice", "dave"));
  create(new_group("c2", "erin", {}));
  ASSERT_EQ(code(store_->remove_member("c2", "erin")), "ok");  // no members left
  const std::vector<std::string> ids{"d1", "nope", "c1", "c2", std::string("bad\0id", 6)};
  auto got = must(store_->members_of(ids));
  EXPECT_EQ(got, (Store::MembersByConversation{{"c1", {"alice", "bob", "carol"}},
                                               {"c2", {}},
                                               {"d1", {"alice", "dave"}}}))
      << "unknown conversations are left out";
  EXPECT_TRUE(must(store_->members_of({})).empty());
}

TEST_P(StoreConformance, DirectConversationsHaveFixedMembers) {
  create(new_direct("d1", "alice", "bob"));
  EXPECT_EQ(code(store_->add_member("d1", "carol", 1)), "bad_request");
  EXPECT_EQ(must(store_->member_ids("d1")), (std::vector<std::string>{"alice", "bob"}));
}

TEST_P(StoreConformance, RemoveMember) {
  create(new_group("c1", "alice", {"bob", "carol"}));
  ASSERT_EQ(code(store_->remove_member("c1", "bob")), "ok");
  EXPECT_EQ(must(store_->member_ids("c1")), (std::vector<std::string>{"alice", "carol"}));
  EXPECT_EQ(code(store_->remove_member("c1", "bob")), "not_found");
  EXPECT_EQ(code(store_->remove_member("c1", "dave")), "not_found");
  EXPECT_EQ(code(apply_one(text("c1", "bob", "b1"))), "not_member");
  EXPECT_TRUE(must(store_->list_conversations("bob", 10, std::nullopt)).empty());

  // Everyone may leave; the conversation stays, empty.
  ASSERT_EQ(code(store_->remove_member("c1", "alice")), "ok");
  ASSERT_EQ(code(store_->remove_member("c1", "carol")), "ok");
  EXPECT_TRUE(must(store_->member_ids("c1")).empty());
  EXPECT_EQ(must(store_->get_conversation("c1")).created_by, "alice");
}

TEST_P(StoreConformance, ContactsAreEveryoneSharingAConversation) {
  create(new_group("c1", "alice", {"bob", "carol"}));
  create(new_direct("d1", "dave", "alice"));
  create(new_group("c2", "bob", {"erin"}));
  create(new_group("solo", "frank", {}));
  EXPECT_EQ(must(store_->contacts("alice")), (std::vector<std::string>{"bob", "carol", "dave"}));
  EXPECT_EQ(must(store_->contacts("bob")), (std::vector<std::string>{"alice", "carol", "erin"}));
  EXPECT_TRUE(must(store_->contacts("frank")).empty());
  EXPECT_TRUE(must(store_->contacts("nobody")).empty());
  ASSERT_EQ(code(store_->remove_member("c1", "carol")), "ok");
  EXPECT_EQ(must(store_->contacts("carol")), std::vector<std::string>{});
}

// ---- Concurrency ----

TEST_P(StoreConformance, ReadsRunWhileABatchWriterIsBusy) {
  create(new_group("c1", "alice", {"bob"}));
  constexpr int kBatches = 20, kPerBatch = 25;
  std::atomic<bool> writing{true};
  std::atomic<int> read_errors{0};
  std::thread reader([&] {
    while (writing) {
      auto page = store_->messages("c1", 0, 0, 50);
      auto list = store_->list_conversations("bob", 10, std::nullopt);
      if (!page || !list) ++read_errors;
      // A reader only ever sees whole batches.
      if (page && page->messages.size() % kPerBatch != 0 && !page->has_more) ++read_errors;
    }
  });
  for (int b = 0; b < kBatches; ++b) {
    std::vector<WriteOp> batch;
    for (int i = 0; i < kPerBatch; ++i) {
      batch.push_back(text("c1", "alice", join("k", b, "-", i)));
    }
    for (auto& r : apply(batch)) must(std::move(r));
  }
  writing = false;
  reader.join();
  EXPECT_EQ(read_errors, 0);
  EXPECT_EQ(must(store_->get_conversation("c1")).last_seq, kBatches * kPerBatch);
}

// Names with "Postgres" need PARLEY_PG_URLS; CMake files them under the
// integration label by that word (src/store/CMakeLists.txt).
const Backend kBackends[] = {
    {"Memory", [](Scratch&) -> std::unique_ptr<Store> { return std::make_unique<MemoryStore>(); }},
    {"Sqlite", open_sqlite},
    // One shard must be exactly that shard; three split every suite's data.
    {"ShardedMemory1", [](Scratch&) { return open_sharded_memory(1); }},
    {"ShardedMemory3", [](Scratch&) { return open_sharded_memory(3); }},
    {"Postgres", [](Scratch& scratch) { return open_postgres(scratch, 0); }},
    {"ShardedPostgres2", [](Scratch& scratch) { return open_postgres(scratch, 2); }},
};

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::ValuesIn(kBackends),
                         backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, MessagePaging, ::testing::ValuesIn(kBackends), backend_name);

}  // namespace
}  // namespace parley::store
