// What only the PostgreSQL store can promise: migrations that run once however
// many gateways start, durability across reopening, all-or-nothing batches,
// exact bytes, several gateways writing one database, failing fast (and
// recovering) when the server goes away, and a rough idea of throughput.
//
// Needs a server: PARLEY_PG_URLS (scripts/services/postgres.sh). Without it
// every test skips, except the one that needs no server at all.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "store/postgres/pg_schema.h"
#include "store/postgres/pg_store.h"
#include "store/postgres/pg_test_support.h"
#include "store/sharded/sharded_store.h"
#include "store/store_test_support.h"

namespace parley::store {
namespace {

using namespace test_support;
using Clock = std::chrono::steady_clock;

std::unique_ptr<PostgresStore> open_store(const std::string& url) {
  auto store = PostgresStore::open(url);
  if (!store) {
    ADD_FAILURE() << "open: " << store.error().message;
    return nullptr;
  }
  return std::move(store).value();
}

WriteResult apply_one(Store& store, WriteOp op) { return std::move(store.apply({&op, 1}).front()); }

AppendResult send(Store& store, AppendMessage op) {
  return std::get<AppendResult>(must(apply_one(store, std::move(op))));
}

// Each test gets a scratch schema in the first database (both for sharded ones).
class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (pg_urls().empty()) GTEST_SKIP() << kNoPostgres;
    schema_ = std::make_unique<ScratchSchema>(std::vector<std::string>{pg_urls().front()});
  }
  std::string url() const { return schema_->url(0); }
  RawPg raw() const { return RawPg(url()); }

  std::unique_ptr<ScratchSchema> schema_;
};

// ---- Migrations ----

TEST_F(PostgresStoreTest, MigrationsRunOnceAndReopeningMigratesNothing) {
  { ASSERT_NE(open_store(url()), nullptr); }
  { ASSERT_NE(open_store(url()), nullptr); }
  RawPg db = raw();
  const std::string version = std::to_string(pg::schema_version());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM schema_migrations"), version);
  EXPECT_EQ(db.scalar("SELECT max(version) FROM schema_migrations"), version);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = '" + schema_->name() +
                      "' AND tablename IN ('conversations', 'members', 'messages')"),
            "3");
}

