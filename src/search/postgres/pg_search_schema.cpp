#include "search/postgres/pg_search_schema.h"

#include "store/postgres/pg_migrations.h"

#include <iterator>
#include <string>
#include <string_view>

namespace parley::search::pg {
namespace {

using store::pg::Conn;
using store::pg::Statement;

// Append only: a migration that has shipped never changes. Entry i takes the
// database from version i to i + 1. Names are unqualified: the tables live in
// the first schema of the search_path.
constexpr std::string_view kMigrations[] = {
    // 1: one row per message ever indexed, tombstones included (deleted, no
    // content: they keep a late, older event from bringing it back). The
    // 'simple' configuration: lower-cased words, no stemming and no stop
    // words, for chat in any language. tsv is generated, so it cannot
    // disagree with content; GIN makes @@ an index lookup.
    R"sql(
CREATE TABLE search_messages (
  conversation_id text COLLATE "C" NOT NULL,
  seq             bigint NOT NULL,
  message_id      text COLLATE "C" NOT NULL,
  version         bigint NOT NULL,
  deleted         boolean NOT NULL DEFAULT false,
  content         text NOT NULL DEFAULT '',
  tsv             tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, content)) STORED,
  PRIMARY KEY (conversation_id, seq)
);
CREATE INDEX search_messages_tsv ON search_messages USING GIN (tsv);
)sql",
};

// Not the store's key: the two migrate independently.
constexpr const char* kLockSql = "SELECT pg_advisory_xact_lock(7306916390177611777)";

const Statement kCurrentVersion{
    "parley_search_schema_version",
    "SELECT coalesce(max(version), 0)::bigint FROM search_schema_migrations",
    {},
    true};

}  // namespace

Status migrate(Conn& conn) {
  return store::pg::apply_migrations(
      conn, {"search schema", "search_schema_migrations", kLockSql, kCurrentVersion, kMigrations});
}

}  // namespace parley::search::pg
