#include "search/sqlite/sqlite_search_schema.h"

#include <sqlite3.h>

#include <iterator>
#include <string>
#include <string_view>

namespace parley::search::sqlite {
namespace {

using store::sqlite::Db;
using store::sqlite::Txn;

// Append only: a migration that has shipped never changes. Entry i takes the
// file from version i to i + 1.
constexpr std::string_view kMigrations[] = {
    // 1: one row per message ever indexed, tombstones included (they keep a
    // late, older event from bringing a deleted message back), and the text
    // of the live ones in FTS5, rowid = messages.doc.
    // unicode61 with remove_diacritics 2: case- and accent-insensitive in
    // every script ("Café" is found by "cafe"), no stemming (chat is
    // multilingual; a stemmer would be right for one language only).
    R"sql(
CREATE TABLE messages (
  doc             INTEGER PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  seq             INTEGER NOT NULL,
  message_id      TEXT NOT NULL,
  version         INTEGER NOT NULL,
  deleted         INTEGER NOT NULL DEFAULT 0,
  UNIQUE (conversation_id, seq)
);
CREATE VIRTUAL TABLE messages_fts USING fts5(
  content,
  tokenize = 'unicode61 remove_diacritics 2'
);
)sql",
};

constexpr int kVersion = static_cast<int>(std::size(kMigrations));

Result<int> current_version(Db& db) {
  auto stmt = db.prepare("PRAGMA user_version");
  if (!stmt) return stmt.error();
  if (int rc = stmt->step(); rc != SQLITE_ROW) return db.error(rc, "read schema version");
  return static_cast<int>(stmt->int64(0));
}

}  // namespace

Status migrate(Db& db) {
  auto txn = Txn::write(db);
  if (!txn) return txn.error();
  auto current = current_version(db);
  if (!current) return current.error();
  const int version = *current;
  if (version > kVersion) {
    return make_error(Errc::internal, "search database schema version " + std::to_string(version) +
                                          " is newer than this build (" + std::to_string(kVersion) +
                                          ")");
  }
  if (version == kVersion) return ok_status();
  for (int v = version; v < kVersion; ++v) {
    if (auto s = db.exec(std::string(kMigrations[v])); !s) return s;
  }
  if (auto s = db.exec("PRAGMA user_version = " + std::to_string(kVersion)); !s) return s;
  return txn->commit();
}

}  // namespace parley::search::sqlite
