#include "store/sqlite/sqlite_apply.h"

#include <sqlite3.h>

#include <map>
#include <string>
#include <utility>

#include "store/outbox_events.h"
#include "store/sqlite/sqlite_queries.h"
#include "store/store_rules.h"

namespace parley::store::sqlite {

namespace {

// Each op answers in two layers. The outer Error is a storage failure and
// aborts the whole batch; the inner WriteResult is the op's own answer, a
// refusal included. Every op checks before it writes, so a refusal always
// comes before any write of its own and leaves nothing behind.
using OpResult = Result<WriteResult>;

OpResult refuse(Error e) { return WriteResult(std::move(e)); }
OpResult refuse(Errc code, std::string message) {
  return refuse(make_error(code, std::move(message)));
}
OpResult done(WriteOutcome outcome) { return WriteResult(std::move(outcome)); }

// What a batch changed in conversations and members rows, written once per
// row at the end of the batch instead of once per message: a group commit
// of 500 sends into 20 conversations updates 20 conversation rows, not 500.
// Reads inside the batch see these values over the stored ones.
struct BatchState {
  struct Activity {
    std::int64_t last_seq = 0;
    std::int64_t ts = 0;
  };
  struct Marks {
    std::int64_t delivered_seq = 0;
    std::int64_t read_seq = 0;
  };
  std::map<std::string, Activity, std::less<>> conversations;
  std::map<std::pair<std::string, std::string>, Marks> marks;
  // Member states as stored before this batch (no batch changes applied).
  std::map<std::pair<std::string, std::string>, MemberState> stored;

