#pragma once
// The database schema and its history. The schema version lives in
// PRAGMA user_version and counts the migrations applied so far.
#include "common/result.h"
#include "store/sqlite/sqlite_db.h"

namespace parley::store::sqlite {

// Applies, in order and in one transaction, every migration the database
// lacks. Refuses a database written by a newer build (more migrations than
// this build knows), rather than guess at its shape.
Status migrate(Db& db);

// The version a fully migrated database has.
int schema_version();

}  // namespace parley::store::sqlite
