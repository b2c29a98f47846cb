#include "search/postgres/pg_search_index.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "search/postgres/pg_search_schema.h"
#include "search/search_cursor.h"
#include "search/search_text.h"

namespace parley::search {

using store::pg::Conn;
using store::pg::Params;
using store::pg::Statement;
using enum store::pg::Type;

namespace {

// Per session (set again after a reconnect). The consumer acknowledges an
// event once index() returns, so the write must be durable by then.
constexpr const char* kWriterSession =
    "SET synchronous_commit = on; SET lock_timeout = '10s'; SET statement_timeout = '30s'";
constexpr const char* kReaderSession =
    "SET default_transaction_read_only = on; SET statement_timeout = '10s'";

// One statement per batch (index() is a batch of one), so two workers (or a
// redelivery racing the original) cannot interleave: a row moves only to a
// higher version and never out of the deleted state. A deleted message
// keeps no content (its tsvector is empty). The columns come as parallel
// arrays (text, cast here: Params sends text arrays only). A statement may
// change a row once, so the batch holds each (conversation_id, seq) once
// (latest_versions below).
const Statement kUpsertBatch{
    "parley_search_upsert_batch",
    "INSERT INTO search_messages AS m (conversation_id, seq, message_id, version, deleted, content)"
    " SELECT c, s::int8, id, v::int8, d::boolean, t"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])"
    "   AS u(c, s, id, v, d, t)"
    " ON CONFLICT (conversation_id, seq) DO UPDATE SET"
    "   message_id = EXCLUDED.message_id, version = EXCLUDED.version,"
    "   deleted = EXCLUDED.deleted, content = EXCLUDED.content"
    " WHERE m.version < EXCLUDED.version AND NOT m.deleted",
    {text_array, text_array, text_array, text_array, text_array, text_array}};

// What the batch leaves of each message when applied in order under
// kUpsertBatch's rule (a higher version replaces, a deleted one stays
// deleted).
std::vector<const IndexedMessage*> latest_versions(std::span<const IndexedMessage> batch) {
  std::vector<const IndexedMessage*> out;
  std::map<std::pair<std::string_view, std::int64_t>, std::size_t> at;
  for (const auto& m : batch) {
    auto [it, fresh] = at.try_emplace({m.conversation_id, m.seq}, out.size());
    if (fresh) {
      out.push_back(&m);
    } else if (const IndexedMessage*& kept = out[it->second];
               m.version > kept->version && !kept->deleted) {
      kept = &m;
    }
  }
  return out;
}

// The message an event carries, or bad_request when PostgreSQL text cannot
// hold its ids or text (they could never be searched for either).
Result<std::optional<IndexedMessage>> storable_message(const eventlog::Event& event) {
  auto message = message_from_event(event);
  if (!message || !*message) return message;
  const IndexedMessage& m = **message;
  if (!store::pg::storable_text(m.conversation_id) || !store::pg::storable_text(m.message_id) ||
      !store::pg::storable_text(m.content)) {
    return make_error(Errc::bad_request, "event is not a message: text PostgreSQL cannot store");
  }
  return message;
}

// $1 tsquery text (search_text.h: quoted words ORed), $2 conversation ids.
// Scores are ts_rank scaled to an integer (search_cursor.h). Keyset: $3 false
// for the first page, else rows strictly after ($4, $5, $6) in the order
// (score, seq, conversation_id), all descending. Headlines only for the
// page's rows, after the LIMIT, of the content with '<' guarded (chr(1) is
// kLessThanGuard, see search_text.h). $8: ts_headline options.
const Statement kSearch{
    "parley_search_query",
    "WITH q AS (SELECT to_tsquery('simple', $1) AS q),"
    " page AS ("
    "  SELECT conversation_id, seq, message_id, content, score FROM ("
    "    SELECT m.conversation_id, m.seq, m.message_id, m.content,"
    "      (ts_rank(m.tsv, q.q)::float8 * 1000000000)::bigint AS score"
    "    FROM search_messages m, q"
    "    WHERE m.tsv @@ q.q AND NOT m.deleted AND m.conversation_id = ANY ($2::text[])"
    "  ) ranked"
    "  WHERE NOT $3 OR (score, seq, conversation_id) < ($4, $5, $6::text COLLATE \"C\")"
    "  ORDER BY score DESC, seq DESC, conversation_id DESC"
    "  LIMIT $7)"
    " SELECT page.conversation_id, page.seq, page.message_id, page.score,"
    "   ts_headline('simple', replace(page.content, '<', chr(1)), q.q, $8)"
    " FROM page, q ORDER BY page.score DESC, page.seq DESC, page.conversation_id DESC",
    {text, text_array, boolean, int8, int8, text, int8, text},
    true};

