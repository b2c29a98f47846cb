// The outbox contract (store.h, OutboxEntry), checked against every backend
// with its outbox on: one row per change, in the change's transaction, with
// the same ids, types and bodies everywhere. PostgreSQL instances need
// PARLEY_PG_URLS (integration label, by the word "Postgres" in their name).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "store/memory/memory_store.h"
#include "store/postgres/pg_store.h"
#include "store/postgres/pg_test_support.h"
#include "store/sharded/sharded_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_test_support.h"

namespace parley::store {
namespace {

using namespace test_support;
namespace json = boost::json;

using Scratch = std::shared_ptr<void>;
constexpr StoreOptions kOn{.outbox = true};

struct OutboxBackend {
  std::string name;
  std::function<std::unique_ptr<Store>(Scratch&, StoreOptions)> make;
};
void PrintTo(const OutboxBackend& b, std::ostream* os) { *os << b.name; }

template <class T>
std::unique_ptr<Store> opened(Result<std::unique_ptr<T>> store) {
  if (!store) {
    ADD_FAILURE() << "open: " << store.error().message;
    return nullptr;
  }
  return std::move(store).value();
}

std::unique_ptr<Store> sharded_memory(int n, StoreOptions o) {
  std::vector<Shard> list;
  for (int i = 0; i < n; ++i) list.push_back({join("m", i), std::make_unique<MemoryStore>(o)});
  return opened(ShardedStore::create(std::move(list)));
}

std::unique_ptr<Store> postgres(Scratch& scratch, std::size_t shards, StoreOptions o) {
  auto urls = pg_urls();
  urls.resize(std::max<std::size_t>(shards, 1));
  auto schema = std::make_shared<ScratchSchema>(urls);
  scratch = schema;
  if (shards == 0) return opened(PostgresStore::open(schema->url(0), o));
  std::vector<Shard> list;
  for (std::size_t i = 0; i < shards; ++i) {
    auto store = PostgresStore::open(schema->url(i), o);
    if (!store) return opened(std::move(store));
    list.push_back({join("pg", i), std::move(store).value()});
  }
  return opened(ShardedStore::create(std::move(list)));
}

class OutboxConformance : public ::testing::TestWithParam<OutboxBackend> {
 protected:
  void SetUp() override {
    const std::string& name = GetParam().name;
    if (name.find("Postgres") != std::string::npos) {
      if (pg_urls().empty()) GTEST_SKIP() << kNoPostgres;
      if (name.starts_with("Sharded") && pg_urls().size() < 2) {
        GTEST_SKIP() << "PARLEY_PG_URLS names fewer than 2 databases";
      }
    }
    store_ = GetParam().make(scratch_, kOn);
    ASSERT_NE(store_, nullptr);
    must(store_->create_conversation(new_group("c1", "alice", {"bob"})));
  }

  WriteResult apply_one(WriteOp op) { return std::move(store_->apply({&op, 1}).front()); }
  Message send(AppendMessage m) {
    return std::get<AppendResult>(must(apply_one(std::move(m)))).message;
  }

  // Every row of every outbox (one per shard), of conversation c (all when
  // empty), in id order within each outbox.
  std::vector<OutboxEntry> rows(std::string_view c = {}) {
    std::vector<OutboxEntry> out;
    for (Store* s : store_->outboxes()) {
      for (auto& e : must(s->outbox_read(0, 10000))) {
        if (c.empty() || e.conversation_id == c) out.push_back(std::move(e));
      }
    }
    return out;
  }

