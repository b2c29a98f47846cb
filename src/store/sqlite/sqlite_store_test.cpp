// What only the SQLite store can promise: durability across reopening, the
// file itself (WAL, schema version, erased text), all-or-nothing batches on
// storage failure, and a rough idea of append throughput.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_test_support.h"

namespace parley::store {
namespace {

using namespace test_support;

// A second, independent connection to the file: sees what is really stored.
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& path) {
    if (sqlite3_open(path.string().c_str(), &db_) != SQLITE_OK) {
      ADD_FAILURE() << "raw open: " << sqlite3_errmsg(db_);
    }
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (message ? message : "?");
    }
    sqlite3_free(message);
  }

  // The first column of the first row, as text ("" when there is no row).
  std::string scalar(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return {};
    }
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      if (auto* text = sqlite3_column_text(stmt, 0)) out = reinterpret_cast<const char*>(text);
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

std::unique_ptr<SqliteStore> open_store(const std::filesystem::path& path) {
  auto store = SqliteStore::open(path.string());
  if (!store) {
    ADD_FAILURE() << "open: " << store.error().message;
    return nullptr;
  }
  return std::move(store).value();
}

WriteResult apply_one(Store& store, WriteOp op) {
  return std::move(store.apply({&op, 1}).front());
}

AppendResult send(Store& store, AppendMessage op) {
  return std::get<AppendResult>(must(apply_one(store, std::move(op))));
}

TEST(SqliteStore, DataSurvivesClosingAndReopening) {
  TempDbFile file;
  std::string message_id;
  {
    auto store = open_store(file.path());
    ASSERT_NE(store, nullptr);
    must(store->create_conversation(new_group("c1", "alice", {"bob"}, 1000)));
    must(store->create_conversation(new_direct("d1", "alice", "carol", 1100)));
    message_id = send(*store, text("c1", "alice", "a1", "first", 2000)).message.message_id;
    send(*store, text("c1", "bob", "b1", "second", 2100));
    must(apply_one(*store, edit("c1", message_id, "alice", "first, edited")));
    must(apply_one(*store, delivered_up_to("c1", "alice", 2)));
    ASSERT_TRUE(store->add_member("c1", "dave", 3000).ok());
  }
  auto store = open_store(file.path());
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

TEST(SqliteStore, FileIsInWalModeWithTheCurrentSchemaVersion) {
  TempDbFile file;
  { ASSERT_NE(open_store(file.path()), nullptr); }
  { ASSERT_NE(open_store(file.path()), nullptr); }  // a second open migrates nothing
  RawDb raw(file.path());
  EXPECT_EQ(raw.scalar("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.scalar("PRAGMA user_version"), std::to_string(sqlite::schema_version()));
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'messages'"), "1");
}

TEST(SqliteStore, RefusesADatabaseFromANewerBuild) {
  TempDbFile file;
  { RawDb(file.path()).exec("PRAGMA user_version = 999"); }
  auto store = SqliteStore::open(file.path().string());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(code(store), "internal");
}

TEST(SqliteStore, OpenFailsWhenTheDirectoryIsMissing) {
  auto store = SqliteStore::open("/nonexistent-parley-dir/x/store.db");
  EXPECT_FALSE(store.ok());
}

TEST(SqliteStore, DeleteLeavesNoTraceOfTheTextInTheFile) {
  TempDbFile file;
  const std::string secret = "the launch code is 0451-swordfish";
  std::string id;
  {
    auto store = open_store(file.path());
    ASSERT_NE(store, nullptr);
    must(store->create_conversation(new_group("c1", "alice", {"bob"})));
    id = send(*store, text("c1", "alice", "a1", secret)).message.message_id;
    send(*store, text("c1", "bob", "b1", "ok"));
    must(apply_one(*store, erase("c1", id, "alice")));

    RawDb raw(file.path());
    EXPECT_EQ(raw.scalar("SELECT content FROM messages WHERE message_id = '" + id + "'"), "");
    EXPECT_EQ(raw.scalar("SELECT deleted FROM messages WHERE message_id = '" + id + "'"), "1");
    EXPECT_EQ(raw.scalar("SELECT count(*) FROM messages WHERE content LIKE '%swordfish%'"), "0");
  }
  // Closed: the WAL has been checkpointed into the main file. secure_delete
  // must have zeroed the old cell rather than leaving it in free space.
  ASSERT_FALSE(std::filesystem::exists(file.path().string() + "-wal"));
  EXPECT_EQ(file_bytes(file.path()).find("swordfish"), std::string::npos);
}

TEST(SqliteStore, StorageFailureFailsAndRollsBackTheWholeBatch) {
  TempDbFile file;
  {
    auto store = open_store(file.path());
    ASSERT_NE(store, nullptr);
    must(store->create_conversation(new_group("c1", "alice", {"bob"})));
  }
  // Stands in for a full disk or an I/O error in a batch after some of its
  // writes: moving the conversation past seq 2 fails inside SQLite (once
  // per batch, after the messages are inserted).
  RawDb(file.path()).exec(
      "CREATE TRIGGER fail_third BEFORE UPDATE OF last_seq ON conversations "
      "WHEN NEW.last_seq >= 3 BEGIN SELECT RAISE(ABORT, 'injected failure'); END");

  auto store = open_store(file.path());
  ASSERT_NE(store, nullptr);
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

// Not a benchmark with a threshold: prints the order of magnitude so a
// regression (a lost statement cache, a commit per op) is visible in logs.
TEST(SqliteStore, AppendThroughput) {
  TempDbFile file;
  auto store = open_store(file.path());
  ASSERT_NE(store, nullptr);
  for (int c = 0; c < 10; ++c) {
    must(store->create_conversation(
        new_group(join("c", c), "alice", {"bob", "carol"})));
  }
  constexpr int kBatches = 20, kPerBatch = 500;
  const std::string content(120, 'x');
  std::vector<std::vector<WriteOp>> batches(kBatches);
  for (int b = 0; b < kBatches; ++b) {
    for (int i = 0; i < kPerBatch; ++i) {
      batches[b].push_back(text(join("c", i % 10), i % 2 ? "alice" : "bob",
                                join("t", b, "-", i), content));
    }
  }

  const auto start = std::chrono::steady_clock::now();
  int failures = 0;
  for (const auto& batch : batches) {
    for (const auto& r : store->apply(batch)) failures += r.ok() ? 0 : 1;
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;

  EXPECT_EQ(failures, 0);
  const double per_second = kBatches * kPerBatch / elapsed.count();
  std::cout << "[ throughput ] SQLite: " << kBatches << " batches x " << kPerBatch
            << " appends in " << elapsed.count() * 1000 << " ms = "
            << static_cast<long long>(per_second) << " appends/s\n";
  RecordProperty("appends_per_second", static_cast<int>(per_second));
  EXPECT_EQ(must(store->get_conversation("c0")).last_seq, kBatches * kPerBatch / 10);
}

}  // namespace
}  // namespace parley::store