TEST_F(PostgresStoreTest, GatewaysStartingTogetherMigrateOnce) {
  constexpr int kGateways = 6;
  std::vector<std::thread> threads;
  std::atomic<int> opened{0};
  for (int i = 0; i < kGateways; ++i) {
    threads.emplace_back([&] {
      if (PostgresStore::open(url())) ++opened;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(opened, kGateways);
  EXPECT_EQ(raw().scalar("SELECT count(*) FROM schema_migrations"),
            std::to_string(pg::schema_version()));
}

TEST_F(PostgresStoreTest, RefusesADatabaseFromANewerBuild) {
  { ASSERT_NE(open_store(url()), nullptr); }
  raw().exec("INSERT INTO schema_migrations (version) VALUES (999)");
  auto store = PostgresStore::open(url());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(code(store), "internal");
}

// ---- Durability and batches ----

TEST_F(PostgresStoreTest, DataSurvivesClosingAndReopening) {
  std::string message_id;
  {
    auto store = open_store(url());
    ASSERT_NE(store, nullptr);
    must(store->create_conversation(new_group("c1", "alice", {"bob"}, 1000)));
    must(store->create_conversation(new_direct("d1", "alice", "carol", 1100)));
    message_id = send(*store, text("c1", "alice", "a1", "first", 2000)).message.message_id;
    send(*store, text("c1", "bob", "b1", "second", 2100));
    must(apply_one(*store, edit("c1", message_id, "alice", "first, edited")));
    must(apply_one(*store, delivered_up_to("c1", "alice", 2)));
    ASSERT_TRUE(store->add_member("c1", "dave", 3000).ok());
  }
  auto store = open_store(url());
  ASSERT_NE(store, nullptr);

  Conversation c = must(store->get_conversation("c1"));
  EXPECT_EQ(c.last_seq, 2);
  EXPECT_EQ(c.last_activity_at, 2100);
  ASSERT_EQ(c.members.size(), 3u);
  EXPECT_EQ(c.members[0].user_id, "alice");
  EXPECT_EQ(c.members[0].role, "owner");
  EXPECT_EQ(c.members[0].delivered_seq, 2);
  EXPECT_EQ(c.members[0].read_seq, 1);
  EXPECT_EQ(c.members[2].user_id, "dave");
  EXPECT_EQ(c.members[2].joined_at, 3000);

  Message m = must(store->message("c1", message_id));
  EXPECT_EQ(m.content, "first, edited");
  EXPECT_EQ(m.version, 2);
  EXPECT_EQ(must(store->messages("c1", 0, 0, 10)).messages.size(), 2u);

  // Idempotency and the direct pair are remembered too, and seq continues.
  EXPECT_TRUE(send(*store, text("c1", "alice", "a1", "first")).duplicate);
  EXPECT_EQ(must(store->create_conversation(new_direct("d9", "carol", "alice"))).id, "d1");
  EXPECT_EQ(send(*store, text("c1", "dave", "d1")).message.seq, 3);
}

TEST_F(PostgresStoreTest, StorageFailureFailsAndRollsBackTheWholeBatch) {
  auto store = open_store(url());
  ASSERT_NE(store, nullptr);
  must(store->create_conversation(new_group("c1", "alice", {"bob"})));
  // Stands in for a full disk or a crash midway through a batch: the third
  // append's write fails inside the server.
  raw().exec(
      "CREATE FUNCTION fail_third() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF NEW.last_seq = 3 THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$;"
      "CREATE TRIGGER fail_third BEFORE UPDATE OF last_seq ON conversations "
      "FOR EACH ROW EXECUTE FUNCTION fail_third()");

  std::vector<WriteOp> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(text("c1", "alice", join("k", i)));
  batch.push_back(read_up_to("c1", "bob", 1));
  auto results = store->apply(batch);
  ASSERT_EQ(results.size(), batch.size());
  for (const auto& r : results) EXPECT_EQ(code(r), "internal");

  Conversation c = must(store->get_conversation("c1"));
  EXPECT_EQ(c.last_seq, 0);
  EXPECT_EQ(c.members[0].read_seq, 0);  // alice's mark from the first append
  EXPECT_TRUE(must(store->messages("c1", 0, 0, 10)).messages.empty());

  // Nothing was kept, not even the client ids: a retry of the first two works.
  auto retry = store->apply(std::vector<WriteOp>(batch.begin(), batch.begin() + 2));
  EXPECT_EQ(std::get<AppendResult>(must(retry[0])).message.seq, 1);
  EXPECT_FALSE(std::get<AppendResult>(must(retry[1])).duplicate);
}

TEST_F(PostgresStoreTest, ContentIsStoredByteForByte) {
  auto store = open_store(url());
  ASSERT_NE(store, nullptr);
  must(store->create_conversation(new_group("c1", "alice", {"bob"})));
  const std::string odd("nul \0 inside, \xff\xfe not UTF-8, \xe2\x82\xac euro", 39);
  const std::string id = send(*store, text("c1", "alice", "a1", odd)).message.message_id;
  EXPECT_EQ(must(store->message("c1", id)).content, odd);
  auto edited = std::get<EditResult>(must(apply_one(*store, edit("c1", id, "alice", odd + odd))));
  EXPECT_EQ(edited.message.content, odd + odd);
  EXPECT_EQ(must(store->messages("c1", 0, 0, 5)).messages.at(0).content, odd + odd);
}

TEST_F(PostgresStoreTest, TextPostgresCannotHoldFailsOnlyItsOwnOp) {
  auto store = open_store(url());
  ASSERT_NE(store, nullptr);
  must(store->create_conversation(new_group("c1", "alice", {"bob"})));
  const std::string nul("x\0y", 3);
  std::vector<WriteOp> batch = {
      text("c1", "alice", "a1"), text("c1", "alice", nul),  // an idempotency key we cannot store
      text(nul, "alice", "a2"),                             // a conversation that cannot exist
      read_up_to("c1", nul, 1),                             // a user who cannot be a member
      text("c1", "alice", "a3"),
  };
  auto results = store->apply(batch);
  ASSERT_EQ(results.size(), batch.size());
  EXPECT_EQ(code(results[0]), "ok");
  EXPECT_EQ(code(results[1]), "bad_request");
  EXPECT_EQ(code(results[2]), "not_found");
  EXPECT_EQ(code(results[3]), "not_member");
  EXPECT_EQ(std::get<AppendResult>(must(std::move(results[4]))).message.seq, 2);
  EXPECT_EQ(code(store->get_conversation(nul)), "not_found");
  EXPECT_EQ(code(store->create_conversation(new_group(nul, "alice", {}))), "bad_request");
}

TEST_F(PostgresStoreTest, DeletedTextIsGoneFromTheTable) {
  auto store = open_store(url());
  ASSERT_NE(store, nullptr);
  must(store->create_conversation(new_group("c1", "alice", {"bob"})));
  const std::string id =
      send(*store, text("c1", "alice", "a1", "the launch code is 0451-swordfish"))
          .message.message_id;
  must(apply_one(*store, erase("c1", id, "alice")));
  RawPg db = raw();
  EXPECT_EQ(db.scalar("SELECT length(content) FROM messages WHERE message_id = '" + id + "'"), "0");
  EXPECT_EQ(db.scalar("SELECT deleted FROM messages WHERE message_id = '" + id + "'"), "t");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM messages WHERE position('swordfish' in "
                      "convert_from(content, 'UTF8')) > 0"),
            "0");
}

// ---- Several gateways on one database ----

TEST_F(PostgresStoreTest, TwoGatewaysWritingTheSameConversationsKeepSeqContiguous) {
  auto first = open_store(url());
  auto second = open_store(url());
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  must(first->create_conversation(new_group("c1", "alice", {"bob"})));
  must(first->create_conversation(new_group("c2", "alice", {"bob"})));

  // Batches touch both conversations, in opposite orders, with receipts in
  // between: the lock order must keep them from deadlocking.
  constexpr int kBatches = 15, kPerBatch = 20;
  std::atomic<int> failures{0};
  auto writer = [&](Store& store, const std::string& sender, bool reversed) {
    for (int b = 0; b < kBatches; ++b) {
      std::vector<WriteOp> batch;
      for (int i = 0; i < kPerBatch; ++i) {
        const bool c1 = (i % 2 == 0) != reversed;
        batch.push_back(text(c1 ? "c1" : "c2", sender, join(sender, b, "-", i)));
        if (i % 5 == 4) batch.push_back(read_up_to(c1 ? "c2" : "c1", sender, 1));
      }
      for (const auto& r : store.apply(batch)) {
        if (!r.ok()) {
          ++failures;
          ADD_FAILURE() << code(r) << ": " << r.error().message;
        }
      }
    }
  };
  std::thread a([&] { writer(*first, "alice", false); });
  std::thread b([&] { writer(*second, "bob", true); });
  a.join();
  b.join();
  EXPECT_EQ(failures, 0);

  for (const char* id : {"c1", "c2"}) {
    Conversation c = must(first->get_conversation(id));
    EXPECT_EQ(c.last_seq, kBatches * kPerBatch);  // each gateway sent half to each
    std::vector<std::int64_t> seqs;
    for (std::int64_t before = 0;;) {
      auto page = must(first->messages(id, before, 0, 100));
      for (auto it = page.messages.rbegin(); it != page.messages.rend(); ++it) {
        seqs.push_back(it->seq);
      }
      if (!page.has_more) break;
      before = page.messages.front().seq;
    }
    ASSERT_EQ(seqs.size(), static_cast<std::size_t>(c.last_seq)) << id;
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      EXPECT_EQ(seqs[i], c.last_seq - static_cast<std::int64_t>(i)) << id;
    }
  }
}

// ---- A server that goes away ----

// A loopback port nobody listens on: bound (so nobody else takes it), never
// listening, so connecting is refused at once.
class ClosedPort {
 public:
  ClosedPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot reserve a port";
    }
    port_ = ntohs(addr.sin_port);
  }
  ~ClosedPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