  Scratch scratch_;
  std::unique_ptr<Store> store_;
};

json::object body(const OutboxEntry& e) {
  json::value v = json::parse(e.body);
  EXPECT_TRUE(v.is_object()) << e.body;
  return v.is_object() ? v.get_object() : json::object();
}

TEST_P(OutboxConformance, AnAppendWritesOneCreatedEventWithTheWireMessage) {
  Message m = send(text("c1", "alice", "k1", "hello", 2000));
  auto r = rows();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_GT(r[0].id, 0);
  EXPECT_EQ(r[0].event_id, "c1/1/v1");
  EXPECT_EQ(r[0].type, "message.created");
  EXPECT_EQ(r[0].conversation_id, "c1");
  EXPECT_EQ(r[0].seq, 1);
  json::object b = body(r[0]);
  EXPECT_EQ(b["conversation_id"], "c1");
  EXPECT_EQ(b["seq"], 1);
  EXPECT_EQ(b["message_id"], json::string(m.message_id));
  EXPECT_EQ(b["sender_id"], "alice");
  EXPECT_EQ(b["client_msg_id"], "k1");
  EXPECT_EQ(b["content"], "hello");
  EXPECT_EQ(b["kind"], "text");
  EXPECT_TRUE(b["reply_to"].is_null());
  EXPECT_EQ(b["ts"], 2000);
  EXPECT_EQ(b["version"], 1);
  EXPECT_EQ(b["deleted"], false);
}

TEST_P(OutboxConformance, DuplicatesAndRefusalsWriteNothing) {
  send(text("c1", "alice", "k1"));
  send(text("c1", "alice", "k1"));                         // duplicate
  EXPECT_FALSE(apply_one(text("c1", "mallory", "k2")).ok());  // not a member
  EXPECT_FALSE(apply_one(text("nope", "alice", "k3")).ok());  // no conversation
  EXPECT_EQ(rows().size(), 1u);
}

TEST_P(OutboxConformance, ContentIsEscapedAndAttachmentsEmbedded) {
  const std::string content = "quote \" backslash \\ newline \n tab \t nul \x01 caf\xC3\xA9 \xF0\x9F\x98\x80";
  AppendMessage op = text("c1", "alice", "k1", content);
  op.kind = "image";
  op.media = R"({"media_id":"md_1","size":42})";
  op.reply_to = "m_other";
  send(op);
  json::object b = body(rows().at(0));
  EXPECT_EQ(b["content"], json::string(content));
  EXPECT_EQ(b["reply_to"], "m_other");
  ASSERT_TRUE(b["media"].is_object());
  EXPECT_EQ(b["media"].get_object()["media_id"], "md_1");
}

TEST_P(OutboxConformance, EditsAndDeletesThatChangeAMessageWriteAnEvent) {
  Message m = send(text("c1", "alice", "k1", "first"));
  must(apply_one(edit("c1", m.message_id, "alice", "second")));
  EXPECT_FALSE(apply_one(edit("c1", m.message_id, "bob", "theirs")).ok());  // forbidden
  must(apply_one(erase("c1", m.message_id, "alice")));
  must(apply_one(erase("c1", m.message_id, "alice")));  // already deleted: unchanged
  auto r = rows();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1].event_id, "c1/1/v2");
  EXPECT_EQ(r[1].type, "message.edited");
  EXPECT_EQ(body(r[1])["content"], "second");
  EXPECT_EQ(body(r[1])["version"], 2);
  EXPECT_EQ(r[2].event_id, "c1/1/v3");
  EXPECT_EQ(r[2].type, "message.deleted");
  EXPECT_EQ(body(r[2])["content"], "");
  EXPECT_EQ(body(r[2])["deleted"], true);
  EXPECT_LT(r[0].id, r[1].id);
  EXPECT_LT(r[1].id, r[2].id);
}

TEST_P(OutboxConformance, OnlyReceiptsThatAdvanceWriteAnEvent) {
  send(text("c1", "alice", "k1"));
  send(text("c1", "alice", "k2"));
  must(apply_one(delivered_up_to("c1", "bob", 1)));
  must(apply_one(delivered_up_to("c1", "bob", 1)));  // no move
  must(apply_one(read_up_to("c1", "bob", 2)));
  must(apply_one(delivered_up_to("c1", "bob", 2)));  // read raised it already
  must(apply_one(read_up_to("c1", "alice", 2)));     // the sender's marks moved on send
  auto r = rows();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[2].event_id, "c1/r/bob/d/1");
  EXPECT_EQ(r[2].type, "receipt");
  EXPECT_EQ(r[2].seq, 1);
  json::object b = body(r[2]);
  EXPECT_EQ(b["user_id"], "bob");
  EXPECT_EQ(b["read"], false);
  EXPECT_EQ(b["seq"], 1);
  EXPECT_EQ(r[3].event_id, "c1/r/bob/r/2");
  EXPECT_EQ(body(r[3])["read"], true);
}

