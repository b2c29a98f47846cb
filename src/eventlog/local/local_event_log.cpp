#include "eventlog/local/local_event_log.h"

#include <sqlite3.h>

#include <boost/json.hpp>
#include <charconv>
#include <optional>
#include <string_view>
#include <utility>

#include "store/sqlite/wal_write_combining_vfs.h"

namespace parley::eventlog {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS events (
  position        INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id        TEXT NOT NULL UNIQUE,
  type            TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  seq             INTEGER NOT NULL,
  body            TEXT NOT NULL,
  stored_at       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cursors (
  name     TEXT PRIMARY KEY,
  position INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// A prepared statement for one call; finalized on scope exit. The log's
// statements are few and off the hot path, so no cache.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  int step() { return sqlite3_step(s_); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::int64_t int64(int c) const { return sqlite3_column_int64(s_, c); }
  std::string text(int c) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string(p, sqlite3_column_bytes(s_, c)) : std::string();
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

// A message event's id is "<conversation_id>/<seq>/v<version>" (event_log.h):
// the part before the version, and the version; nullopt for any other id.
std::optional<std::pair<std::string_view, std::int64_t>> split_version(std::string_view id) {
  const auto at = id.rfind("/v");
  if (at == std::string_view::npos) return std::nullopt;
  std::int64_t version = 0;
  const char* first = id.data() + at + 2;
  const char* last = id.data() + id.size();
  auto [end, ec] = std::from_chars(first, last, version);
  if (ec != std::errc() || end != last || version < 1) return std::nullopt;
  return std::pair{id.substr(0, at + 2), version};
}

// The body of an earlier version of a deleted message, without its text: the
// content emptied and the attachment dropped, as the store's row is. Nullopt
// when there is nothing to erase (or the body is not a JSON object, which the
// relay never publishes).
std::optional<std::string> without_text(const std::string& body) {
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) return std::nullopt;
  auto& o = value.as_object();
  const auto* content = o.if_contains("content");
  const bool has_text = content && !(content->is_string() && content->as_string().empty());
  if (!has_text && !o.contains("media")) return std::nullopt;
  o["content"] = "";
  o.erase("media");
  return boost::json::serialize(o);
}

}  // namespace

Result<std::unique_ptr<LocalEventLog>> LocalEventLog::open(const std::string& path,
                                                           LocalEventLogOptions options) {
  sqlite3* db = nullptr;
  // One write per commit to the WAL (store/sqlite/wal_write_combining_vfs.h).
  // NOMUTEX: every use of the connection holds mu_ already.
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      store::sqlite::wal_write_combining_vfs()) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return make_error(Errc::internal, "open event log " + path + ": " + why);
  }
  std::unique_ptr<LocalEventLog> log(new LocalEventLog(db, options));
  // FULL: publish() returning means the events survive power loss, so the
  // relay may then remove its outbox rows.
  // secure_delete: the text erase_earlier_versions() overwrites is zeroed in
  // the file, not left in free space (as for the store's writer).
  for (const char* sql : {"PRAGMA busy_timeout = 5000", "PRAGMA journal_mode = WAL",
                          "PRAGMA synchronous = FULL", "PRAGMA secure_delete = ON", kSchema}) {
    if (auto s = log->exec(sql); !s) return s.error();
  }
  Stmt last(db, "SELECT coalesce(max(position), 0) FROM events");
  if (!last.ok() || last.step() != SQLITE_ROW) return log->failure("read last position");
  log->last_position_ = last.int64(0);
  return log;
}

LocalEventLog::LocalEventLog(sqlite3* db, LocalEventLogOptions options)
    : db_(db), options_(options) {}

LocalEventLog::~LocalEventLog() { sqlite3_close(db_); }

Status LocalEventLog::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) == SQLITE_OK) return ok_status();
  std::string why = err ? err : "unknown";
  sqlite3_free(err);
  return make_error(Errc::internal, std::string("event log: ") + why);
}

Error LocalEventLog::failure(const char* what) const {
  const int rc = sqlite3_errcode(db_);
  const Errc code = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) ? Errc::unavailable : Errc::internal;
  return make_error(code, std::string("event log: ") + what + ": " + sqlite3_errmsg(db_));
}