TEST(PostgresStoreDown, OpeningAgainstNoServerIsUnavailableFast) {
  ClosedPort closed;
  const auto start = Clock::now();
  auto store = PostgresStore::open(join("postgres://postgres@127.0.0.1:", closed.port(), "/x"));
  const auto took = Clock::now() - start;
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(code(store), "unavailable") << store.error().message;
  EXPECT_LT(took, std::chrono::seconds(3));
  // A malformed url is a misconfiguration, not an outage.
  EXPECT_EQ(code(PostgresStore::open("postgres://[nonsense")), "internal");
}

// Drops the store's sessions from the server side, as a restart would, and
// waits until they are gone (termination is asynchronous).
void drop_sessions(RawPg& admin, const std::string& application_name) {
  const std::string mine =
      "FROM pg_stat_activity WHERE application_name = '" + application_name + "'";
  admin.scalar("SELECT count(pg_terminate_backend(pid)) " + mine);
  for (auto deadline = Clock::now() + std::chrono::seconds(10);
       admin.scalar("SELECT count(*) " + mine) != "0";) {
    ASSERT_LT(Clock::now(), deadline) << "sessions still there";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

TEST_F(PostgresStoreTest, ReconnectsAfterTheServerDroppedItsSessions) {
  const std::string app = schema_->name();
  auto store = open_store(url() + "&application_name=" + app);
  ASSERT_NE(store, nullptr);
  must(store->create_conversation(new_group("c1", "alice", {"bob"})));
  send(*store, text("c1", "alice", "a1"));
  RawPg admin = raw();
  drop_sessions(admin, app);
  // Both connections notice the loss before using it and start anew.
  // (Killed while a batch is on its way, the batch is resent when the
  // server provably ran none of it, else it is unavailable: retried above.)
  EXPECT_EQ(must(store->get_conversation("c1")).last_seq, 1);
  EXPECT_EQ(send(*store, text("c1", "alice", "a2")).message.seq, 2);
  drop_sessions(admin, app);
  Status added = store->add_member("c1", "carol", 5);
  EXPECT_EQ(code(added), "ok") << (added ? "" : added.error().message);
  EXPECT_EQ(must(store->messages("c1", 0, 0, 10)).messages.size(), 2u);
}

// Reads from several threads at once (a gateway's read lanes, its outbox
// relay) each get a reader connection of their own, up to kMaxReaders; the
// rest wait for one to come back instead of opening more.
TEST_F(PostgresStoreTest, ConcurrentReadsOpenReadersUpToTheLimit) {
  auto store = open_store(url());
  ASSERT_NE(store, nullptr);
  must(store->create_conversation(new_group("c1", "alice", {"bob"})));
  send(*store, text("c1", "alice", "a1"));
  EXPECT_EQ(store->readers_open(), 1);

  // Every read of messages waits on this lock, holding its reader.
  RawPg locker = raw();
  ASSERT_TRUE(locker.exec("BEGIN"));
  ASSERT_TRUE(locker.exec("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE"));
  constexpr int kReads = PostgresStore::kMaxReaders + 2;
  std::atomic<int> finished{0}, right{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kReads; ++i) {
    threads.emplace_back([&] {
      auto page = store->messages("c1", 0, 0, 10);
      if (page && page->messages.size() == 1) ++right;
      ++finished;
    });
  }
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (store->readers_open() < PostgresStore::kMaxReaders && Clock::now() < deadline)
    std::this_thread::yield();
  EXPECT_EQ(store->readers_open(), PostgresStore::kMaxReaders);
  EXPECT_EQ(finished.load(), 0) << "a read passed the lock";

  ASSERT_TRUE(locker.exec("COMMIT"));
  for (auto& t : threads) t.join();
  EXPECT_EQ(right.load(), kReads);
  EXPECT_EQ(store->readers_open(), PostgresStore::kMaxReaders);
}

TEST_F(PostgresStoreTest, UnavailableFastWhileTheServerRefusesThenRecovers) {
  // A database of our own, so refusing connections to it disturbs no other test.
  const std::string db = schema_->name();
  RawPg admin = raw();
  ASSERT_TRUE(admin.exec("CREATE DATABASE " + db));
  std::string base = pg_urls().front();
  base = base.substr(0, base.find('?'));
  base = base.substr(0, base.rfind('/') + 1) + db + "?application_name=" + db;
  {
    auto store = open_store(base);
    ASSERT_NE(store, nullptr);
    must(store->create_conversation(new_group("c1", "alice", {"bob"})));

    admin.exec("ALTER DATABASE " + db + " ALLOW_CONNECTIONS false");
    drop_sessions(admin, db);
    const auto start = Clock::now();
    std::vector<WriteOp> batch = {text("c1", "alice", "a1"), read_up_to("c1", "bob", 0)};
    for (const auto& r : store->apply(batch)) EXPECT_EQ(code(r), "unavailable");
    EXPECT_EQ(code(store->get_conversation("c1")), "unavailable");
    EXPECT_EQ(code(store->list_conversations("alice", 5, std::nullopt)), "unavailable");
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));

    admin.exec("ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");
    // Both connections come back on their own, without reopening the store.
    EXPECT_EQ(code(apply_one(*store, text("c1", "alice", "a1"))), "ok");
    EXPECT_EQ(must(store->get_conversation("c1")).last_seq, 1);
  }
  admin.exec("DROP DATABASE " + db + " WITH (FORCE)");
}

