#include "store/postgres/pg_store.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "store/postgres/pg_apply.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_queries.h"
#include "store/postgres/pg_schema.h"
#include "store/outbox_events.h"
#include "store/store_rules.h"

namespace parley::store {

using pg::Conn;
using pg::Params;
using pg::Statement;
using enum pg::Type;

namespace {

// Per session, so they are set again after every reconnect. A commit is
// durable before apply() returns, whatever the server's default says; no
// call waits forever on a lock or a stuck statement. Generic plans: the
// write statements are key lookups whose plan never depends on the values,
// and re-planning the append's CTEs per execution cost about a third of the
// throughput (measured).
constexpr const char* kWriterSession =
    "SET synchronous_commit = on; SET plan_cache_mode = force_generic_plan; "
    "SET lock_timeout = '10s'; SET statement_timeout = '30s'; "
    "SET idle_in_transaction_session_timeout = '60s'";
// A read-path bug must not become a write.
constexpr const char* kReaderSession =
    "SET default_transaction_read_only = on; SET statement_timeout = '30s'";

// Looks for the direct pair and the id, then inserts the conversation and its
// members, all in one statement (one implicit transaction). ON CONFLICT: a
// concurrent creator of the same id or pair makes this write nothing, and
// the caller looks again.
const Statement kCreateConversation{
    "parley_create_conversation",
    "WITH existing AS MATERIALIZED ("
    "  SELECT id FROM conversations WHERE direct_key = $6"
    "), taken AS MATERIALIZED ("
    "  SELECT EXISTS (SELECT 1 FROM conversations WHERE id = $1) AS yes"
    "), created AS ("
    "  INSERT INTO conversations (id, type, name, created_by, created_at, last_activity_at, "
    "    direct_key)"
    "  SELECT $1, $2, $3, $4, $5, $5, $6"
    "  WHERE NOT EXISTS (SELECT 1 FROM existing) AND NOT (SELECT yes FROM taken)"
    "  ON CONFLICT DO NOTHING RETURNING id"
    "), joined AS ("
    "  INSERT INTO members (conversation_id, user_id, role, joined_at)"
    "  SELECT created.id, u.user_id, u.role, $5"
    "  FROM created, unnest($7::text[], $8::text[]) AS u (user_id, role)"
    ") "
    "SELECT (SELECT id FROM existing), (SELECT yes FROM taken), EXISTS (SELECT 1 FROM created)",
    {text, text, text, text, int8, text, text_array, text_array}};

// 'direct' mirrors rules::check_add_member_to, which gives the verdict.
const Statement kAddMember{"parley_add_member",
                           "WITH conv AS MATERIALIZED ("
                           "  SELECT type FROM conversations WHERE id = $1"
                           "), joined AS ("
                           "  INSERT INTO members (conversation_id, user_id, role, joined_at)"
                           "  SELECT $1, $2, 'member', $3 FROM conv WHERE conv.type <> 'direct'"
                           "  ON CONFLICT DO NOTHING RETURNING 1"
                           ") "
                           "SELECT conv.type, EXISTS (SELECT 1 FROM joined) FROM conv",
                           {text, text, int8}};

const Statement kRemoveMember{
    "parley_remove_member",
    "DELETE FROM members WHERE conversation_id = $1 AND user_id = $2 RETURNING 1",
    {text, text}};

Error conversation_not_found() { return make_error(Errc::not_found, "conversation not found"); }

const Statement kOutboxRead{
    "parley_outbox_read",
    "SELECT id, type, user_id, coalesce(is_read, false), " PARLEY_PG_MESSAGE_COLUMNS
    " FROM outbox WHERE id > $1 ORDER BY id LIMIT $2",
    {int8, int8},
    /*resend_safe=*/true};
constexpr int kOutboxMessageColumn = 4;

const Statement kOutboxRemove{"parley_outbox_remove",
                              "DELETE FROM outbox WHERE id = ANY ($1::text[]::bigint[])",
                              {text_array}};

}  // namespace

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& url,
                                                           StoreOptions options) {
  auto writer = Conn::connect(url, kWriterSession);
  if (!writer) return writer.error();
  if (auto s = pg::migrate(**writer); !s) return s.error();
  auto reader = Conn::connect(url, kReaderSession);
  if (!reader) return reader.error();
  return std::unique_ptr<PostgresStore>(
      new PostgresStore(url, std::move(*writer), std::move(*reader), options));
}

