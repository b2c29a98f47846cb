#pragma once
// The search index a URL names (the composition root's one call):
//   empty | sqlite              SqliteSearchIndex at <data_dir>/search.db (embedded mode)
//   file:PATH                   SqliteSearchIndex at PATH
//   postgres://... | postgresql://... | key=value string
//                               PgSearchIndex (cluster mode: the store's first shard
//                               or a database of its own)
// Anything else is refused (internal: a misconfiguration, found at start-up).
#include <memory>
#include <string>

#include "common/result.h"
#include "search/search_index.h"

namespace parley::search {

Result<std::unique_ptr<SearchIndex>> open_search_index(const std::string& url,
                                                       const std::string& data_dir);

}  // namespace parley::search
