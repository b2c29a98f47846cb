#pragma once
// Versioned migrations, shared by every schema Parley keeps in PostgreSQL
// (the store's, the search index's): an ordered, append-only list, and a
// table recording which ones a database has had.
#include <span>
#include <string_view>

#include "common/result.h"
#include "store/postgres/pg_connection.h"

namespace parley::store::pg {

struct MigrationPlan {
  std::string_view what;   // "database schema": names it in errors
  std::string_view table;  // the versions applied, created when missing
  // "SELECT pg_advisory_xact_lock(K)", with a K of the plan's own, so that
  // gateways (or workers) starting together migrate once.
  const char* lock_sql;
  // SELECT coalesce(max(version), 0) FROM <table>; static, as Conn keeps
  // prepared statements by name.
  const Statement& current_version;
  // Entry i takes the database from version i to i + 1.
  std::span<const std::string_view> migrations;
};

// Applies, in order and in one transaction, every migration the database
// lacks. Refuses a database migrated by a newer build (versions this build
// does not know) rather than guess at its shape.
Status apply_migrations(Conn& conn, const MigrationPlan& plan);

}  // namespace parley::store::pg
