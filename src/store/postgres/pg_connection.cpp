#include "store/postgres/pg_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <optional>
#include <utility>

namespace parley::store::pg {

namespace {

using Clock = std::chrono::steady_clock;

// How long a failed reconnect keeps later calls from trying again, when the
// attempt itself was slow (a host that does not answer): a refused
// connection fails in a millisecond and is simply tried again.
constexpr auto kReconnectBackoff = std::chrono::seconds(1);
constexpr auto kSlowAttempt = std::chrono::milliseconds(200);
// How long a batch may wait for the socket to take its bytes.
constexpr int kSendTimeoutMs = 30'000;

std::string trimmed(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// States a retry may get past: the connection, a server starting or shutting
// down, too many clients, a lost serialization race or deadlock, a timeout.
bool retryable(std::string_view state) {
  if (state.starts_with("08")) return true;
  for (std::string_view s :
       {"57P01", "57P02", "57P03", "57014", "53300", "40001", "40P01", "55P03"}) {
    if (state == s) return true;
  }
  return false;
}

}  // namespace

// Notices are dropped (never logged: they may quote values), except one: the
// server saying FATAL to an idle session is telling us why it is about to
// close it (shutdown, restart, terminated), and the session is over.
void Conn::on_notice(void* self, const pg_result* r) { static_cast<Conn*>(self)->note_farewell(r); }

// Also for a statement's own error: the session ends with a FATAL one even
// before its socket reports EOF, and the next call must not use it.
void Conn::note_farewell(const pg_result* r) {
  const char* severity = r ? PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED) : nullptr;
  if (!severity) return;
  const std::string_view s(severity);
  if (s == "FATAL" || s == "PANIC") farewell_ = true;
}

// ---- Conn ----

Result<std::unique_ptr<Conn>> Conn::connect(const std::string& url, std::string session_sql) {
  // Refuse a malformed url as misconfiguration rather than as a server that
  // is down. Messages never repeat the url: it may hold a password.
  char* parse_error = nullptr;
  if (PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error)) {
    PQconninfoFree(parsed);
  } else {
    std::string detail = trimmed(parse_error);
    PQfreemem(parse_error);
    return make_error(Errc::internal, "invalid database url: " + detail);
  }
  // Defaults first, the url (expanded from dbname) last: what it says wins.
  // Fail fast when the server is down or the network dropped it.
  const char* keys[] = {"connect_timeout",     "keepalives",       "keepalives_idle",
                        "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                        "application_name",    "dbname",           nullptr};
  const char* values[] = {"2", "1", "10", "5", "3", "30000", "parley-store", url.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, values, 1);
  if (!c) return make_error(Errc::internal, "out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string detail = trimmed(PQerrorMessage(c));
    PQfinish(c);
    return make_error(Errc::unavailable, "cannot connect to the database: " + detail);
  }
  std::unique_ptr<Conn> conn(new Conn(c, std::move(session_sql)));
  PQsetNoticeReceiver(c, &Conn::on_notice, conn.get());  // kept across PQreset
  if (auto s = conn->start_session(); !s) return s.error();
  return conn;
}

Conn::~Conn() { PQfinish(c_); }

bool Conn::broken() const { return PQstatus(c_) != CONNECTION_OK; }

Error Conn::lost(std::string_view what) const {
  std::string message(what);
  message += ": connection to the database lost";
  if (std::string detail = trimmed(PQerrorMessage(c_)); !detail.empty()) {
    message += " (" + detail + ")";
  }
  return make_error(Errc::unavailable, std::move(message));
}

Error Conn::error(const pg_result* r, std::string_view what) const {
  if (broken()) return lost(what);
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  // The primary message names the constraint or the condition; DETAIL may
  // quote values, so it is left out: never content in a log.
  const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message(what);
  message += ": ";
  message += primary ? std::string(primary) : trimmed(PQerrorMessage(c_));
  if (state) message += std::string(" (SQLSTATE ") + state + ")";
  return make_error(state && retryable(state) ? Errc::unavailable : Errc::internal,
                    std::move(message));
}

Status Conn::start_session() {
  prepared_.clear();  // prepared statements live and die with the session
  poisoned_ = false;
  farewell_ = false;
  in_transaction_ = false;
  if (session_sql_.empty()) return ok_status();
  return exec_now(session_sql_);
}

Status Conn::reconnect() {
  if (Clock::now() < next_attempt_) {
    return make_error(Errc::unavailable, "database unreachable; retrying shortly");
  }
  const auto start = Clock::now();
  PQreset(c_);
  if (broken()) {
    if (Clock::now() - start > kSlowAttempt) next_attempt_ = Clock::now() + kReconnectBackoff;
    return lost("reconnect");
  }
  next_attempt_ = {};
  return start_session();
}

Status Conn::ready() {
  // Inside an explicit transaction a new session would silently lose what
  // the transaction did so far: report the loss instead.
  if (in_transaction_) return broken() ? lost("transaction") : ok_status();
  // A server that restarted, or dropped us while idle, left a FATAL message
  // and then EOF in the socket: reading them now notices the loss before a
  // write is sent into a dead connection. One read may stop after the
  // message, hence the loop; an idle healthy socket is not readable at all.
  for (int reads = 0; reads < 4 && !poisoned_ && !broken(); ++reads) {
    pollfd p{PQsocket(c_), POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0 || PQconsumeInput(c_) == 0) break;
    PQisBusy(c_);  // parses what came: a FATAL reaches on_notice
  }
  if (poisoned_ || farewell_ || broken()) return reconnect();
  switch (PQtransactionStatus(c_)) {
    case PQTRANS_IDLE:
      return ok_status();
    case PQTRANS_INTRANS:
    case PQTRANS_INERROR: {
      // Left by a failed call: end it so this call starts clean.
      Rows r(PQexec(c_, "ROLLBACK"));
      if (!broken()) return ok_status();
      return reconnect();
    }
    default:
      return reconnect();
  }
}

Status Conn::exec(const std::string& sql) {
  if (auto s = ready(); !s) return s;
  return exec_now(sql);
}

Status Conn::exec_now(const std::string& sql) {
  Rows r(PQexec(c_, sql.c_str()));
  const ExecStatusType status = PQresultStatus(r.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return ok_status();
  note_farewell(r.get());
  return error(r.get(), "exec");
}

Status Conn::begin() {
  if (auto s = exec("BEGIN"); !s) return s;
  in_transaction_ = true;
  return ok_status();
}

Status Conn::commit() {
  in_transaction_ = false;
  return exec_now("COMMIT");
}

void Conn::rollback() {
  in_transaction_ = false;
  if (!broken()) Rows r(PQexec(c_, "ROLLBACK"));
}

Result<Transaction> Transaction::begin(Conn& conn) {
  if (auto s = conn.begin(); !s) return s.error();
  return Transaction(&conn);
}

Transaction::~Transaction() {
  if (conn_) conn_->rollback();
}

Status Transaction::commit() { return std::exchange(conn_, nullptr)->commit(); }

Status Conn::prepare(const Statement& statement) {
  if (prepared_.contains(statement.name)) return ok_status();
  std::vector<Oid> types;
  types.reserve(statement.params.size());
  for (Type t : statement.params) types.push_back(static_cast<Oid>(t));
  Rows r(
      PQprepare(c_, statement.name, statement.sql, static_cast<int>(types.size()), types.data()));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    return error(r.get(), std::string("prepare ") + statement.name);
  }
  prepared_.insert(statement.name);
  return ok_status();
}

Result<Rows> Conn::execute(const Statement& statement, const Params& params) {
  Rows r(PQexecPrepared(c_, statement.name, params.size(), params.values(), params.lengths(),
                        params.formats(), 1));
  const ExecStatusType status = PQresultStatus(r.get());
  if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) return r;
  note_farewell(r.get());
  return error(r.get(), statement.name);
}

