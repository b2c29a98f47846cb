#include "search/sqlite/sqlite_search_index.h"

#include <sqlite3.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <utility>

#include "common/log.h"
#include "search/search_text.h"
#include "search/sqlite/sqlite_search_schema.h"
#include "store/sqlite/wal_write_combining_vfs.h"

namespace parley::search {

using store::sqlite::Db;
using store::sqlite::Txn;

namespace {

std::shared_ptr<spdlog::logger> logger() {
  static auto log = component_logger("search");
  return log;
}

// bm25() is negative, better matches lower; scores are -bm25 scaled to an
// integer (see search_cursor.h). 1e12 keeps the order of the tiny scores
// FTS5 gives words found in most messages (its IDF floor is 1e-6).
//
// Membership: ?2 is a JSON array of the conversation ids to look in.
// Keyset: ?3 = 0 for the first page, else rows strictly after (?4, ?5, ?6)
// in the order (score, seq, conversation_id), all descending.
constexpr const char* kSearch =
    "SELECT doc, conversation_id, seq, message_id, score FROM ("
    "  SELECT m.doc AS doc, m.conversation_id AS conversation_id, m.seq AS seq,"
    "    m.message_id AS message_id,"
    "    CAST(-bm25(messages_fts) * 1000000000000.0 AS INTEGER) AS score"
    "  FROM messages_fts JOIN messages m ON m.doc = messages_fts.rowid"
    "  WHERE messages_fts MATCH ?1 AND m.deleted = 0"
    "    AND m.conversation_id IN (SELECT value FROM json_each(?2))"
    ") WHERE ?3 = 0 OR (score, seq, conversation_id) < (?4, ?5, ?6)"
    " ORDER BY score DESC, seq DESC, conversation_id DESC LIMIT ?7";

// Snippets only for the page's rows, not for every match: ~16 tokens around
// the best match, markers and ellipsis as search_text.h says.
constexpr const char* kSnippet =
    "SELECT snippet(messages_fts, 0, ?2, ?3, ?4, 16) FROM messages_fts"
    " WHERE messages_fts MATCH ?1 AND rowid = ?5";

constexpr const char* kFind =
    "SELECT doc, version, deleted FROM messages WHERE conversation_id = ?1 AND seq = ?2";
// No RETURNING: SQLite runs it as a trigger, which gives the INSERT a
// statement savepoint, and FTS5 writes its pending terms out as a new segment
// at every savepoint. With RETURNING each message became a segment of its own
// (merged again and again) instead of one segment per batch.
constexpr const char* kInsert =
    "INSERT INTO messages (conversation_id, seq, message_id, version, deleted)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kUpdate =
    "UPDATE messages SET message_id = ?2, version = ?3, deleted = ?4 WHERE doc = ?1";
constexpr const char* kDropText = "DELETE FROM messages_fts WHERE rowid = ?1";
constexpr const char* kAddText = "INSERT INTO messages_fts (rowid, content) VALUES (?1, ?2)";
// Merges every segment into one, leaving out deleted rows' words.
constexpr const char* kMergeAll = "INSERT INTO messages_fts (messages_fts) VALUES ('optimize')";

Status configure(Db& db, bool writer) {
  if (auto s = db.exec("PRAGMA busy_timeout = 5000"); !s) return s;
  // FULL, not NORMAL, although the index can be rebuilt from the log: the
  // consumer acknowledges events once index() or flush() returns, and a
  // delete lost to a power cut would leave a deleted message findable.
  if (auto s = db.exec("PRAGMA synchronous = FULL"); !s) return s;
  if (!writer) return db.exec("PRAGMA query_only = ON");
  auto mode = db.prepare("PRAGMA journal_mode = WAL");
  if (!mode) return mode.error();
  if (int rc = mode->step(); rc != SQLITE_ROW) return db.error(rc, "set journal_mode");
  if (mode->text(0) != "wal")
    return make_error(Errc::internal,
                      "search database refused WAL mode (got " + mode->text(0) + ")");
  // An optimize writes the whole index through the WAL: cut the file back to
  // 64 MiB after the checkpoint.
  if (auto s = db.exec("PRAGMA journal_size_limit = 67108864"); !s) return s;
  // A deleted message's text must not linger in freed pages of the file.
  return db.exec("PRAGMA secure_delete = ON");
}

Result<std::unique_ptr<Db>> open_connection(const std::string& path, bool writer) {
  // The writer's WAL writes go out as one write per commit.
  auto db = Db::open(path, writer ? store::sqlite::wal_write_combining_vfs() : nullptr);
  if (!db) return db.error();
  if (auto s = configure(**db, writer); !s) return s.error();
  return db;
}

}  // namespace

Result<std::unique_ptr<SqliteSearchIndex>> SqliteSearchIndex::open(const std::string& path,
                                                                   SqliteSearchOptions options) {
  auto writer = open_connection(path, true);
  if (!writer) return writer.error();
  if (auto s = sqlite::migrate(**writer); !s) return s.error();
  auto reader = open_connection(path, false);
  if (!reader) return reader.error();
  return std::unique_ptr<SqliteSearchIndex>(new SqliteSearchIndex(
      std::move(writer).value(), std::move(reader).value(), std::move(options)));
}

SqliteSearchIndex::~SqliteSearchIndex() {
  std::lock_guard lock(write_mu_);
  erase_deleted_words(true);
}

Status SqliteSearchIndex::index(const eventlog::Event& event) {
  if (auto s = stage(event); !s) return s;
  return flush();
}

Status SqliteSearchIndex::stage(const eventlog::Event& event) {
  auto message = message_from_event(event);
  if (!message) return message.error();
  if (!*message) return ok_status();
  std::lock_guard lock(write_mu_);
  return staged_.add(std::move(**message));
}

Status SqliteSearchIndex::flush() {
  std::lock_guard lock(write_mu_);
  if (auto s = staged_.flush(); !s) return s;
  erase_deleted_words(false);
  return ok_status();
}

void SqliteSearchIndex::erase_deleted_words(bool due) {
  if (!erase_pending_) return;
  const auto now = options_.now();
  if (!due && last_erase_ && now - *last_erase_ < options_.erase_interval) return;
  last_erase_ = now;  // a failure waits for the interval too, not every flush
  auto merged = [&]() -> Status {
    auto txn = Txn::write(*writer_);
    if (!txn) return txn.error();
    if (auto s = writer_->exec(kMergeAll); !s) return s;
    return txn->commit();
  }();
  if (!merged) {  // the index is right; only the words wait
    logger()->warn("search index: merging out deleted words failed: {}; retrying later",
                   merged.error().message);
    return;
  }
  erase_pending_ = false;
}

Status SqliteSearchIndex::write(std::span<const IndexedMessage> batch) {
  auto txn = Txn::write(*writer_);
  if (!txn) return txn.error();
  for (const auto& m : batch)
    if (auto s = apply(m); !s) return s;
  return txn->commit();
}

Status SqliteSearchIndex::apply(const IndexedMessage& m) {
  Db& db = *writer_;
  std::int64_t doc = 0;
  {
    auto find = db.prepare(kFind);
    if (!find) return find.error();
    find->bind(1, m.conversation_id).bind(2, m.seq);
    int rc = find->step();
    if (rc == SQLITE_ROW) {
      // Already at this version or newer, or deleted for good: a repeat or a
      // late event, nothing to do.
      if (find->int64(1) >= m.version || find->int64(2) != 0) return ok_status();
      doc = find->int64(0);
    } else if (rc != SQLITE_DONE) {
      return db.error(rc, "find indexed message");
    }
  }
  if (doc != 0) {
    if (auto s = db.run(kUpdate, doc, m.message_id, m.version, std::int64_t{m.deleted}); !s)
      return s;
    if (auto s = db.run(kDropText, doc); !s) return s;
    if (m.deleted) erase_pending_ = true;
  } else {
    if (auto s = db.run(kInsert, std::string_view(m.conversation_id), m.seq,
                        std::string_view(m.message_id), m.version, std::int64_t{m.deleted});
        !s)
      return s;
    doc = db.last_insert_rowid();
  }
  if (!m.deleted) {
    if (auto s = db.run(kAddText, doc, std::string_view(m.content)); !s) return s;
  }
  return ok_status();
}

Result<SearchPage> SqliteSearchIndex::search(const SearchQuery& query) {
  auto cursor = decode_cursor(query.cursor);
  if (!cursor) return cursor.error();
  const auto words = query_words(query.q);
  SearchPage page;
  if (words.empty() || query.conversation_ids.empty()) return page;
  const int limit = std::clamp(query.limit, 1, kMaxLimit);
  const std::string match = fts5_match(words);
  boost::json::array ids;
  for (const auto& id : query.conversation_ids) ids.emplace_back(id);
  const std::string ids_json = boost::json::serialize(ids);

  std::lock_guard lock(read_mu_);
  Db& db = *reader_;
  // One snapshot for the page and its snippets.
  auto txn = Txn::read(db);
  if (!txn) return txn.error();
  std::vector<std::int64_t> docs;
  Cursor last;
  bool more = false;
  {
    auto stmt = db.prepare(kSearch);
    if (!stmt) return stmt.error();
    const Cursor after = cursor->value_or(Cursor{});
    stmt->bind(1, std::string_view(match)).bind(2, std::string_view(ids_json));
    stmt->bind(3, std::int64_t{cursor->has_value()}).bind(4, after.score).bind(5, after.seq);
    stmt->bind(6, std::string_view(after.conversation_id)).bind(7, std::int64_t{limit + 1});
    for (;;) {
      int rc = stmt->step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return db.error(rc, "search");
      if (static_cast<int>(page.results.size()) == limit) {
        more = true;
        break;
      }
      docs.push_back(stmt->int64(0));
      SearchHit hit;
      hit.conversation_id = stmt->text(1);
      hit.seq = stmt->int64(2);
      hit.message_id = stmt->text(3);
      last = Cursor{stmt->int64(4), hit.seq, hit.conversation_id};
      page.results.push_back(std::move(hit));
    }
  }
  for (std::size_t i = 0; i < docs.size(); ++i) {
    auto stmt = db.prepare(kSnippet);
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(match)).bind(2, kMarkOpen).bind(3, kMarkClose);
    stmt->bind(4, kEllipsis).bind(5, docs[i]);
    int rc = stmt->step();
    if (rc == SQLITE_ROW) {
      page.results[i].snippet = render_snippet(stmt->text(0));
    } else if (rc != SQLITE_DONE) {
      return db.error(rc, "snippet");
    }
  }
  if (more) page.next_cursor = encode_cursor(last);
  return page;
}

}  // namespace parley::search
