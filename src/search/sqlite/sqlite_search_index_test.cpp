// What the SQLite index does beyond the SearchIndex contract (the contract is
// search_conformance_test.cpp): how a batch reaches FTS5.
#include "search/sqlite/sqlite_search_index.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "search/search_test_events.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store_test_support.h"

namespace parley::search {
namespace {

using store::test_support::file_bytes;
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

// Segment blocks of FTS5's index holding `word`: a deleted message's words
// stay there until its segments are merged.
std::int64_t blocks_with(const std::string& path, const std::string& word) {
  auto db = store::sqlite::Db::open(path);
  if (!db) {
    ADD_FAILURE() << db.error().message;
    return -1;
  }
  auto count = (*db)->prepare(
      "SELECT count(*) FROM messages_fts_data WHERE instr(block, CAST(?1 AS BLOB)) > 0");
  if (!count) return -1;
  count->bind(1, word);
  if (count->step() != SQLITE_ROW) {
    ADD_FAILURE() << "count blocks";
    return -1;
  }
  return count->int64(0);
}

// docs/protocol.md: a deleted message's content is erased from storage; for
// the index that includes its words, not only its row.
TEST(SqliteSearchIndex, ADeleteLeavesNoTraceOfTheWordsInTheFile) {
  TempDbFile file;
  const std::string path = file.path().string();
  {
    auto index = open_index(path);
    ASSERT_NE(index, nullptr);
    for (int seq = 1; seq <= 3; ++seq)
      ASSERT_TRUE(index->index(message_event(eventlog::kMessageCreated, "c1", seq, 1,
                                             "filler " + std::to_string(seq)))
                      .ok());
    ASSERT_TRUE(
        index->index(message_event(eventlog::kMessageCreated, "c1", 4, 1, "xylophonesecret"))
            .ok());
    ASSERT_GT(blocks_with(path, "xylophonesecret"), 0) << "the test looks for the wrong bytes";
    ASSERT_TRUE(index->index(message_event(eventlog::kMessageDeleted, "c1", 4, 2, "", true)).ok());
    EXPECT_EQ(blocks_with(path, "xylophonesecret"), 0);
  }
  ASSERT_FALSE(std::filesystem::exists(path + "-wal"));
  EXPECT_EQ(file_bytes(path).find("xylophonesecret"), std::string::npos);
}

// The merge rewrites the whole index, so it runs at most once per interval:
// a delete soon after the last one waits for the first flush after the
// interval, or for close.
TEST(SqliteSearchIndex, DeletedWordsAreMergedOutAtMostOncePerInterval) {
  TempDbFile file;
  const std::string path = file.path().string();
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  SqliteSearchOptions options;
  options.erase_interval = std::chrono::seconds(60);
  options.now = [&] { return now; };
  {
    auto opened = SqliteSearchIndex::open(path, options);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    auto index = std::move(opened).value();
    const char* words[] = {"xylophonealpha", "kumquatbeta", "marzipangamma"};
    for (int seq = 1; seq <= 3; ++seq)
      ASSERT_TRUE(
          index->index(message_event(eventlog::kMessageCreated, "c1", seq, 1, words[seq - 1]))
              .ok());
    auto erase = [&](int seq) {
      ASSERT_TRUE(index->index(message_event(eventlog::kMessageDeleted, "c1", seq, 2, "", true)).ok());
    };
    erase(1);
    EXPECT_EQ(blocks_with(path, "xylophonealpha"), 0) << "the first delete is merged out at once";

    now += std::chrono::seconds(10);
    erase(2);
    EXPECT_GT(blocks_with(path, "kumquatbeta"), 0) << "merged again within the interval";

    now += std::chrono::seconds(51);
    ASSERT_TRUE(index->flush().ok());
    EXPECT_EQ(blocks_with(path, "kumquatbeta"), 0) << "the first flush after the interval";

    now += std::chrono::seconds(1);
    erase(3);
    EXPECT_GT(blocks_with(path, "marzipangamma"), 0);
  }
  EXPECT_EQ(blocks_with(path, "marzipangamma"), 0) << "close merges what still waits";
  EXPECT_GT(blocks_with(path, "filler"), -1);
}

}  // namespace
}  // namespace parley::search
