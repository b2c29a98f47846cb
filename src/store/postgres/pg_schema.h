#pragma once
// The database schema and its history: an ordered list of migrations, and a
// schema_migrations table recording which ones a database has had.
#include "common/result.h"
#include "store/postgres/pg_connection.h"

namespace parley::store::pg {

// Applies, in order and in one transaction, every migration the database
// lacks. Several gateways starting together take turns on an advisory lock,
// so exactly one of them migrates. Refuses a database migrated by a newer
// build (versions this build does not know) rather than guess at its shape.
Status migrate(Conn& conn);

// The version a fully migrated database has.
int schema_version();

}  // namespace parley::store::pg
