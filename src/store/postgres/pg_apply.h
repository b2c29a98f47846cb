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
Result<std::vector<WriteResult>> apply_batch(Conn& conn, std::span<const WriteOp> ops);

}  // namespace parley::store::pg
