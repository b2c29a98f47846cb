// Parley's process-wide SQLite settings hold once it opens a database.
#include "store/sqlite/sqlite_library.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/sqlite/sqlite_db.h"

namespace parley::store::sqlite {
namespace {

TEST(SqliteLibrary, MemoryStatisticsAreOffOnceParleyOpensADatabase) {
  // ctest runs each test in its own process; run alone, an earlier test may
  // have initialised SQLite with its defaults, and this one proves nothing.
  if (sqlite3_memory_used() != 0) GTEST_SKIP() << "SQLite was initialised before this test";
  auto db = Db::open(":memory:");
  ASSERT_TRUE(db) << db.error().message;
  ASSERT_TRUE((*db)->exec("CREATE TABLE t (x); INSERT INTO t VALUES (randomblob(100000))"));
  // With statistics on, SQLite counts the ~100 KB it allocated here.
  EXPECT_EQ(sqlite3_memory_used(), 0);
}

}  // namespace
}  // namespace parley::store::sqlite
