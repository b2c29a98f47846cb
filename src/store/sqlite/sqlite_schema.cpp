#include "store/sqlite/sqlite_schema.h"

#include <sqlite3.h>

#include <iterator>
#include <string>
#include <string_view>

namespace parley::store::sqlite {

namespace {

// Append only: a migration that has shipped never changes; a later version
// adds an entry. Entry i takes the database from version i to i + 1.
constexpr std::string_view kMigrations[] = {
    // 1: the initial schema.
    R"sql(
CREATE TABLE conversations (
  id               TEXT PRIMARY KEY,
  type             TEXT NOT NULL CHECK (type IN ('direct', 'group')),
  name             TEXT NOT NULL DEFAULT '',
  created_by       TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  last_seq         INTEGER NOT NULL DEFAULT 0,
  last_activity_at INTEGER NOT NULL,
  last_message_at  INTEGER NOT NULL DEFAULT 0,
  -- The sorted user pair of a direct conversation, NULL for groups: makes
  -- "one direct conversation per pair" a constraint, not a hope.
  direct_key       TEXT UNIQUE
) WITHOUT ROWID;

-- Clustered by conversation: member lists and the per-send membership check
-- read one contiguous range.
CREATE TABLE members (
  conversation_id TEXT NOT NULL REFERENCES conversations (id),
  user_id         TEXT NOT NULL,
  role            TEXT NOT NULL CHECK (role IN ('owner', 'member')),
  delivered_seq   INTEGER NOT NULL DEFAULT 0,
  read_seq        INTEGER NOT NULL DEFAULT 0,
  joined_at       INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;

-- A user's conversations (list_conversations, contacts).
CREATE INDEX members_by_user ON members (user_id);

-- Clustered by (conversation_id, seq): history pages are range scans with no
-- second lookup. client_msg_id is NULL when the sender gave none.
CREATE TABLE messages (
  conversation_id TEXT NOT NULL REFERENCES conversations (id),
  seq             INTEGER NOT NULL,
  message_id      TEXT NOT NULL UNIQUE,
  sender_id       TEXT NOT NULL,
  client_msg_id   TEXT,
  content         TEXT NOT NULL,
  kind            TEXT NOT NULL,
  reply_to        TEXT NOT NULL DEFAULT '',
  ts              INTEGER NOT NULL,
  version         INTEGER NOT NULL DEFAULT 1,
  deleted         INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;

-- Idempotent resends: the same (sender, client_msg_id) is stored once.
CREATE UNIQUE INDEX messages_by_client_id ON messages (sender_id, client_msg_id);
)sql",
    // 2: the attachment of image and file messages (Message::media), a JSON
    // object as text; '' for every message before it and for text messages.
    R"sql(
ALTER TABLE messages ADD COLUMN media TEXT NOT NULL DEFAULT '';
)sql",
    // 3: the transactional outbox (eventlog/README.md): rows written in the
    // batch's transaction when the store's outbox is on, removed by the relay
    // once published. AUTOINCREMENT: ids never go back, even after the
    // newest rows were removed, so the relay's order is commit order.
    R"sql(
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id        TEXT NOT NULL,
  type            TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  seq             INTEGER NOT NULL,
  body            TEXT NOT NULL
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

int schema_version() { return kVersion; }

Status migrate(Db& db) {
  // IMMEDIATE: two processes opening a fresh file must not both migrate it.
  auto txn = Txn::write(db);
  if (!txn) return txn.error();
  auto version = current_version(db);
  if (!version) return version.error();
  if (*version > kVersion) {
    return make_error(Errc::internal, "database schema version " + std::to_string(*version) +
                                          " is newer than this build (" +
                                          std::to_string(kVersion) + ")");
  }
  if (*version == kVersion) return ok_status();  // nothing written; Txn rolls back
  for (int v = *version; v < kVersion; ++v) {
    if (auto s = db.exec(std::string(kMigrations[v])); !s) return s;
  }
  // user_version lives in the file header and commits with the migrations.
  if (auto s = db.exec("PRAGMA user_version = " + std::to_string(kVersion)); !s) return s;
  return txn->commit();
}

}  // namespace parley::store::sqlite