PostgresStore::PostgresStore(std::string url, std::unique_ptr<Conn> writer,
                             std::unique_ptr<Conn> reader, StoreOptions options)
    : options_(options), url_(std::move(url)), writer_(std::move(writer)) {
  idle_readers_.push_back(std::move(reader));
  readers_ = 1;
}

PostgresStore::~PostgresStore() = default;

// ---- Writer connection ----

std::vector<WriteResult> PostgresStore::apply(std::span<const WriteOp> ops) {
  std::lock_guard lock(write_mu_);
  auto results = pg::apply_batch(*writer_, ops, options_.outbox);
  if (results) return std::move(results).value();
  spdlog::error("store: postgres batch of {} ops failed: {}", ops.size(), results.error().message);
  return std::vector<WriteResult>(ops.size(), WriteResult(results.error()));
}

Result<Conversation> PostgresStore::create_conversation(const NewConversation& in) {
  auto plan = rules::plan_conversation(in);
  if (!plan) return plan.error();
  const NewConversation& nc = plan->conversation;
  // User ids are checked by the rules; these two are stored as given.
  if (!pg::storable_text(nc.id) || !pg::storable_text(nc.name)) {
    return make_error(Errc::bad_request, "conversation id or name is not valid UTF-8 text");
  }
  Conversation created = rules::new_conversation(nc);
  std::vector<std::string> user_ids, roles;
  for (const Member& m : created.members) {
    user_ids.push_back(m.user_id);
    roles.push_back(m.role);
  }
  Params params;
  params.text(nc.id)
      .text(nc.type)
      .text(nc.name)
      .text(nc.created_by)
      .int64(nc.created_at)
      .text_or_null(plan->direct_key)
      .text_array(user_ids)
      .text_array(roles);

  std::lock_guard lock(write_mu_);
  // A second look only follows a lost race, which the first look then sees.
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto rows = writer_->query(kCreateConversation, params);
    if (!rows) return rows.error();
    if (!rows->is_null(0, 0)) {
      auto existing = pg::load_conversation(*writer_, rows->text(0, 0));
      if (!existing) return existing.error();
      if (*existing) return std::move(**existing);
      continue;
    }
    if (rows->boolean(0, 1)) return make_error(Errc::conflict, "conversation id already used");
    if (rows->boolean(0, 2)) return created;
  }
  return make_error(Errc::unavailable, "conversation created concurrently; retry");
}

Status PostgresStore::add_member(std::string_view conversation_id, std::string_view user_id,
                                 std::int64_t joined_at) {
  if (auto s = rules::check_add_member(user_id); !s) return s;
  std::lock_guard lock(write_mu_);
  auto rows =
      writer_->query(kAddMember, Params().key(conversation_id).text(user_id).int64(joined_at));
  if (!rows) return rows.error();
  if (rows->count() == 0) return conversation_not_found();
  if (auto s = rules::check_add_member_to(rows->text(0, 0)); !s) return s;
  if (!rows->boolean(0, 1)) return make_error(Errc::conflict, "already a member");
  return ok_status();
}

Status PostgresStore::remove_member(std::string_view conversation_id, std::string_view user_id) {
  std::lock_guard lock(write_mu_);
  auto rows = writer_->query(kRemoveMember, Params().key(conversation_id).key(user_id));
  if (!rows) return rows.error();
  if (rows->count() == 0) return make_error(Errc::not_found, "not a member");
  return ok_status();
}

// ---- Reader connections ----

PostgresStore::ReaderLease::ReaderLease(PostgresStore& store, std::unique_ptr<Conn> conn)
    : store_(store), conn_(std::move(conn)) {}

PostgresStore::ReaderLease::~ReaderLease() { store_.give_back(std::move(conn_)); }

PostgresStore::ReaderLease PostgresStore::reader() {
  constexpr auto kRetryOpenAfter = std::chrono::seconds(5);
  std::unique_lock lock(read_mu_);
  for (;;) {
    if (!idle_readers_.empty()) {
      auto conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReaderLease(*this, std::move(conn));
    }
    const auto now = std::chrono::steady_clock::now();
    if (readers_ < kMaxReaders && now >= next_open_) {
      ++readers_;  // reserved while connecting, outside the lock
      lock.unlock();
      auto conn = Conn::connect(url_, kReaderSession);
      if (conn) return ReaderLease(*this, std::move(*conn));
      lock.lock();
      --readers_;
      next_open_ = std::chrono::steady_clock::now() + kRetryOpenAfter;
      spdlog::warn("postgres store: cannot open another reader ({}); {} serve",
                   conn.error().message, readers_);
      continue;  // one may have come back meanwhile
    }
    reader_back_.wait(lock);
  }
}

