#include "store/postgres/pg_schema.h"

#include "store/postgres/pg_migrations.h"

#include <iterator>
#include <string>
#include <string_view>

namespace parley::store::pg {

namespace {

// Append only: a migration that has shipped never changes; a later version
// adds an entry. Entry i takes the database from version i to i + 1. Names
// are unqualified: the tables live in the first schema of the search_path.
constexpr std::string_view kMigrations[] = {
    // 1: the initial schema, the shape of SQLite's (sqlite/sqlite_schema.cpp).
    R"sql(
-- Ids collate as bytes ("C"), as the other backends compare them, whatever
-- the database's locale: list order and cursors must agree everywhere.
-- fillfactor leaves room on each page so that the per-append updates of
-- last_seq and of the sender's marks stay HOT (no index writes).
CREATE TABLE conversations (
  id               text COLLATE "C" PRIMARY KEY,
  type             text NOT NULL CHECK (type IN ('direct', 'group')),
  name             text NOT NULL DEFAULT '',
  created_by       text COLLATE "C" NOT NULL,
  created_at       bigint NOT NULL,
  last_seq         bigint NOT NULL DEFAULT 0,
  last_activity_at bigint NOT NULL,
  last_message_at  bigint NOT NULL DEFAULT 0,
  -- The sorted user pair of a direct conversation, NULL for groups: makes
  -- "one direct conversation per pair" a constraint, not a hope.
  direct_key       text COLLATE "C" UNIQUE
) WITH (fillfactor = 70);

CREATE TABLE members (
  conversation_id text COLLATE "C" NOT NULL REFERENCES conversations (id),
  user_id         text COLLATE "C" NOT NULL,
  role            text NOT NULL CHECK (role IN ('owner', 'member')),
  delivered_seq   bigint NOT NULL DEFAULT 0,
  read_seq        bigint NOT NULL DEFAULT 0,
  joined_at       bigint NOT NULL,
  PRIMARY KEY (conversation_id, user_id)
) WITH (fillfactor = 70);

-- A user's conversations (list_conversations, contacts).
CREATE INDEX members_by_user ON members (user_id, conversation_id);

-- content is bytea: stored byte for byte like SQLite does, NUL included,
-- which PostgreSQL text cannot hold. client_msg_id is NULL when the sender
-- gave none (NULLs never collide in a UNIQUE index).
CREATE TABLE messages (
  conversation_id text COLLATE "C" NOT NULL REFERENCES conversations (id),
  seq             bigint NOT NULL,
  message_id      text COLLATE "C" NOT NULL UNIQUE,
  sender_id       text COLLATE "C" NOT NULL,
  client_msg_id   text COLLATE "C",
  content         bytea NOT NULL,
  kind            text NOT NULL,
  reply_to        text NOT NULL DEFAULT '',
  ts              bigint NOT NULL,
  version         bigint NOT NULL DEFAULT 1,
  deleted         boolean NOT NULL DEFAULT false,
  PRIMARY KEY (conversation_id, seq)
);

-- Idempotent resends: the same (sender, client_msg_id) is stored once.
CREATE UNIQUE INDEX messages_by_client_id ON messages (sender_id, client_msg_id);
)sql",
    // 2: the attachment of image and file messages (Message::media), a JSON
    // object as text; '' for every message before it and for text messages.
    // A constant default: no table rewrite, instant on a big table.
    R"sql(
ALTER TABLE messages ADD COLUMN media text NOT NULL DEFAULT '';
)sql",
    // 3: the transactional outbox (eventlog/README.md), written in the batch's
    // transaction when the store's outbox is on, removed by the relay once
    // published. A change's fields, not its JSON: the body needs the seq the
    // statement assigns, and content is bytea (NUL included), which SQL
    // cannot put into JSON text; the relay's read builds the body in C++
    // (store/outbox_events.h). Message columns in read_message's order.
    R"sql(
CREATE TABLE outbox (
  id              bigserial PRIMARY KEY,
  type            text NOT NULL,
  user_id         text COLLATE "C",
  is_read         boolean,
  conversation_id text COLLATE "C" NOT NULL,
  seq             bigint NOT NULL,
  message_id      text COLLATE "C",
  sender_id       text COLLATE "C",
  client_msg_id   text COLLATE "C",
  content         bytea,
  kind            text,
  reply_to        text,
  ts              bigint,
  version         bigint,
  deleted         boolean,
  media           text
);
)sql",
};

constexpr int kVersion = static_cast<int>(std::size(kMigrations));

// Any constant works, as long as every build uses the same one. Advisory
// locks are per database, so shards in other databases do not wait for it.
constexpr const char* kLockSql = "SELECT pg_advisory_xact_lock(7306916390177611776)";

const Statement kCurrentVersion{
    "parley_schema_version", "SELECT coalesce(max(version), 0) FROM schema_migrations", {}};

}  // namespace

int schema_version() { return kVersion; }

Status migrate(Conn& conn) {
  return apply_migrations(conn, {"database schema", "schema_migrations", kLockSql,
                                 kCurrentVersion, kMigrations});
}

}  // namespace parley::store::pg
