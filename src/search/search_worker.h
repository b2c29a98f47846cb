#pragma once
// The `search` worker (`parley worker search`): the durable consumer "search"
// of the event log, indexing into the index --param index=URL names
// (open_search_index.h). Cluster mode: the PostgreSQL index the gateways
// read, e.g. `--param index=postgres://...` (the store's first shard).
// Embedded mode needs no worker: the server runs the same consumer itself.
#include "worker/worker_registry.h"

namespace parley::search {

worker::WorkerSpec search_worker();

}  // namespace parley::search
