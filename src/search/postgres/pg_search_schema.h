#pragma once
// The search tables in PostgreSQL: append-only migrations recorded in
// search_schema_migrations (not the store's schema_migrations: the search
// tables may share a database with the store, each keeps its own history).
#include "common/result.h"
#include "store/postgres/pg_connection.h"

namespace parley::search::pg {

// Applies what the database lacks in one transaction, under an advisory lock
// (workers starting together migrate once); refuses a newer schema.
Status migrate(store::pg::Conn& conn);

}  // namespace parley::search::pg
