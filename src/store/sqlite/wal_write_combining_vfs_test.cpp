// The write-combining VFS must be invisible: whatever a commit wrote through
// it is in the files, byte for byte as SQLite meant, as soon as the commit
// returns; for a reader on the plain VFS, after a crash (a copy of the files
// taken while the writer is still open), and for transactions far larger
// than its buffer.
#include "store/sqlite/wal_write_combining_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <set>
#include <string>

namespace parley::store::sqlite {
namespace {

namespace fs = std::filesystem;

class Conn {
 public:
  Conn(const fs::path& path, const char* vfs) {
    if (sqlite3_open_v2(path.string().c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        vfs) != SQLITE_OK) {
      ADD_FAILURE() << "open " << path << ": " << sqlite3_errmsg(db_);
    }
  }
  ~Conn() { sqlite3_close(db_); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  void exec(const std::string& sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (message ? message : "?");
    sqlite3_free(message);
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_);
    if (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
      if (auto* p = sqlite3_column_text(stmt, 0)) out = reinterpret_cast<const char*>(p);
    }
    sqlite3_finalize(stmt);
    return out;
  }
  std::int64_t number(const std::string& sql) { return std::stoll(text(sql)); }

 private:
  sqlite3* db_ = nullptr;
};

class WalWriteCombiningVfs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("parley-vfs-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void make_wal_table(Conn& c) {
    c.exec("PRAGMA journal_mode = WAL");
    c.exec("PRAGMA synchronous = FULL");
    c.exec("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  }

  fs::path dir_;
};

TEST_F(WalWriteCombiningVfs, EveryCommitIsVisibleAtOnceToAReaderOnThePlainVfs) {
  Conn writer(dir_ / "a.db", wal_write_combining_vfs());
  make_wal_table(writer);
  Conn reader(dir_ / "a.db", nullptr);
  for (int i = 1; i <= 200; ++i) {
    writer.exec("BEGIN IMMEDIATE");
    for (int j = 0; j < 50; ++j) {
      writer.exec("INSERT INTO t (v) VALUES (printf('%d-%d-%s', " + std::to_string(i) + ", " +
                  std::to_string(j) + ", hex(randomblob(40))))");
    }
    writer.exec("COMMIT");
    ASSERT_EQ(reader.number("SELECT count(*) FROM t"), i * 50) << "after commit " << i;
  }
  EXPECT_EQ(reader.text("PRAGMA integrity_check"), "ok");
}

TEST_F(WalWriteCombiningVfs, ACrashCopyTakenRightAfterACommitHoldsIt) {
  Conn writer(dir_ / "b.db", wal_write_combining_vfs());
  make_wal_table(writer);
  writer.exec("PRAGMA wal_autocheckpoint = 0");  // everything stays in the WAL
  writer.exec("BEGIN IMMEDIATE");
  for (int j = 0; j < 3000; ++j) writer.exec("INSERT INTO t (v) VALUES (hex(randomblob(100)))");
  writer.exec("COMMIT");
  // The writer stays open: the copy is what a power cut right now would
  // leave, and opening it recovers from the WAL alone.
  fs::create_directories(dir_ / "copy");
  for (const char* suffix : {"", "-wal"}) {
    fs::copy_file(dir_ / ("b.db" + std::string(suffix)), dir_ / "copy" / ("b.db" + std::string(suffix)));
  }
  ASSERT_GT(fs::file_size(dir_ / "copy" / "b.db-wal"), 3000u * 100);
  Conn recovered(dir_ / "copy" / "b.db", nullptr);
  EXPECT_EQ(recovered.number("SELECT count(*) FROM t"), 3000);
  EXPECT_EQ(recovered.text("PRAGMA integrity_check"), "ok");
}

// The WAL grows in 256 KiB steps of zeros ahead of its frames, so most
// commits do not change its size; a crash copy with that zero tail recovers
// every commit and nothing else.
TEST_F(WalWriteCombiningVfs, TheWalGrowsAheadInStepsAndRecoversWithItsZeroTail) {
  constexpr std::uintmax_t kStep = 256u << 10;
  Conn writer(dir_ / "e.db", wal_write_combining_vfs());
  make_wal_table(writer);
  writer.exec("PRAGMA wal_autocheckpoint = 0");  // everything stays in the WAL
  std::set<std::uintmax_t> sizes;
  for (int i = 0; i < 300; ++i) {  // one commit each, a page or two
    writer.exec("INSERT INTO t (v) VALUES (hex(randomblob(100)))");
    sizes.insert(fs::file_size(dir_ / "e.db-wal"));
  }
  for (auto size : sizes) EXPECT_EQ(size % kStep, 0u) << size;
  const std::uintmax_t last = *sizes.rbegin();
  EXPECT_GE(sizes.size(), 2u);
  EXPECT_LE(sizes.size(), last / kStep) << "a size change per step at most";

  fs::create_directories(dir_ / "copy");
  for (const char* suffix : {"", "-wal"}) {
    fs::copy_file(dir_ / ("e.db" + std::string(suffix)), dir_ / "copy" / ("e.db" + std::string(suffix)));
  }
  Conn recovered(dir_ / "copy" / "e.db", nullptr);
  EXPECT_EQ(recovered.number("SELECT count(*) FROM t"), 300);
  EXPECT_EQ(recovered.text("PRAGMA integrity_check"), "ok");
}

TEST_F(WalWriteCombiningVfs, ATransactionLargerThanTheBufferIsWrittenWhole) {
  // About 40 MiB of rows in one transaction: several buffer flushes, each
  // cut in pieces the unix VFS accepts, and pages spilled and read back.
  {
    Conn writer(dir_ / "c.db", wal_write_combining_vfs());
    make_wal_table(writer);
    writer.exec("PRAGMA cache_size = 100");  // force spills mid-transaction
    writer.exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
        "INSERT INTO t (v) SELECT hex(randomblob(1000)) FROM n");
    Conn reader(dir_ / "c.db", nullptr);
    EXPECT_EQ(reader.number("SELECT count(*) FROM t"), 20000);
    EXPECT_EQ(reader.number("SELECT sum(length(v)) FROM t"), 20000 * 2000);
  }
  Conn reopened(dir_ / "c.db", nullptr);
  EXPECT_EQ(reopened.number("SELECT count(*) FROM t"), 20000);
  EXPECT_EQ(reopened.text("PRAGMA integrity_check"), "ok");
}

TEST_F(WalWriteCombiningVfs, ARolledBackTransactionLeavesNothing) {
  Conn writer(dir_ / "d.db", wal_write_combining_vfs());
  make_wal_table(writer);
  writer.exec("INSERT INTO t (v) VALUES ('kept')");
  writer.exec("BEGIN IMMEDIATE");
  for (int j = 0; j < 500; ++j) writer.exec("INSERT INTO t (v) VALUES (hex(randomblob(200)))");
  writer.exec("ROLLBACK");
  writer.exec("INSERT INTO t (v) VALUES ('also kept')");
  Conn reader(dir_ / "d.db", nullptr);
  EXPECT_EQ(reader.number("SELECT count(*) FROM t"), 2);
  EXPECT_EQ(reader.text("SELECT group_concat(v, ',') FROM t"), "kept,also kept");
  EXPECT_EQ(reader.text("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace parley::store::sqlite