Result<Rows> Conn::query(const Statement& statement, const Params& params) {
  // ready() notices most dropped connections before sending. One that is
  // lost anyway gets one more try on a fresh session where that is safe:
  // while preparing (nothing of the call was sent yet) or for a read.
  for (int attempt = 0;; ++attempt) {
    if (auto s = ready(); !s) return s.error();
    if (auto s = prepare(statement); !s) {
      if (attempt == 0 && broken()) continue;
      return s.error();
    }
    auto rows = execute(statement, params);
    if (rows || attempt > 0 || !statement.resend_safe || !broken()) return rows;
  }
}

// ---- Pipelined transactions ----

Result<std::vector<Rows>> Conn::transaction(std::span<const Call> calls) {
  bool untouched = false;
  auto out = try_transaction(calls, untouched);
  // A connection found dead before the server ran anything of the batch:
  // nothing can have committed, so one resend on a fresh session is safe.
  // Anywhere later, nobody can tell, and the batch is reported unavailable.
  if (!out && untouched && out.error().code == Errc::unavailable) {
    out = try_transaction(calls, untouched);
  }
  return out;
}

Result<std::vector<Rows>> Conn::try_transaction(std::span<const Call> calls, bool& untouched) {
  untouched = true;  // until the first byte of the batch is sent
  if (auto s = ready(); !s) return s.error();
  for (const Call& call : calls) {
    if (auto s = prepare(*call.statement); !s) return s.error();
  }
  Result<std::vector<Rows>> out = std::vector<Rows>();
  if (auto sent = send_pipeline(calls); !sent) {
    untouched = false;
    out = sent.error();
  } else {
    out = read_pipeline(calls.size(), untouched);
  }
  leave_pipeline();
  // A failed statement leaves the transaction aborted until ROLLBACK; the
  // next ready() would end it too, but not holding its locks until then.
  if (!out && !broken() && !poisoned_ && PQtransactionStatus(c_) != PQTRANS_IDLE) {
    Rows r(PQexec(c_, "ROLLBACK"));
  }
  return out;
}