TEST_P(OutboxConformance, RowsOfAConversationFollowCommitOrderAcrossBatches) {
  must(store_->create_conversation(new_group("c2", "alice", {"bob"})));
  for (int b = 0; b < 4; ++b) {
    std::vector<WriteOp> batch;
    for (int i = 0; i < 5; ++i) batch.push_back(text(i % 2 ? "c2" : "c1", "alice", join("k", b, i)));
    for (auto& r : store_->apply(batch)) must(std::move(r));
  }
  for (const char* c : {"c1", "c2"}) {
    auto r = rows(c);
    ASSERT_EQ(r.size(), c == std::string("c1") ? 12u : 8u);
    for (std::size_t i = 0; i < r.size(); ++i) EXPECT_EQ(r[i].seq, static_cast<std::int64_t>(i + 1));
  }
}

TEST_P(OutboxConformance, ReadPagesAfterAnIdAndRemoveTakesExactlyTheGivenRows) {
  for (int i = 0; i < 5; ++i) send(text("c1", "alice", join("k", i)));
  // The conversation lives on one shard (its home); find it.
  Store* home = nullptr;
  for (Store* s : store_->outboxes()) {
    if (!must(s->outbox_read(0, 10)).empty()) home = s;
  }
  ASSERT_NE(home, nullptr);
  auto all = must(home->outbox_read(0, 10));
  ASSERT_EQ(all.size(), 5u);
  auto page = must(home->outbox_read(all[1].id, 2));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].id, all[2].id);
  EXPECT_EQ(page[1].id, all[3].id);
  std::vector<std::int64_t> gone{all[0].id, all[2].id, 987654321};
  must(home->outbox_remove(gone));
  auto left = must(home->outbox_read(0, 10));
  ASSERT_EQ(left.size(), 3u);
  EXPECT_EQ(left[0].id, all[1].id);
  EXPECT_EQ(left[1].id, all[3].id);
  EXPECT_EQ(left[2].id, all[4].id);
  // New rows never reuse removed ids.
  send(text("c1", "alice", "later"));
  EXPECT_GT(must(home->outbox_read(all[4].id, 10)).at(0).id, all[4].id);
}

TEST_P(OutboxConformance, OffWritesNoRows) {
  Scratch scratch;
  auto off = GetParam().make(scratch, StoreOptions{});
  ASSERT_NE(off, nullptr);
  must(off->create_conversation(new_group("c1", "alice", {"bob"})));
  WriteOp op = text("c1", "alice", "k1");
  must(std::move(off->apply({&op, 1}).front()));
  for (Store* s : off->outboxes()) EXPECT_TRUE(must(s->outbox_read(0, 10)).empty());
}

const OutboxBackend kOutboxBackends[] = {
    {"Memory", [](Scratch&, StoreOptions o) -> std::unique_ptr<Store> {
       return std::make_unique<MemoryStore>(o);
     }},
    {"Sqlite",
     [](Scratch& scratch, StoreOptions o) {
       auto file = std::make_shared<TempDbFile>();
       scratch = file;
       return opened(SqliteStore::open(file->path().string(), o));
     }},
    {"ShardedMemory1", [](Scratch&, StoreOptions o) { return sharded_memory(1, o); }},
    {"ShardedMemory3", [](Scratch&, StoreOptions o) { return sharded_memory(3, o); }},
    {"Postgres", [](Scratch& s, StoreOptions o) { return postgres(s, 0, o); }},
    {"ShardedPostgres2", [](Scratch& s, StoreOptions o) { return postgres(s, 2, o); }},
};

INSTANTIATE_TEST_SUITE_P(Backends, OutboxConformance, ::testing::ValuesIn(kOutboxBackends),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace parley::store
