#pragma once
// SearchIndex on SQLite FTS5, in a file of its own (<data_dir>/search.db).
// Ranked by bm25; snippets by FTS5's snippet(). Thread-safe: index() (the
// event-log consumer's thread) and search() (the event loop) use separate
// connections, each under its own mutex; WAL lets a search read the last
// commit without waiting for the indexer's fsync.
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "common/staged_batch.h"
#include "search/indexed_message.h"
#include "search/search_cursor.h"
#include "search/search_index.h"
#include "store/sqlite/sqlite_db.h"

namespace parley::search {

class SqliteSearchIndex final : public SearchIndex {
 public:
  // Opens (creating and migrating when needed) the index at path.
  static Result<std::unique_ptr<SqliteSearchIndex>> open(const std::string& path);

  Status index(const eventlog::Event& event) override;
  // One transaction (one fsync) per flush instead of per event; at most
  // kMaxStaged are held, more commit at once.
  Status stage(const eventlog::Event& event) override;
  Status flush() override;
  Result<SearchPage> search(const SearchQuery& query) override;
  static constexpr std::size_t kMaxStaged = 512;

 private:
  SqliteSearchIndex(std::unique_ptr<store::sqlite::Db> writer,
                    std::unique_ptr<store::sqlite::Db> reader)
      : writer_(std::move(writer)), reader_(std::move(reader)) {}
  Status apply(const IndexedMessage& m);  // inside the caller's transaction
  // One transaction for the batch; under write_mu_.
  Status write(std::span<const IndexedMessage> batch);

  std::mutex write_mu_;
  StagedBatch<IndexedMessage> staged_{
      kMaxStaged, [this](auto batch) { return write(batch); }};  // under write_mu_
  std::unique_ptr<store::sqlite::Db> writer_;
  std::mutex read_mu_;
  std::unique_ptr<store::sqlite::Db> reader_;
};

}  // namespace parley::search
