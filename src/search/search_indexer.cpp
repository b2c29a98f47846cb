#include "search/search_indexer.h"

#include "common/log.h"
#include "search/search_metrics.h"

namespace parley::search {

Status SearchIndexer::operator()(const eventlog::Event& event) const {
  auto done = mode_ == Mode::batched ? index_->stage(event) : index_->index(event);
  if (done) {
    metric::indexed.inc();
    return done;
  }
  static const auto log = component_logger("search");
  if (done.error().code == Errc::bad_request) {
    // The id and the reason only: the body holds message content.
    log->warn("skipping event {}: {}", event.id, done.error().message);
    metric::skipped.inc();
    return ok_status();
  }
  log->warn("indexing event {} failed, to be redelivered: {}", event.id, done.error().message);
  metric::index_failures.inc();
  return done;
}

eventlog::Flush SearchIndexer::flusher() const {
  return [index = index_]() -> Status {
    auto done = index->flush();
    if (!done) {
      static const auto log = component_logger("search");
      log->warn("committing indexed events failed, to be redelivered: {}", done.error().message);
      metric::index_failures.inc();
    }
    return done;
  };
}

}  // namespace parley::search