void PostgresStore::give_back(std::unique_ptr<Conn> conn) {
  {
    std::lock_guard lock(read_mu_);
    idle_readers_.push_back(std::move(conn));
  }
  reader_back_.notify_one();
}

int PostgresStore::readers_open() const {
  std::lock_guard lock(read_mu_);
  return readers_;
}

Result<Conversation> PostgresStore::get_conversation(std::string_view id) {
  auto conn = reader();
  auto c = pg::load_conversation(*conn, id);
  if (!c) return c.error();
  if (!*c) return conversation_not_found();
  return std::move(**c);
}

Result<std::vector<ConversationSummary>> PostgresStore::list_conversations(
    std::string_view user_id, int limit, const std::optional<ListCursor>& after) {
  if (limit < 1) return std::vector<ConversationSummary>();
  auto conn = reader();
  return pg::list_conversations(*conn, user_id, limit, after);
}

Result<std::vector<std::string>> PostgresStore::member_ids(std::string_view conversation_id) {
  auto conn = reader();
  auto ids = pg::member_ids(*conn, conversation_id);
  if (!ids) return ids.error();
  if (!*ids) return conversation_not_found();
  return std::move(**ids);
}

Result<Store::MembersByConversation> PostgresStore::members_of(std::span<const std::string> ids) {
  auto conn = reader();
  return pg::members_of(*conn, ids);
}

Result<MessagePage> PostgresStore::messages(std::string_view conversation_id,
                                            std::int64_t before_seq, std::int64_t after_seq,
                                            int limit) {
  auto window = rules::page_window(before_seq, after_seq, limit);
  if (!window) return window.error();
  auto conn = reader();
  auto page = pg::messages(*conn, conversation_id, *window);
  if (!page) return page.error();
  if (!*page) return conversation_not_found();
  return std::move(**page);
}

Result<Message> PostgresStore::message(std::string_view conversation_id,
                                       std::string_view message_id) {
  auto conn = reader();
  auto m = pg::find_message(*conn, conversation_id, message_id);
  if (!m) return m.error();
  if (!*m) return make_error(Errc::not_found, "message not found");
  return std::move(**m);
}

Result<std::vector<std::string>> PostgresStore::contacts(std::string_view user_id) {
  auto conn = reader();
  return pg::contacts(*conn, user_id);
}

// ---- Outbox ----

Result<std::vector<OutboxEntry>> PostgresStore::outbox_read(std::int64_t after_id, int limit) {
  std::vector<OutboxEntry> out;
  if (limit < 1) return out;
  Params p;
  p.int64(after_id).int64(limit);
  auto conn = reader();
  auto rows = conn->query(kOutboxRead, p);
  if (!rows) return rows.error();
  out.reserve(rows->count());
  for (int r = 0; r < rows->count(); ++r) {
    const std::string type = rows->text(r, 1);
    OutboxEntry e;
    if (type == outbox::kReceipt) {
      SetReceipt op{rows->text(r, kOutboxMessageColumn), rows->text(r, 2), rows->boolean(r, 3),
                    rows->int64(r, kOutboxMessageColumn + 1)};
      e = outbox::receipt(op);
    } else {
      Message m = pg::read_message(*rows, r, kOutboxMessageColumn);
      e = type == outbox::kMessageCreated ? outbox::message_created(m) : outbox::message_changed(m);
    }
    e.id = rows->int64(r, 0);
    out.push_back(std::move(e));
  }
  return out;
}

Status PostgresStore::outbox_remove(std::span<const std::int64_t> ids) {
  if (ids.empty()) return ok_status();
  std::vector<std::string> texts;
  texts.reserve(ids.size());
  for (std::int64_t id : ids) texts.push_back(std::to_string(id));
  Params p;
  p.text_array(texts);
  std::lock_guard lock(write_mu_);
  auto rows = writer_->query(kOutboxRemove, p);
  if (!rows) return rows.error();
  return ok_status();
}

}  // namespace parley::store
