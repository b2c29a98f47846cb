#pragma once
// SearchIndex on SQLite FTS5, in a file of its own (<data_dir>/search.db).
// Ranked by bm25; snippets by FTS5's snippet(). Thread-safe: index() (the
// event-log consumer's thread) and search() (the event loop) use separate
// connections, each under its own mutex; WAL lets a search read the last
// commit without waiting for the indexer's fsync.
//
// Deletes: FTS5 (SQLite 3.40, Debian 12: no 'secure-delete' option) drops a
// deleted message's row and text at once, but its words stay in the index's
// older segments until those are merged. So after a flush that deleted text,
// the whole index is merged ('optimize'), at most once per erase_interval; a
// delete within the interval waits for the first flush after it, or for
// close. The file's freed pages are zeroed (secure_delete).
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/staged_batch.h"
#include "search/indexed_message.h"
#include "search/search_cursor.h"
#include "search/search_index.h"
#include "store/sqlite/sqlite_db.h"

namespace parley::search {

struct SqliteSearchOptions {
  // An optimize rewrites the whole index: 0.6-0.8 s for a million short
  // messages on the dev VM (src/search/README.md).
  std::chrono::milliseconds erase_interval = std::chrono::minutes(1);
  std::function<std::chrono::steady_clock::time_point()> now = std::chrono::steady_clock::now;
};

class SqliteSearchIndex final : public SearchIndex {
 public:
  // Opens (creating and migrating when needed) the index at path.
  static Result<std::unique_ptr<SqliteSearchIndex>> open(const std::string& path,
                                                         SqliteSearchOptions options = {});
  // Erases the words of deletes still waiting for their interval.
  ~SqliteSearchIndex() override;

  Status index(const eventlog::Event& event) override;
  // One transaction (one fsync) per flush instead of per event; at most
  // kMaxStaged are held, more commit at once.
  Status stage(const eventlog::Event& event) override;
  Status flush() override;
  Result<SearchPage> search(const SearchQuery& query) override;
  static constexpr std::size_t kMaxStaged = 512;

 private:
  SqliteSearchIndex(std::unique_ptr<store::sqlite::Db> writer,
                    std::unique_ptr<store::sqlite::Db> reader, SqliteSearchOptions options)
      : options_(std::move(options)), writer_(std::move(writer)), reader_(std::move(reader)) {}
  Status apply(const IndexedMessage& m);  // inside the caller's transaction
  // One transaction for the batch; under write_mu_.
  Status write(std::span<const IndexedMessage> batch);
  // Merges the index when deleted words wait and `due` (or the interval has
  // passed); under write_mu_. A failure leaves them waiting for the next try.
  void erase_deleted_words(bool due);

  SqliteSearchOptions options_;
  bool erase_pending_ = false;  // under write_mu_
  std::optional<std::chrono::steady_clock::time_point> last_erase_;  // under write_mu_

  std::mutex write_mu_;
  StagedBatch<IndexedMessage> staged_{
      kMaxStaged, [this](auto batch) { return write(batch); }};  // under write_mu_
  std::unique_ptr<store::sqlite::Db> writer_;
  std::mutex read_mu_;
  std::unique_ptr<store::sqlite::Db> reader_;
};

}  // namespace parley::search