// ---- Throughput ----

// Not a benchmark with a threshold: prints the order of magnitude so a
// regression (a round trip per op, a commit per op) is visible in logs.
double append_throughput(Store& store, const std::string& label) {
  for (int c = 0; c < 10; ++c) {
    must(store.create_conversation(new_group(join("c", c), "alice", {"bob", "carol"})));
  }
  constexpr int kBatches = 20, kPerBatch = 500;
  const std::string content(120, 'x');
  std::vector<std::vector<WriteOp>> batches(kBatches);
  for (int b = 0; b < kBatches; ++b) {
    for (int i = 0; i < kPerBatch; ++i) {
      batches[b].push_back(
          text(join("c", i % 10), i % 2 ? "alice" : "bob", join("t", b, "-", i), content));
    }
  }
  const auto start = Clock::now();
  int failures = 0;
  for (const auto& batch : batches) {
    for (const auto& r : store.apply(batch)) failures += r.ok() ? 0 : 1;
  }
  const std::chrono::duration<double> elapsed = Clock::now() - start;
  EXPECT_EQ(failures, 0);
  const double per_second = kBatches * kPerBatch / elapsed.count();
  std::cout << "[ throughput ] " << label << ": " << kBatches << " batches x " << kPerBatch
            << " appends in " << elapsed.count() * 1000
            << " ms = " << static_cast<long long>(per_second) << " appends/s\n";
  EXPECT_EQ(must(store.get_conversation("c0")).last_seq, kBatches * kPerBatch / 10);
  return per_second;
}

TEST_F(PostgresStoreTest, AppendThroughput) {
  auto store = open_store(url());
  ASSERT_NE(store, nullptr);
  RecordProperty("appends_per_second", static_cast<int>(append_throughput(*store, "PostgreSQL")));
}

TEST(PostgresShardedStore, AppendThroughputOverTwoShards) {
  const auto urls = pg_urls();
  if (urls.size() < 2) GTEST_SKIP() << kNoPostgres << " (needs two databases)";
  ScratchSchema schema({urls[0], urls[1]});
  std::vector<Shard> shards;
  for (std::size_t i = 0; i < 2; ++i) {
    auto store = open_store(schema.url(i));
    ASSERT_NE(store, nullptr);
    shards.push_back({join("pg", i), std::move(store)});
  }
  auto store = must(ShardedStore::create(std::move(shards)));
  RecordProperty("appends_per_second",
                 static_cast<int>(append_throughput(*store, "PostgreSQL, 2 shards")));
}

}  // namespace
}  // namespace parley::store
