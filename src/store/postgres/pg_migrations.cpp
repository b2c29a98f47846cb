#include "store/postgres/pg_migrations.h"

#include <string>

namespace parley::store::pg {

Status apply_migrations(Conn& conn, const MigrationPlan& plan) {
  auto txn = Transaction::begin(conn);
  if (!txn) return txn.error();
  // Migrating a big table may take long: no statement timeout here, and a
  // generous wait for another process's migration.
  if (auto s = conn.exec("SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = '5min'"); !s)
    return s;
  // The lock comes first: even CREATE TABLE IF NOT EXISTS races when two
  // sessions run it at once.
  if (auto s = conn.exec(plan.lock_sql); !s) return s;
  if (auto s = conn.exec("CREATE TABLE IF NOT EXISTS " + std::string(plan.table) +
                         " (version integer PRIMARY KEY, "
                         "applied_at timestamptz NOT NULL DEFAULT now())");
      !s) {
    return s;
  }
  auto rows = conn.query(plan.current_version, Params());
  if (!rows) return rows.error();
  const int version = static_cast<int>(rows->int64(0, 0));
  const int latest = static_cast<int>(plan.migrations.size());
  if (version > latest) {
    return make_error(Errc::internal, std::string(plan.what) + " version " +
                                          std::to_string(version) + " is newer than this build (" +
                                          std::to_string(latest) + ")");
  }
  for (int v = version; v < latest; ++v) {
    if (auto s = conn.exec(std::string(plan.migrations[v])); !s) return s;
    if (auto s = conn.exec("INSERT INTO " + std::string(plan.table) + " (version) VALUES (" +
                           std::to_string(v + 1) + ")");
        !s) {
      return s;
    }
  }
  return txn->commit();
}

}  // namespace parley::store::pg
