#include "store/postgres/pg_apply.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "store/postgres/pg_queries.h"
#include "store/store_rules.h"

namespace parley::store::pg {

namespace {

using enum Type;

// Every op is one statement that checks before it writes, in SQL, and
// answers with what it found, so a refused op writes nothing and needs no
// savepoint. The statements only carry out what the shared rules
// (store_rules.h) decide; the verdict is taken from the rules, in C++, on the
// state the statement reports. Each sees the writes of the ops before it in
// the batch, since they run in order in one transaction.

// The first statement of every batch: it locks the rows of the conversations
// the batch writes, in id order. Every writer (other gateways included) takes
// them this way before touching a message or a member row, so two batches
// never wait on each other in a circle (no deadlocks), and a receipt cannot
// slip between an append's read of last_seq and its write. NO KEY: inserting
// members elsewhere (foreign key checks) need not wait.
const Statement kLockConversations{
    "parley_lock_conversations",
    "SELECT id FROM conversations WHERE id = ANY ($1) ORDER BY id FOR NO KEY UPDATE",
    {text_array}};

// The conversation row is locked first (FOR NO KEY UPDATE), so seq assignment is
// serialised with any other writer of that conversation, another gateway
// included, and last_seq + 1 is read under the lock. ON CONFLICT DO NOTHING
// turns a unique clash that the checks could not see (another gateway's
// concurrent insert of the same client id) into "nothing written" instead of
// a failed batch; last_seq and the marks move only with an inserted row.
const Statement kAppend{
    "parley_append",
    "WITH conv AS MATERIALIZED ("
    "  SELECT last_seq FROM conversations WHERE id = $1 FOR NO KEY UPDATE"
    "), member AS MATERIALIZED ("
    "  SELECT EXISTS (SELECT 1 FROM members WHERE conversation_id = $1 AND user_id = $2) AS yes"
    "), original AS MATERIALIZED ("
    "  SELECT " PARLEY_PG_MESSAGE_COLUMNS
    "  FROM messages WHERE sender_id = $2 AND client_msg_id = $3"
    "), taken AS MATERIALIZED ("
    "  SELECT EXISTS (SELECT 1 FROM messages WHERE message_id = $4) AS yes"
    "), inserted AS ("
    "  INSERT INTO messages (conversation_id, seq, message_id, sender_id, client_msg_id, "
    "    content, kind, reply_to, ts, media)"
    "  SELECT $1, conv.last_seq + 1, $4, $2, $3, $5, $6, $7, $8, $9 FROM conv"
    "  WHERE (SELECT yes FROM member) AND NOT EXISTS (SELECT 1 FROM original)"
    "    AND NOT (SELECT yes FROM taken)"
    "  ON CONFLICT DO NOTHING RETURNING seq"
    "), bumped AS ("
    "  UPDATE conversations SET last_seq = inserted.seq, last_activity_at = $8, "
    "    last_message_at = $8 FROM inserted WHERE id = $1"
    "), marked AS ("
    "  UPDATE members SET delivered_seq = inserted.seq, read_seq = inserted.seq"
    "  FROM inserted WHERE conversation_id = $1 AND user_id = $2"
    "), evt AS ("
    "  INSERT INTO outbox (type, conversation_id, seq, message_id, sender_id, client_msg_id, "
    "    content, kind, reply_to, ts, version, deleted, media)"
    "  SELECT 'message.created', $1, inserted.seq, $4, $2, $3, $5, $6, $7, $8, 1, false, $9"
    "  FROM inserted WHERE $10"
    ") "
    "SELECT EXISTS (SELECT 1 FROM conv), (SELECT yes FROM member), (SELECT yes FROM taken), "
    "  (SELECT seq FROM inserted), original.* "
    "FROM (SELECT 1) one LEFT JOIN original ON true",
    {text, text, text, text, bytea, text, text, int8, text, boolean}};
constexpr int kOriginalColumn = 4;

// The UPDATE's conditions are rules::judge_edit's "apply" verdict; a deleted
// message's content is overwritten with nothing.
const Statement kEdit{
    "parley_edit",
    "WITH stored AS MATERIALIZED ("
    "  SELECT " PARLEY_PG_MESSAGE_COLUMNS
    "  FROM messages WHERE message_id = $2 AND conversation_id = $1"
    "), changed AS ("
    "  UPDATE messages SET content = CASE WHEN $5 THEN ''::bytea ELSE $4 END, "
    "    version = version + 1, deleted = $5, media = CASE WHEN $5 THEN '' ELSE media END"
    "  WHERE message_id = $2 AND conversation_id = $1 AND NOT deleted AND sender_id = $3"
    "  RETURNING " PARLEY_PG_MESSAGE_COLUMNS
    "), evt AS ("
    "  INSERT INTO outbox (conversation_id, seq, message_id, sender_id, client_msg_id, content, "
    "    kind, reply_to, ts, version, deleted, media, type)"
    "  SELECT changed.*, CASE WHEN changed.deleted THEN 'message.deleted' "
    "    ELSE 'message.edited' END FROM changed WHERE $6"
    ") "
    "SELECT stored.*, changed.* FROM stored LEFT JOIN changed ON true",
    {text, text, text, bytea, boolean, boolean}};
constexpr int kChangedColumn = 12;  // the columns of PARLEY_PG_MESSAGE_COLUMNS

// The UPDATE's conditions are rules::check_receipt and rules::advance_marks;
// it writes only when a mark moves.
const Statement kReceipt{
    "parley_receipt",
    "WITH state AS MATERIALIZED ("
    "  SELECT c.last_seq, m.user_id IS NOT NULL AS member, "
    "    coalesce(m.delivered_seq, 0) AS delivered_mark, coalesce(m.read_seq, 0) AS read_mark"
    "  FROM conversations c LEFT JOIN members m ON m.conversation_id = c.id AND m.user_id = $2"
    "  WHERE c.id = $1"
    "), moved AS ("
    "  UPDATE members SET delivered_seq = greatest(delivered_seq, $4), "
    "    read_seq = CASE WHEN $3 THEN greatest(read_seq, $4) ELSE read_seq END"
    "  WHERE conversation_id = $1 AND user_id = $2 AND $4 >= 0"
    "    AND $4 <= (SELECT last_seq FROM state)"
    "    AND ($4 > delivered_seq OR ($3 AND $4 > read_seq))"
    "  RETURNING 1"
    "), evt AS ("
    "  INSERT INTO outbox (type, conversation_id, seq, user_id, is_read)"
    "  SELECT 'receipt', $1, $4, $2, $3 FROM moved WHERE $5"
    ") "
    "SELECT last_seq, member, delivered_mark, read_mark FROM state",
    {text, text, boolean, int8, boolean}};

Error not_stored(const char* what) {
  return make_error(Errc::bad_request, std::string(what) + " is not valid UTF-8 text");
}

Error lost_race() {
  return make_error(Errc::unavailable, "a concurrent write to the same row won; retry");
}

// ---- Before sending: refusals that need no lookup, and the parameters. ----

using Prepared = std::variant<Error, Conn::Call>;

Prepared prepare_op(const AppendMessage& op, bool outbox) {
  if (auto s = rules::check_append(op); !s) return s.error();
  const std::string_view kind = op.kind.empty() ? rules::kDefaultKind : op.kind;
  // What the op would store must fit PostgreSQL text (content is bytea).
  if (!storable_text(op.message_id)) return not_stored("message_id");
  if (!storable_text(op.client_msg_id)) return not_stored("client_msg_id");
  if (!storable_text(kind)) return not_stored("kind");
  if (!storable_text(op.reply_to)) return not_stored("reply_to");
  if (!storable_text(op.media)) return not_stored("media");
  Params p;
  p.key(op.conversation_id)
      .key(op.sender_id)
      .text_or_null(op.client_msg_id)
      .text(op.message_id)
      .bytes(op.content)
      .text(kind)
      .text(op.reply_to)
      .int64(op.ts)
      .text(op.media)
      .boolean(outbox);
  return Conn::Call{&kAppend, std::move(p)};
}

Prepared prepare_op(const EditMessage& op, bool outbox) {
  Params p;
  p.key(op.conversation_id)
      .key(op.message_id)
      .key(op.editor_id)
      .bytes(op.remove ? std::string_view() : std::string_view(op.content))
      .boolean(op.remove)
      .boolean(outbox);
  return Conn::Call{&kEdit, std::move(p)};
}

Prepared prepare_op(const SetReceipt& op, bool outbox) {
  Params p;
  p.key(op.conversation_id).key(op.user_id).boolean(op.read).int64(op.seq).boolean(outbox);
  return Conn::Call{&kReceipt, std::move(p)};
}

// ---- After the commit: each op's answer from what its statement found. ----

WriteResult answer(const AppendMessage& op, const Rows& r) {
  if (r.count() != 1) return make_error(Errc::internal, "append answered out of shape");
  if (!r.boolean(0, 0)) return make_error(Errc::not_found, "conversation not found");
  if (!r.boolean(0, 1)) return make_error(Errc::not_member, "not a member of this conversation");
  if (!r.is_null(0, kOriginalColumn + 1)) {
    return WriteOutcome(AppendResult{read_message(r, 0, kOriginalColumn), true});
  }
  if (r.boolean(0, 2)) return make_error(Errc::conflict, "message id already used");
  if (r.is_null(0, 3)) return lost_race();
  return WriteOutcome(AppendResult{rules::new_message(op, r.int64(0, 3)), false});
}

WriteResult answer(const EditMessage& op, const Rows& r) {
  if (r.count() == 0) return make_error(Errc::not_found, "message not found");
  if (!r.is_null(0, kChangedColumn + 1)) {
    return WriteOutcome(EditResult{read_message(r, 0, kChangedColumn)});
  }
  Message stored = read_message(r, 0, 0);
  auto verdict = rules::judge_edit(stored, op);
  if (!verdict) return verdict.error();
  // The rules said "apply" on what the statement read, yet its UPDATE found
  // the row changed: another writer got there first.
  if (*verdict == rules::EditVerdict::apply) return lost_race();
  return WriteOutcome(EditResult{std::move(stored)});
}

WriteResult answer(const SetReceipt& op, const Rows& r) {
  if (r.count() == 0) return make_error(Errc::not_found, "conversation not found");
  if (!r.boolean(0, 1)) return make_error(Errc::not_member, "not a member of this conversation");
  if (auto s = rules::check_receipt(op, r.int64(0, 0)); !s) return s.error();
  return WriteOutcome(rules::advance_marks(r.int64(0, 2), r.int64(0, 3), op));
}

}  // namespace

Result<std::vector<WriteResult>> apply_batch(Conn& conn, std::span<const WriteOp> ops,
                                             bool outbox) {
  std::vector<std::optional<WriteResult>> results(ops.size());
  std::vector<Conn::Call> calls;
  std::vector<std::size_t> op_of_call;
  calls.reserve(ops.size() + 1);
  op_of_call.reserve(ops.size() + 1);
  // Filled in below, once the batch's conversations are known.
  std::vector<std::string> locked;
  calls.push_back(Conn::Call{&kLockConversations, Params()});
  op_of_call.push_back(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    Prepared p = std::visit([outbox](const auto& o) { return prepare_op(o, outbox); }, ops[i]);
    if (auto* refused = std::get_if<Error>(&p)) {
      results[i] = WriteResult(std::move(*refused));
    } else {
      calls.push_back(std::get<Conn::Call>(std::move(p)));
      op_of_call.push_back(i);
      const std::string& id =
          std::visit([](const auto& o) -> const std::string& { return o.conversation_id; }, ops[i]);
      if (storable_text(id)) locked.push_back(id);
    }
  }
  if (calls.size() > 1) {
    std::sort(locked.begin(), locked.end());
    locked.erase(std::unique(locked.begin(), locked.end()), locked.end());
    calls.front().params.text_array(locked);
    auto rows = conn.transaction(calls);
    if (!rows) return rows.error();
    for (std::size_t k = 1; k < calls.size(); ++k) {
      const std::size_t i = op_of_call[k];
      results[i] = std::visit([&](const auto& o) { return answer(o, (*rows)[k]); }, ops[i]);
    }
  }
  std::vector<WriteResult> out;
  out.reserve(ops.size());
  for (auto& r : results) out.push_back(std::move(*r));
  return out;
}

}  // namespace parley::store::pg
