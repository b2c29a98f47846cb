#pragma once
// A thin RAII layer over the SQLite C API: a connection that prepares each
// statement once and hands it out again, a statement handle that resets itself
// when it goes out of scope, and a transaction that rolls back unless
// committed. Not thread-safe: the owner serialises use of a Db.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace parley::store::sqlite {

// Text that binds as NULL when empty, so an absent optional key never
// collides with another in a UNIQUE index.
struct NullIfEmpty {
  std::string_view text;
};

// A cached statement lent out for one use. Resetting it on destruction ends
// any read it started, so a forgotten step can never pin an old snapshot.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(other.bind_rc_) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt();

  // Parameters count from 1, as ?1, ?2 in the SQL.
  Stmt& bind(int index, std::int64_t value);
  Stmt& bind(int index, std::string_view value);
  Stmt& bind(int index, NullIfEmpty value);

  // SQLITE_ROW, SQLITE_DONE or an error code; a failed bind is reported here.
  int step();

  // Columns count from 0.
  std::int64_t int64(int column) const;
  std::string text(int column) const;  // "" for NULL

 private:
  sqlite3_stmt* stmt_;
  int bind_rc_ = 0;  // SQLITE_OK
};

class Db {
 public:
  // Opens the database file at path, creating it when missing, through the
  // named SQLite VFS (nullptr: the default one).
  static Result<std::unique_ptr<Db>> open(const std::string& path, const char* vfs = nullptr);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs SQL that returns nothing of interest (pragmas, DDL); may hold
  // several statements.
  Status exec(const std::string& sql);

  // The statement for sql, prepared on first use and reused after. sql keys
  // the cache by its text and must outlive the Db: pass a string literal.
  // One borrower per sql at a time: release a Stmt before asking again.
  Result<Stmt> prepare(std::string_view sql);

  // Runs a cached statement that yields no rows, binding params to ?1, ?2...
  template <class... Params>
  Status run(std::string_view sql, const Params&... params) {
    auto stmt = prepare(sql);
    if (!stmt) return stmt.error();
    int index = 0;
    (stmt->bind(++index, params), ...);
    return finish(*stmt, sql);
  }

  // An Error in Parley's vocabulary for a failed call that returned rc:
  // unavailable when another writer holds the lock (retryable), else internal.
  Error error(int rc, std::string_view what) const;

  // Rows the last finished INSERT, UPDATE or DELETE changed (0 after an
  // INSERT that did nothing on conflict).
  int changes() const noexcept;

  // The rowid of the last row an INSERT on this connection added.
  std::int64_t last_insert_rowid() const noexcept;

  bool in_transaction() const;

 private:
  explicit Db(sqlite3* db) noexcept : db_(db) {}
  Status finish(Stmt& stmt, std::string_view sql);

  sqlite3* db_;
  std::unordered_map<std::string_view, sqlite3_stmt*> cache_;
};

// BEGIN ... COMMIT that rolls back when destroyed uncommitted, so every early
// return leaves nothing behind.
class Txn {
 public:
  // BEGIN IMMEDIATE: takes the write lock up front, so waiting for another
  // writer happens here under busy_timeout and never fails a half-done batch.
  static Result<Txn> write(Db& db);
  // BEGIN: one consistent snapshot for reads spanning several statements.
  static Result<Txn> read(Db& db);

  Txn(Txn&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  Txn& operator=(Txn&&) = delete;
  ~Txn();

  Status commit();

 private:
  explicit Txn(Db* db) noexcept : db_(db) {}
  static Result<Txn> begin(Db& db, std::string_view sql);

  Db* db_;  // null once committed or moved from
};

}  // namespace parley::store::sqlite
