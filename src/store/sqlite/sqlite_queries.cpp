#include "store/sqlite/sqlite_queries.h"

#include <sqlite3.h>

#include <type_traits>

namespace parley::store::sqlite {

namespace {

// Runs a query expected to yield at most one row and maps it with read.
template <class Read, class... Params>
auto one_row(Db& db, std::string_view sql, Read read, const Params&... params)
    -> Result<std::optional<std::invoke_result_t<Read, const Stmt&>>> {
  using Row = std::optional<std::invoke_result_t<Read, const Stmt&>>;
  auto stmt = db.prepare(sql);
  if (!stmt) return stmt.error();
  int index = 0;
  (stmt->bind(++index, params), ...);
  switch (int rc = stmt->step()) {
    case SQLITE_ROW: return Row(read(*stmt));
    case SQLITE_DONE: return Row();
    default: return db.error(rc, "lookup");
  }
}

}  // namespace

Message read_message(const Stmt& row) {
  return Message{row.text(0),  row.int64(1),  row.text(2), row.text(3),
                 row.text(4),  row.text(5),   row.text(6), row.text(7),
                 row.int64(8), row.int64(9), row.int64(10) != 0, row.text(11)};
}

Result<std::optional<MemberState>> member_state(Db& db, std::string_view conversation_id,
                                                std::string_view user_id) {
  return one_row(
      db,
      "SELECT c.type, c.last_seq, m.user_id IS NOT NULL, coalesce(m.delivered_seq, 0), "
      "coalesce(m.read_seq, 0) "
      "FROM conversations c LEFT JOIN members m ON m.conversation_id = c.id AND m.user_id = ?2 "
      "WHERE c.id = ?1",
      [](const Stmt& r) {
        return MemberState{r.text(0), r.int64(1), r.int64(2) != 0, r.int64(3), r.int64(4)};
      },
      conversation_id, user_id);
}

Result<bool> conversation_exists(Db& db, std::string_view id) {
  auto found = one_row(
      db, "SELECT 1 FROM conversations WHERE id = ?1", [](const Stmt&) { return true; }, id);
  if (!found) return found.error();
  return found->has_value();
}

Result<std::optional<Conversation>> load_conversation(Db& db, std::string_view id) {
  auto conversation = one_row(
      db,
      "SELECT id, type, name, created_by, created_at, last_seq, last_activity_at "
      "FROM conversations WHERE id = ?1",
      [](const Stmt& r) {
        return Conversation{r.text(0),  r.text(1),  r.text(2), r.text(3),
                            r.int64(4), r.int64(5), r.int64(6), {}};
      },
      id);
  if (!conversation || !*conversation) return conversation;

  auto stmt = db.prepare(
      "SELECT user_id, role, delivered_seq, read_seq, joined_at FROM members "
      "WHERE conversation_id = ?1 ORDER BY user_id");
  if (!stmt) return stmt.error();
  stmt->bind(1, id);
  auto& members = (*conversation)->members;
  int rc;
  while ((rc = stmt->step()) == SQLITE_ROW) {
    members.push_back(Member{stmt->text(0), stmt->text(1), stmt->int64(2), stmt->int64(3),
                             stmt->int64(4)});
  }
  if (rc != SQLITE_DONE) return db.error(rc, "read members");
  return conversation;
}

Result<std::optional<std::string>> direct_conversation_id(Db& db,
                                                          std::string_view direct_key) {
  return one_row(
      db, "SELECT id FROM conversations WHERE direct_key = ?1",
      [](const Stmt& r) { return r.text(0); }, direct_key);
}

Result<std::optional<Message>> find_message(Db& db, std::string_view conversation_id,
                                            std::string_view message_id) {
  return one_row(
      db,
      "SELECT " PARLEY_MESSAGE_COLUMNS
      " FROM messages WHERE message_id = ?1 AND conversation_id = ?2",
      read_message, message_id, conversation_id);
}

Result<std::optional<Message>> find_by_client_id(Db& db, std::string_view sender_id,
                                                 std::string_view client_msg_id) {
  return one_row(
      db,
      "SELECT " PARLEY_MESSAGE_COLUMNS
      " FROM messages WHERE sender_id = ?1 AND client_msg_id = ?2",
      read_message, sender_id, client_msg_id);
}

}  // namespace parley::store::sqlite
