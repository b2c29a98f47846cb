#pragma once
// Store::apply for PostgreSQL: a batch of write ops in one transaction, sent
// and answered in a single round trip.
#include <span>
#include <vector>

#include "common/result.h"
#include "store/postgres/pg_connection.h"
#include "store/store.h"

namespace parley::store::pg {

// Applies ops in order inside one BEGIN ... COMMIT on conn and returns one
// result per op; refused ops fail alone. An Error is a storage failure: the
// batch did not commit and nothing of it is kept.
// outbox: also write each change's outbox row, in the same statement as the
// change (a data-modifying CTE; with outbox false it inserts nothing).
Result<std::vector<WriteResult>> apply_batch(Conn& conn, std::span<const WriteOp> ops,
                                             bool outbox = false);

}  // namespace parley::store::pg
