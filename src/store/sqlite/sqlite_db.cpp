#include "store/sqlite/sqlite_db.h"

#include <sqlite3.h>

#include "store/sqlite/sqlite_library.h"

namespace parley::store::sqlite {

// ---- Stmt ----

Stmt::~Stmt() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Stmt& Stmt::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Stmt& Stmt::bind(int index, std::string_view value) {
  // SQLITE_TRANSIENT copies: callers may bind temporaries, and the copy is
  // noise next to the fsync every write pays.
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Stmt& Stmt::bind(int index, NullIfEmpty value) {
  if (!value.text.empty()) return bind(index, value.text);
  int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

int Stmt::step() {
  if (bind_rc_ != SQLITE_OK) return bind_rc_;
  return sqlite3_step(stmt_);
}

std::int64_t Stmt::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Stmt::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (!p) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

// ---- Db ----

Result<std::unique_ptr<Db>> Db::open(const std::string& path, const char* vfs) {
  configure_library();
  sqlite3* raw = nullptr;
  // NOMUTEX: each Db is used under its owner's mutex, so SQLite's own
  // per-connection locking would only add cost.
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           vfs);
  if (rc != SQLITE_OK) {
    std::string detail = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close_v2(raw);
    return make_error(Errc::internal, "cannot open database: " + detail);
  }
  sqlite3_extended_result_codes(raw, 1);
  return std::unique_ptr<Db>(new Db(raw));
}

int Db::changes() const noexcept { return sqlite3_changes(db_); }

std::int64_t Db::last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(db_); }

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status Db::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return ok_status();
  Error e = error(rc, message ? message : "exec");
  sqlite3_free(message);
  return e;
}

Result<Stmt> Db::prepare(std::string_view sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) return Stmt(it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return error(rc, "prepare");
  cache_.emplace(sql, stmt);
  return Stmt(stmt);
}

Status Db::finish(Stmt& stmt, std::string_view sql) {
  if (int rc = stmt.step(); rc != SQLITE_DONE) return error(rc, sql);
  return ok_status();
}

Error Db::error(int rc, std::string_view what) const {
  const int primary = rc & 0xff;
  const Errc code =
      primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? Errc::unavailable : Errc::internal;
  std::string message(what);
  message += ": ";
  message += sqlite3_errstr(rc);
  // errmsg names the failing constraint or file; never values, so never content.
  const char* detail = sqlite3_errmsg(db_);
  if (detail && std::string_view(detail) != sqlite3_errstr(rc)) {
    message += " (";
    message += detail;
    message += ")";
  }
  return make_error(code, std::move(message));
}

bool Db::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

// ---- Txn ----

Result<Txn> Txn::begin(Db& db, std::string_view sql) {
  auto stmt = db.prepare(sql);
  if (!stmt) return stmt.error();
  if (int rc = stmt->step(); rc != SQLITE_DONE) return db.error(rc, "begin transaction");
  return Txn(&db);
}

Result<Txn> Txn::write(Db& db) { return begin(db, "BEGIN IMMEDIATE"); }

Result<Txn> Txn::read(Db& db) { return begin(db, "BEGIN"); }

Status Txn::commit() {
  auto stmt = db_->prepare("COMMIT");
  if (!stmt) return stmt.error();
  if (int rc = stmt->step(); rc != SQLITE_DONE) return db_->error(rc, "commit");
  db_ = nullptr;
  return ok_status();
}

Txn::~Txn() {
  // A failed COMMIT may already have ended the transaction (SQLite rolls back
  // on I/O errors), hence the check before ROLLBACK.
  if (!db_ || !db_->in_transaction()) return;
  if (auto stmt = db_->prepare("ROLLBACK")) stmt->step();
}

}  // namespace parley::store::sqlite
