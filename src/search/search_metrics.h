#pragma once
// Every metric of search, in one place.
#include "common/metrics.h"

namespace parley::search::metric {

inline metrics::Counter indexed{"parley_search_events_indexed_total",
                                "message events applied to the search index (repeats included)"};
inline metrics::Counter skipped{"parley_search_events_skipped_total",
                                "malformed message events acknowledged without indexing"};
inline metrics::Counter index_failures{"parley_search_index_failures_total",
                                       "index writes that failed (the event is redelivered)"};
inline metrics::Histogram query_latency{"parley_search_query_seconds", "one search query"};

}  // namespace parley::search::metric
