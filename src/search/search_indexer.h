#pragma once
// The event-log consumer that feeds a SearchIndex: an eventlog::Handler.
//   log.consume("search", search::SearchIndexer(index));
// or, batching the index's writes (one commit per cursor save or per
// JetStream fetch, not per event; the embedded server and the `search`
// worker do this):
//   SearchIndexer indexer(index, SearchIndexer::Mode::batched);
//   log.consume("search", indexer, indexer.flusher());
// An event that can never be indexed (malformed) is logged by id and
// acknowledged, so it cannot block its conversation's later events forever;
// a failed write asks for redelivery.
#include "eventlog/event_log.h"
#include "search/search_index.h"

namespace parley::search {

class SearchIndexer {
 public:
  enum class Mode { each, batched };
  explicit SearchIndexer(SearchIndex& index, Mode mode = Mode::each)
      : index_(&index), mode_(mode) {}
  Status operator()(const eventlog::Event& event) const;
  // The consumer's flush for Mode::batched.
  eventlog::Flush flusher() const;

 private:
  SearchIndex* index_;  // not owned; outlives the consumer
  Mode mode_;
};

}  // namespace parley::search
