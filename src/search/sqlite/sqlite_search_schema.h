#pragma once
// The search database's schema (its own file, <data_dir>/search.db, so the
// chat store is never touched): append-only migrations, the version kept in
// PRAGMA user_version.
#include "common/result.h"
#include "store/sqlite/sqlite_db.h"

namespace parley::search::sqlite {

// Applies what the file lacks in one IMMEDIATE transaction; refuses a file
// migrated by a newer build.
Status migrate(store::sqlite::Db& db);

}  // namespace parley::search::sqlite
