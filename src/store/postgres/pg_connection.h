#pragma once
// A thin RAII layer over libpq: one connection that reconnects when the server
// dropped it, prepares each statement once per session, and runs a batch of
// statements as one transaction in a single round trip (pipeline mode). Not
// thread-safe: the owner serialises use of a Conn.
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/result.h"
#include "store/postgres/pg_values.h"

struct pg_conn;

namespace parley::store::pg {

// A statement prepared under its name the first time a session runs it.
struct Statement {
  const char* name;
  const char* sql;
  std::vector<Type> params;
  // Only reads: after a lost connection it may simply be sent again.
  bool resend_safe = false;
};

class Conn {
 public:
  // url: a postgres:// URL or key=value string; its settings win over our
  // defaults (connect_timeout=2, TCP keepalives). session_sql runs after
  // every (re)connect, e.g. "SET synchronous_commit = on".
  static Result<std::unique_ptr<Conn>> connect(const std::string& url, std::string session_sql);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Runs SQL without parameters or rows (DDL, SET; several statements allowed).
  Status exec(const std::string& sql);

  // Runs a prepared statement in its own implicit transaction.
  Result<Rows> query(const Statement& statement, const Params& params);

  struct Call {
    const Statement* statement;
    Params params;
  };
  // BEGIN, every call, COMMIT: sent at once and answered at once, one round
  // trip for the whole batch. One Rows per call; an Error means the
  // transaction did not commit (or, for a connection lost during COMMIT, that
  // nobody can know; it is reported as unavailable).
  Result<std::vector<Rows>> transaction(std::span<const Call> calls);

  // An explicit transaction over several calls (see Transaction below).
  Status begin();
  Status commit();
  void rollback();

  // An Error in Parley's vocabulary: unavailable for a lost connection or a
  // retryable server state, internal for the rest.
  Error error(const pg_result* r, std::string_view what) const;

 private:
  Conn(pg_conn* c, std::string session_sql) noexcept
      : c_(c), session_sql_(std::move(session_sql)) {}
  Status ready();  // reconnects when needed; rolls back a leftover transaction
  Status reconnect();
  Status start_session();
  Status exec_now(const std::string& sql);
  Status prepare(const Statement& statement);
  Result<Rows> execute(const Statement& statement, const Params& params);
  static void on_notice(void* self, const pg_result* r);
  void note_farewell(const pg_result* r);
  Status send_pipeline(std::span<const Call> calls);
  // untouched: set when the server certainly ran nothing of the batch.
  Result<std::vector<Rows>> try_transaction(std::span<const Call> calls, bool& untouched);
  Result<std::vector<Rows>> read_pipeline(std::size_t calls, bool& untouched);
  void leave_pipeline();
  bool broken() const;
  Error lost(std::string_view what) const;

  pg_conn* c_;
  std::string session_sql_;
  std::unordered_set<std::string_view> prepared_;  // names, for this session
  // After a failed reconnect, calls fail at once until then instead of each
  // waiting out connect_timeout against a server that is down.
  std::chrono::steady_clock::time_point next_attempt_{};
  // The protocol got out of step (a pipeline left half read): the session
  // cannot be trusted and is replaced before the next use.
  bool poisoned_ = false;
  bool in_transaction_ = false;  // between begin() and commit()/rollback()
  bool farewell_ = false;        // the server said FATAL: it is closing the session
};

// BEGIN ... COMMIT that rolls back when destroyed uncommitted, so every early
// return leaves nothing behind.
class Transaction {
 public:
  static Result<Transaction> begin(Conn& conn);
  Transaction(Transaction&& other) noexcept : conn_(std::exchange(other.conn_, nullptr)) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Status commit();

 private:
  explicit Transaction(Conn* conn) noexcept : conn_(conn) {}
  Conn* conn_;  // null once committed or moved from
};

}  // namespace parley::store::pg
