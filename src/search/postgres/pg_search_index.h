#pragma once
// SearchIndex on PostgreSQL full-text search: a generated tsvector column
// with a GIN index, ranked by ts_rank, snippets by ts_headline. For cluster
// mode, written by the `search` worker (one consumer of the event log) and
// read by every gateway. Thread-safe: index() and search() use separate
// connections, each under its own mutex.
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "common/staged_batch.h"
#include "search/indexed_message.h"
#include "search/search_index.h"
#include "store/postgres/pg_connection.h"

namespace parley::search {

class PgSearchIndex final : public SearchIndex {
 public:
  // url: a postgres:// URL or key=value string (the cluster store's first
  // shard, or a database of its own). Migrates the search tables.
  static Result<std::unique_ptr<PgSearchIndex>> open(const std::string& url);

  Status index(const eventlog::Event& event) override;
  // One statement (one commit, one round trip) per flush instead of one per
  // event; at most kMaxStaged are held, more are written at once.
  Status stage(const eventlog::Event& event) override;
  Status flush() override;
  Result<SearchPage> search(const SearchQuery& query) override;
  static constexpr std::size_t kMaxStaged = 512;

 private:
  PgSearchIndex(std::unique_ptr<store::pg::Conn> writer, std::unique_ptr<store::pg::Conn> reader)
      : writer_(std::move(writer)), reader_(std::move(reader)) {}
  // Under write_mu_.
  Status write(std::span<const IndexedMessage> batch);

  std::mutex write_mu_;
  StagedBatch<IndexedMessage> staged_{kMaxStaged, [this](auto batch) { return write(batch); }};
  std::unique_ptr<store::pg::Conn> writer_;
  std::mutex read_mu_;
  std::unique_ptr<store::pg::Conn> reader_;
};

}  // namespace parley::search