// ~16 words around the best match, markers as search_text.h says. Options
// are a parameter, so their non-ASCII markers need no quoting in SQL.
std::string headline_options() {
  return std::string("StartSel=") + std::string(kMarkOpen) +
         ", StopSel=" + std::string(kMarkClose) + ", MaxWords=16, MinWords=6, ShortWord=2";
}

}  // namespace

Result<std::unique_ptr<PgSearchIndex>> PgSearchIndex::open(const std::string& url) {
  auto writer = Conn::connect(url, kWriterSession);
  if (!writer) return writer.error();
  if (auto s = pg::migrate(**writer); !s) return s.error();
  auto reader = Conn::connect(url, kReaderSession);
  if (!reader) return reader.error();
  return std::unique_ptr<PgSearchIndex>(
      new PgSearchIndex(std::move(writer).value(), std::move(reader).value()));
}

Status PgSearchIndex::index(const eventlog::Event& event) {
  if (auto s = stage(event); !s) return s;
  return flush();
}

Status PgSearchIndex::stage(const eventlog::Event& event) {
  auto message = storable_message(event);
  if (!message) return message.error();
  if (!*message) return ok_status();
  std::lock_guard lock(write_mu_);
  return staged_.add(std::move(**message));
}

Status PgSearchIndex::flush() {
  std::lock_guard lock(write_mu_);
  return staged_.flush();
}

Status PgSearchIndex::write(std::span<const IndexedMessage> batch) {
  std::vector<std::string> columns[6];
  for (const IndexedMessage* m : latest_versions(batch)) {
    columns[0].push_back(m->conversation_id);
    columns[1].push_back(std::to_string(m->seq));
    columns[2].push_back(m->message_id);
    columns[3].push_back(std::to_string(m->version));
    columns[4].push_back(m->deleted ? "t" : "f");
    columns[5].push_back(m->content);
  }
  Params params;
  for (const auto& column : columns) params.text_array(column);
  // One statement: atomic, and durable when it returns (synchronous_commit).
  auto done = writer_->query(kUpsertBatch, params);
  if (!done) return done.error();
  return ok_status();
}

Result<SearchPage> PgSearchIndex::search(const SearchQuery& query) {
  auto cursor = decode_cursor(query.cursor);
  if (!cursor) return cursor.error();
  const auto words = query_words(query.q);
  SearchPage page;
  if (words.empty() || query.conversation_ids.empty()) return page;
  // Text PostgreSQL cannot hold matches nothing, as an unknown id would.
  if (!store::pg::storable_text(query.q)) return page;
  std::vector<std::string> ids;
  for (const auto& id : query.conversation_ids)
    if (store::pg::storable_text(id)) ids.push_back(id);
  if (ids.empty()) return page;
  const Cursor after = cursor->value_or(Cursor{});
  if (!store::pg::storable_text(after.conversation_id))
    return make_error(Errc::bad_request, "bad cursor");

  const int limit = std::clamp(query.limit, 1, kMaxLimit);
  const std::string tsquery = tsquery_text(words);
  const std::string options = headline_options();
  Params params;
  params.text(tsquery).text_array(ids).boolean(cursor->has_value()).int64(after.score);
  params.int64(after.seq).text(after.conversation_id).int64(limit + 1).text(options);

  std::lock_guard lock(read_mu_);
  auto rows = reader_->query(kSearch, params);
  if (!rows) return rows.error();
  const int n = std::min(rows->count(), limit);
  for (int i = 0; i < n; ++i) {
    SearchHit hit;
    hit.conversation_id = rows->text(i, 0);
    hit.seq = rows->int64(i, 1);
    hit.message_id = rows->text(i, 2);
    hit.snippet = render_snippet(rows->text(i, 4));
    page.results.push_back(std::move(hit));
  }
  if (rows->count() > limit) {
    const auto& last = page.results.back();
    page.next_cursor = encode_cursor(Cursor{rows->int64(n - 1, 3), last.seq, last.conversation_id});
  }
  return page;
}

}  // namespace parley::search