Status Conn::send_pipeline(std::span<const Call> calls) {
  // Non-blocking while sending: a large batch must not stall with both sides
  // waiting on full socket buffers, so answers are read while we write.
  if (PQsetnonblocking(c_, 1) != 0 || PQenterPipelineMode(c_) != 1) {
    return error(nullptr, "enter pipeline mode");
  }
  auto send_sql = [this](const char* sql) {
    return PQsendQueryParams(c_, sql, 0, nullptr, nullptr, nullptr, nullptr, 1) == 1;
  };
  if (!send_sql("BEGIN")) return lost("send batch");
  for (const Call& call : calls) {
    const Params& p = call.params;
    if (PQsendQueryPrepared(c_, call.statement->name, p.size(), p.values(), p.lengths(),
                            p.formats(), 1) != 1) {
      return lost("send batch");
    }
  }
  if (!send_sql("COMMIT") || PQpipelineSync(c_) != 1) return lost("send batch");
  for (;;) {
    const int flushed = PQflush(c_);
    if (flushed == 0) return ok_status();
    if (flushed < 0) return lost("send batch");
    pollfd p{PQsocket(c_), POLLIN | POLLOUT, 0};
    const int n = ::poll(&p, 1, kSendTimeoutMs);
    if (n == 0) {
      poisoned_ = true;
      return make_error(Errc::unavailable, "send batch: the database stopped reading");
    }
    if (n < 0 && errno != EINTR) return lost("send batch");
    if (n > 0 && (p.revents & POLLIN) && PQconsumeInput(c_) == 0) return lost("send batch");
  }
}

Result<std::vector<Rows>> Conn::read_pipeline(std::size_t calls, bool& untouched) {
  // Expected: BEGIN, one result per call, COMMIT (each followed by a null
  // result), then the sync marker. After an error the server skips the rest
  // (PIPELINE_ABORTED) up to the sync, COMMIT included.
  std::vector<Rows> out;
  out.reserve(calls);
  untouched = false;
  std::optional<Error> failure;
  std::size_t seen = 0;
  bool synced = false;
  for (int nulls = 0; !synced;) {
    Rows r(PQgetResult(c_));
    if (!r.get()) {
      // Two in a row: nothing more will come (a lost connection).
      if (++nulls >= 2 || broken()) break;
      continue;
    }
    nulls = 0;
    const ExecStatusType status = PQresultStatus(r.get());
    if (status == PGRES_PIPELINE_SYNC) {
      synced = true;
      break;
    }
    const std::size_t index = seen++;
    if (index == 0) {
      // The server answers in order: an error of its own (it carries a
      // SQLSTATE; libpq's "connection lost" does not) in place of BEGIN's
      // answer means it ran nothing of the batch, e.g. it was terminating
      // this idle session when the batch arrived.
      untouched =
          status == PGRES_FATAL_ERROR && PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) != nullptr;
    }
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      note_farewell(r.get());
      if (!failure && status != PGRES_PIPELINE_ABORTED) {
        failure = error(r.get(), index == 0           ? "begin"
                                 : index == calls + 1 ? "commit"
                                                      : "batch statement");
      }
      continue;
    }
    if (index >= 1 && index <= calls) out.push_back(std::move(r));
  }
  if (!synced || seen != calls + 2) {
    poisoned_ = true;  // the protocol is out of step; start a new session
    if (failure) return *std::move(failure);
    return broken() ? lost("batch") : make_error(Errc::internal, "batch answered out of step");
  }
  if (failure) return *std::move(failure);
  if (out.size() != calls) return make_error(Errc::internal, "batch answered out of step");
  return out;
}

void Conn::leave_pipeline() {
  if (PQpipelineStatus(c_) != PQ_PIPELINE_OFF && PQexitPipelineMode(c_) != 1) poisoned_ = true;
  if (!broken()) PQsetnonblocking(c_, 0);
}

}  // namespace parley::store::pg