Status LocalEventLog::publish(const std::vector<Event>& events) {
  if (events.empty()) return ok_status();
  std::int64_t last = 0;
  {
    std::lock_guard lock(mu_);
    if (auto s = exec("BEGIN IMMEDIATE"); !s) return s;
    Stmt insert(db_,
                "INSERT OR IGNORE INTO events (event_id, type, conversation_id, seq, body, "
                "stored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    bool ok = insert.ok();
    const std::int64_t now = options_.clock();
    for (std::size_t i = 0; ok && i < events.size(); ++i) {
      const Event& e = events[i];
      insert.bind(1, e.id);
      insert.bind(2, e.type);
      insert.bind(3, e.conversation_id);
      insert.bind(4, e.seq);
      insert.bind(5, e.body);
      insert.bind(6, now);
      ok = insert.step() == SQLITE_DONE;
      insert.reset();
      if (ok && e.type == kMessageDeleted) ok = erase_earlier_versions(e.id);
    }
    if (!ok) {
      Error e = failure("insert events");
      (void)exec("ROLLBACK");
      return e;
    }
    if (auto s = exec("COMMIT"); !s) {
      (void)exec("ROLLBACK");
      return s;
    }
    last = sqlite3_last_insert_rowid(db_);
    published_since_trim_ += static_cast<std::int64_t>(events.size());
    trim_if_due();
  }
  {
    std::lock_guard lock(wait_mu_);
    last_position_ = std::max(last_position_, last);
  }
  cv_.notify_all();
  return ok_status();
}

// A delete erases the message's text from storage (docs/protocol.md), so the
// log must not keep it in the events of the message's earlier versions
// (message.created, message.edited) for the rest of the retention. They keep
// their positions and every other field: a consumer that has not reached them
// yet still gets them in order, then the delete.
bool LocalEventLog::erase_earlier_versions(const std::string& deleted_id) {
  const auto split = split_version(deleted_id);
  if (!split) return true;  // not a message event id: nothing to find
  const auto [prefix, version] = *split;
  Stmt read(db_, "SELECT body FROM events WHERE event_id = ?1");
  Stmt write(db_, "UPDATE events SET body = ?2 WHERE event_id = ?1");
  if (!read.ok() || !write.ok()) return false;
  for (std::int64_t v = 1; v < version; ++v) {
    std::string id(prefix);
    id += std::to_string(v);
    read.bind(1, id);
    const int rc = read.step();
    std::optional<std::string> erased;
    if (rc == SQLITE_ROW) erased = without_text(read.text(0));
    read.reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return false;
    if (!erased) continue;
    write.bind(1, id);
    write.bind(2, *erased);
    const bool written = write.step() == SQLITE_DONE;
    write.reset();
    if (!written) return false;
  }
  return true;
}

void LocalEventLog::trim_if_due() {
  if (published_since_trim_ < options_.trim_every) return;
  published_since_trim_ = 0;
  const std::int64_t cutoff = options_.clock() - options_.retention.count();
  // Events are stamped in position order, so the expired ones are the oldest
  // positions: find the first event still kept, walking from the oldest, and
  // delete the positions before it. `WHERE stored_at < cutoff` alone would
  // read the whole retention window (a week of events) every few thousand
  // publishes. If the clock stepped back, a stray older stamp after the first
  // kept event waits for a later trim.
  Stmt first_kept(db_,
                  "SELECT position FROM events WHERE stored_at >= ?1 ORDER BY position LIMIT 1");
  if (!first_kept.ok()) return;
  first_kept.bind(1, cutoff);
  const int rc = first_kept.step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return;  // tried again at the next trim
  // None kept: every event has expired. AUTOINCREMENT never reuses positions.
  const std::int64_t end = rc == SQLITE_ROW ? first_kept.int64(0) : INT64_MAX;
  Stmt del(db_, "DELETE FROM events WHERE position < ?1");
  if (del.ok()) {
    del.bind(1, end);
    (void)del.step();
  }
}

Result<std::unique_ptr<Consumer>> LocalEventLog::consume(const std::string& name,
                                                         Handler handler, Flush flush) {
  if (name.empty()) return make_error(Errc::bad_request, "consumer name is empty");
  return std::unique_ptr<Consumer>(std::make_unique<CursorConsumer>(
      static_cast<CursorSource&>(*this), name, std::move(handler), options_.consumer,
      std::move(flush)));
}

Result<std::int64_t> LocalEventLog::load_cursor(const std::string& name) {
  std::lock_guard lock(mu_);
  Stmt q(db_, "SELECT position FROM cursors WHERE name = ?1");
  if (!q.ok()) return failure("read cursor");
  q.bind(1, name);
  int rc = q.step();
  if (rc == SQLITE_ROW) return q.int64(0);
  if (rc == SQLITE_DONE) return std::int64_t{0};
  return failure("read cursor");
}

Status LocalEventLog::save_cursor(const std::string& name, std::int64_t position) {
  std::lock_guard lock(mu_);
  Stmt q(db_,
         "INSERT INTO cursors (name, position) VALUES (?1, ?2) "
         "ON CONFLICT (name) DO UPDATE SET position = max(position, excluded.position)");
  if (!q.ok()) return failure("save cursor");
  q.bind(1, name);
  q.bind(2, position);
  if (q.step() != SQLITE_DONE) return failure("save cursor");
  return ok_status();
}

Result<std::vector<Positioned>> LocalEventLog::read_after(std::int64_t after, int limit) {
  std::lock_guard lock(mu_);
  Stmt q(db_,
         "SELECT position, event_id, type, conversation_id, seq, body FROM events "
         "WHERE position > ?1 ORDER BY position LIMIT ?2");
  if (!q.ok()) return failure("read events");
  q.bind(1, after);
  q.bind(2, std::int64_t{limit});
  std::vector<Positioned> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    out.push_back({q.int64(0), Event{q.text(1), q.text(2), q.text(3), q.int64(4), q.text(5)}});
  }
  if (rc != SQLITE_DONE) return failure("read events");
  return out;
}

Result<std::vector<Event>> LocalEventLog::read_all() {
  std::vector<Event> out;
  std::int64_t after = 0;
  for (;;) {
    auto page = read_after(after, 1000);
    if (!page) return page.error();
    if (page->empty()) return out;
    for (auto& p : *page) {
      after = p.position;
      out.push_back(std::move(p.event));
    }
  }
}

void LocalEventLog::wait_for_more(std::int64_t after, std::chrono::milliseconds max) {
  std::unique_lock lock(wait_mu_);
  const std::uint64_t wakes = wakes_;
  cv_.wait_for(lock, max, [&] { return last_position_ > after || wakes_ != wakes; });
}

void LocalEventLog::wake_all() {
  {
    std::lock_guard lock(wait_mu_);
    ++wakes_;
  }
  cv_.notify_all();
}

}  // namespace parley::eventlog