  // The stored state of (conversation, user) with this batch's changes. The
  // stored part is read once per batch: a batch holds several sends by the
  // same sender to the same conversation, and the query was ~7 % of the
  // writer's time.
  Result<std::optional<MemberState>> member_state(Db& db, const std::string& conversation_id,
                                                  const std::string& user_id) {
    std::pair<std::string, std::string> key{conversation_id, user_id};
    std::optional<MemberState> state;
    if (auto known = stored.find(key); known != stored.end()) {
      state = known->second;
    } else {
      auto read = sqlite::member_state(db, conversation_id, user_id);
      if (!read || !*read) return read;
      state = **read;
      stored.emplace(key, *state);
    }
    if (auto c = conversations.find(conversation_id); c != conversations.end())
      state->last_seq = c->second.last_seq;
    if (auto m = marks.find(key); m != marks.end()) {
      state->delivered_seq = m->second.delivered_seq;
      state->read_seq = m->second.read_seq;
    }
    return state;
  }
  Status flush(Db& db) const;
};

OpResult missing_conversation() { return refuse(Errc::not_found, "conversation not found"); }
OpResult not_a_member() { return refuse(Errc::not_member, "not a member of this conversation"); }

Status set_marks(Db& db, std::string_view conversation_id, std::string_view user_id,
                 std::int64_t delivered_seq, std::int64_t read_seq) {
  return db.run(
      "UPDATE members SET delivered_seq = ?3, read_seq = ?4 "
      "WHERE conversation_id = ?1 AND user_id = ?2",
      conversation_id, user_id, delivered_seq, read_seq);
}

Status BatchState::flush(Db& db) const {
  for (const auto& [id, a] : conversations) {
    if (auto s = db.run(
            "UPDATE conversations SET last_seq = ?2, last_activity_at = ?3, last_message_at = ?3 "
            "WHERE id = ?1",
            id, a.last_seq, a.ts);
        !s) {
      return s;
    }
  }
  for (const auto& [key, m] : marks) {
    if (auto s = set_marks(db, key.first, key.second, m.delivered_seq, m.read_seq); !s) return s;
  }
  return ok_status();
}

Status add_event(Db& db, const OutboxEntry& e) {
  return db.run(
      "INSERT INTO outbox (event_id, type, conversation_id, seq, body) "
      "VALUES (?1, ?2, ?3, ?4, ?5)",
      e.event_id, e.type, e.conversation_id, e.seq, e.body);
}

OpResult apply_op(Db& db, BatchState& batch, const AppendMessage& op, bool outbox) {
  if (auto s = rules::check_append(op); !s) return refuse(s.error());
  auto state = batch.member_state(db, op.conversation_id, op.sender_id);
  if (!state) return state.error();
  if (!*state) return missing_conversation();
  if (!(*state)->is_member) return not_a_member();
  Message m = rules::new_message(op, (*state)->last_seq + 1);
  // A resend of a stored (sender, client_msg_id) inserts nothing: its unique
  // index answers, and only then is the original read. Looking it up before
  // every insert cost a second descent of that index per send.
  auto insert = db.prepare(
      "INSERT INTO messages (conversation_id, seq, message_id, sender_id, client_msg_id, "
      "content, kind, reply_to, ts, media) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
      "ON CONFLICT (sender_id, client_msg_id) DO NOTHING");
  if (!insert) return insert.error();
  insert->bind(1, m.conversation_id)
      .bind(2, m.seq)
      .bind(3, m.message_id)
      .bind(4, m.sender_id)
      .bind(5, NullIfEmpty{m.client_msg_id})
      .bind(6, m.content)
      .bind(7, m.kind)
      .bind(8, m.reply_to)
      .bind(9, m.ts)
      .bind(10, m.media);
  int rc = insert->step();
  const bool inserted = rc == SQLITE_DONE && db.changes() == 1;
  if (!inserted && (rc == SQLITE_DONE || rc == SQLITE_CONSTRAINT_UNIQUE) &&
      !op.client_msg_id.empty()) {
    auto original = find_by_client_id(db, op.sender_id, op.client_msg_id);
    if (!original) return original.error();
    if (*original) return done(AppendResult{std::move(**original), true});
  }
  // The one constraint a checked append can still hit is a reused message_id,
  // a caller's bug. The failed INSERT undid itself and is this op's first
  // write, so refusing only this op is safe.
  if (rc == SQLITE_CONSTRAINT_UNIQUE) return refuse(Errc::conflict, "message id already used");
  if (rc != SQLITE_DONE) return db.error(rc, "insert message");
  if (!inserted) return db.error(SQLITE_INTERNAL, "insert message: nothing inserted");

  batch.conversations[m.conversation_id] = {m.seq, m.ts};
  batch.marks[{m.conversation_id, m.sender_id}] = {m.seq, m.seq};
  if (outbox) {
    if (auto s = add_event(db, outbox::message_created(m)); !s) return s.error();
  }
  return done(AppendResult{std::move(m), false});
}

OpResult apply_op(Db& db, BatchState&, const EditMessage& op, bool outbox) {
  auto stored = find_message(db, op.conversation_id, op.message_id);
  if (!stored) return stored.error();
  if (!*stored) return refuse(Errc::not_found, "message not found");
  auto verdict = rules::judge_edit(**stored, op);
  if (!verdict) return refuse(verdict.error());
  if (*verdict == rules::EditVerdict::unchanged) return done(EditResult{std::move(**stored)});

  // Overwriting the row (with secure_delete on the writer) is what erases a
  // deleted message's text from the file, not only from query results.
  Message m = rules::edited(std::move(**stored), op);
  if (auto s = db.run(
          "UPDATE messages SET content = ?3, version = ?4, deleted = ?5, media = ?6 "
          "WHERE conversation_id = ?1 AND seq = ?2",
          m.conversation_id, m.seq, m.content, m.version, std::int64_t{m.deleted}, m.media);
      !s) {
    return s.error();
  }
  if (outbox) {
    if (auto s = add_event(db, outbox::message_changed(m)); !s) return s.error();
  }
  return done(EditResult{std::move(m)});
}

OpResult apply_op(Db& db, BatchState& batch, const SetReceipt& op, bool outbox) {
  auto state = batch.member_state(db, op.conversation_id, op.user_id);
  if (!state) return state.error();
  if (!*state) return missing_conversation();
  const MemberState& s = **state;
  if (!s.is_member) return not_a_member();
  if (auto ok = rules::check_receipt(op, s.last_seq); !ok) return refuse(ok.error());

  ReceiptResult r = rules::advance_marks(s.delivered_seq, s.read_seq, op);
  if (r.delivered_seq != s.delivered_seq || r.read_seq != s.read_seq)
    batch.marks[{op.conversation_id, op.user_id}] = {r.delivered_seq, r.read_seq};
  if (outbox && r.advanced) {
    if (auto ok = add_event(db, outbox::receipt(op)); !ok) return ok.error();
  }
  return done(r);
}

}  // namespace

Result<std::vector<WriteResult>> apply_batch(Db& db, std::span<const WriteOp> ops,
                                             bool outbox) {
  std::vector<WriteResult> results;
  if (ops.empty()) return results;
  auto txn = Txn::write(db);
  if (!txn) return txn.error();
  results.reserve(ops.size());
  BatchState batch;
  for (const WriteOp& op : ops) {
    OpResult r = std::visit(
        [&db, &batch, outbox](const auto& o) { return apply_op(db, batch, o, outbox); }, op);
    if (!r) return r.error();  // ~Txn rolls the whole batch back
    results.push_back(std::move(r).value());
  }
  if (auto s = batch.flush(db); !s) return s.error();
  if (auto s = txn->commit(); !s) return s.error();
  return results;
}

}  // namespace parley::store::sqlite
