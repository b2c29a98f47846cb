// What the SQLite index does beyond the SearchIndex contract (the contract is
// search_conformance_test.cpp): how a batch reaches FTS5.
#include "search/sqlite/sqlite_search_index.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "search/search_test_events.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store_test_support.h"

namespace parley::search {
namespace {

using store::test_support::TempDbFile;
using test_support::message_event;

constexpr int kBatch = 64;

// Rows of FTS5's segment store: each segment FTS5 writes adds at least one.
std::int64_t fts_data_rows(const std::string& path) {
  auto db = store::sqlite::Db::open(path);
  if (!db) {
    ADD_FAILURE() << db.error().message;
    return -1;
  }
  auto count = (*db)->prepare("SELECT count(*) FROM messages_fts_data");
  if (!count || count->step() != SQLITE_ROW) {
    ADD_FAILURE() << "count messages_fts_data";
    return -1;
  }
  return count->int64(0);
}

std::unique_ptr<SqliteSearchIndex> open_index(const std::string& path) {
  auto index = SqliteSearchIndex::open(path);
  if (!index) {
    ADD_FAILURE() << index.error().message;
    return nullptr;
  }
  return std::move(index).value();
}

// FTS5 writes its pending terms out as a segment at every statement savepoint
// inside a transaction. A statement that takes one (INSERT ... RETURNING did)
// made a segment per message: 64 segments per batch, merged again and again,
// which tripled the indexer's CPU. A batch must reach FTS5 as one segment.
TEST(SqliteSearchIndex, ABatchIsWrittenToFts5AsOneSegment) {
  TempDbFile file;
  const std::string path = file.path().string();
  ASSERT_NE(open_index(path), nullptr);  // creates the schema
  {
    // No merging, so every segment written stays countable.
    auto db = store::sqlite::Db::open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->exec("INSERT INTO messages_fts(messages_fts, rank) VALUES "
                            "('automerge', 0); INSERT INTO messages_fts(messages_fts, rank) "
                            "VALUES ('crisismerge', 1000)")
                    .ok());
  }
  auto index = open_index(path);
  ASSERT_NE(index, nullptr);
  const auto before = fts_data_rows(path);

  for (int seq = 1; seq <= kBatch; ++seq)
    ASSERT_TRUE(index->stage(message_event(eventlog::kMessageCreated, "c1", seq, 1,
                                           "word" + std::to_string(seq) + " shared"))
                    .ok());
  ASSERT_TRUE(index->flush().ok());
  const auto after_creates = fts_data_rows(path);
  EXPECT_LE(after_creates - before, 4) << "segments per message, not per batch";

  for (int seq = 1; seq <= kBatch; ++seq)
    ASSERT_TRUE(index->stage(message_event(eventlog::kMessageEdited, "c1", seq, 2,
                                           "edited" + std::to_string(seq)))
                    .ok());
  ASSERT_TRUE(index->flush().ok());
  EXPECT_LE(fts_data_rows(path) - after_creates, 4) << "segments per edit, not per batch";

  // Everything in the batches was indexed: the first and the last edit are
  // found, and no created text is left.
  auto found = [&](const std::string& q) {
    auto page = index->search(SearchQuery{{"c1"}, q, kMaxLimit, {}});
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->results.size() : 0u;
  };
  EXPECT_EQ(found("edited1"), 1u);
  EXPECT_EQ(found("edited64"), 1u);
  EXPECT_EQ(found("shared"), 0u);
}

}  // namespace
}  // namespace parley::search
