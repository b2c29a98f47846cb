#pragma once
// The event-log consumer that feeds a SearchIndex: an eventlog::Handler.
//   log.consume("search", search::SearchIndexer(index));
// An event that can never be indexed (malformed) is logged by id and
// acknowledged, so it cannot block its conversation's later events forever;
// a failed write asks for redelivery.
#include "eventlog/event_log.h"
#include "search/search_index.h"

namespace parley::search {

class SearchIndexer {
 public:
  explicit SearchIndexer(SearchIndex& index) : index_(&index) {}
  Status operator()(const eventlog::Event& event) const;

 private:
  SearchIndex* index_;  // not owned; outlives the consumer
};

}  // namespace parley::search
