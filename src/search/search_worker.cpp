#include "search/search_worker.h"

#include <memory>

#include "search/open_search_index.h"
#include "search/search_indexer.h"

namespace parley::search {

worker::WorkerSpec search_worker() {
  return worker::WorkerSpec{
      "search", "indexes messages for GET /api/search into --param index=URL (postgres://...)",
      [](worker::WorkerContext& ctx) -> Result<eventlog::Handler> {
        // Required, not defaulted: a worker quietly writing a SQLite file
        // that no gateway reads would look healthy and index nothing useful.
        auto it = ctx.params.find("index");
        if (it == ctx.params.end() || it->second.empty())
          return make_error(Errc::bad_request,
                            "search needs --param index=URL (postgres://..., or file:PATH)");
        auto index = open_search_index(it->second, ctx.data_dir);
        if (!index) return index.error();
        std::shared_ptr<SearchIndex> shared = std::move(index).value();
        // Batched: one write per fetched batch of events, flushed before
        // the batch is acknowledged.
        const SearchIndexer indexer(*shared, SearchIndexer::Mode::batched);
        ctx.flush = [shared, flush = indexer.flusher()] { return flush(); };
        return eventlog::Handler(
            [shared, indexer](const eventlog::Event& e) { return indexer(e); });
      }};
}

}  // namespace parley::search
