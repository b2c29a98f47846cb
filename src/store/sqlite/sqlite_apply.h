#pragma once
// Store::apply for SQLite: a batch of write ops in one durable transaction.
#include <span>
#include <vector>

#include "common/result.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace parley::store::sqlite {

// Applies ops in order inside one BEGIN IMMEDIATE ... COMMIT on the writer
// connection and returns one result per op; refused ops fail alone. An Error
// is a storage failure: the batch was rolled back and nothing of it is kept.
// outbox: also write each change's outbox row in the same transaction.
Result<std::vector<WriteResult>> apply_batch(Db& db, std::span<const WriteOp> ops,
                                             bool outbox = false);

}  // namespace parley::store::sqlite
