#include "search/open_search_index.h"

#include <filesystem>

#include "search/postgres/pg_search_index.h"
#include "search/sqlite/sqlite_search_index.h"

namespace parley::search {
namespace {

template <class T>
Result<std::unique_ptr<SearchIndex>> widen(Result<std::unique_ptr<T>> index, const char* what) {
  if (!index)
    return make_error(Errc::internal, std::string("cannot open the search index (") + what +
                                          "): " + index.error().message);
  return std::unique_ptr<SearchIndex>(std::move(index).value());
}

}  // namespace

Result<std::unique_ptr<SearchIndex>> open_search_index(const std::string& url,
                                                       const std::string& data_dir) {
  if (url.empty() || url == "sqlite") {
    auto path = (std::filesystem::path(data_dir) / "search.db").string();
    return widen(SqliteSearchIndex::open(path), "sqlite");
  }
  if (url.starts_with("file:")) return widen(SqliteSearchIndex::open(url.substr(5)), "sqlite");
  if (url.starts_with("postgres://") || url.starts_with("postgresql://") ||
      url.find('=') != std::string::npos) {
    return widen(PgSearchIndex::open(url), "postgres");
  }
  // The URL itself may hold a password: not echoed.
  return make_error(Errc::internal,
                    "search: unsupported index URL (sqlite, file:PATH or postgres://)");
}

}  // namespace parley::search
