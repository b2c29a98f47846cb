#include "store/postgres/pg_queries.h"

#include <algorithm>
#include <utility>

namespace parley::store::pg {

namespace {

using enum Type;

const Statement kLoadConversation{
    "parley_load_conversation",
    "SELECT c.id, c.type, c.name, c.created_by, c.created_at, c.last_seq, c.last_activity_at, "
    "m.user_id, m.role, m.delivered_seq, m.read_seq, m.joined_at "
    "FROM conversations c LEFT JOIN members m ON m.conversation_id = c.id "
    "WHERE c.id = $1 ORDER BY m.user_id",
    {text},
    true};

// Keyset paging: "after the cursor" in (last_activity_at DESC, id DESC) order
// means strictly smaller in that pair, so pages never overlap or skip even
// when activity times tie.
const Statement kListConversations{
    "parley_list_conversations",
    "SELECT c.id, c.type, c.name, c.last_seq, c.last_activity_at, c.last_message_at, "
    "m.read_seq FROM members m JOIN conversations c ON c.id = m.conversation_id "
    "WHERE m.user_id = $1 AND (NOT $2 OR (c.last_activity_at, c.id) < ($3, $4)) "
    "ORDER BY c.last_activity_at DESC, c.id DESC LIMIT $5",
    {text, boolean, int8, text, int8},
    true};

// The LEFT JOIN answers "no such conversation" (no row) and "no members"
// (one row of NULL) in the same round trip.
const Statement kMemberIds{
    "parley_member_ids",
    "SELECT m.user_id FROM conversations c LEFT JOIN members m ON m.conversation_id = c.id "
    "WHERE c.id = $1 ORDER BY m.user_id",
    {text},
    true};

// kMemberIds for several conversations: a row per member, or one of NULL
// for a conversation without members.
const Statement kMembersOf{
    "parley_members_of",
    "SELECT c.id, m.user_id FROM conversations c LEFT JOIN members m ON m.conversation_id = c.id "
    "WHERE c.id = ANY ($1::text[]) ORDER BY c.id, m.user_id",
    {text_array},
    true};

// One row beyond the page tells whether more exist in the paging direction;
// the lateral join tells an unknown conversation (no row) from an empty
// window (one row of NULL).
#define PARLEY_PG_PAGE(order)                                                            \
  "SELECT m.* FROM conversations c LEFT JOIN LATERAL (SELECT " PARLEY_PG_MESSAGE_COLUMNS \
  " FROM messages WHERE conversation_id = c.id AND seq > $2 AND seq < $3 "               \
  "ORDER BY seq " order " LIMIT $4) m ON true WHERE c.id = $1"

const Statement kPageFromLow{
    "parley_page_from_low", PARLEY_PG_PAGE("ASC"), {text, int8, int8, int8}, true};
const Statement kPageFromHigh{
    "parley_page_from_high", PARLEY_PG_PAGE("DESC"), {text, int8, int8, int8}, true};

const Statement kFindMessage{"parley_find_message",
                             "SELECT " PARLEY_PG_MESSAGE_COLUMNS
                             " FROM messages WHERE message_id = $2 AND conversation_id = $1",
                             {text, text},
                             true};

const Statement kContacts{"parley_contacts",
                          "SELECT DISTINCT other.user_id FROM members mine "
                          "JOIN members other ON other.conversation_id = mine.conversation_id "
                          "WHERE mine.user_id = $1 AND other.user_id <> $1 ORDER BY other.user_id",
                          {text},
                          true};

}  // namespace

Message read_message(const Rows& r, int row, int first) {
  return Message{r.text(row, first),      r.int64(row, first + 1),   r.text(row, first + 2),
                 r.text(row, first + 3),  r.text(row, first + 4),    r.text(row, first + 5),
                 r.text(row, first + 6),  r.text(row, first + 7),    r.int64(row, first + 8),
                 r.int64(row, first + 9), r.boolean(row, first + 10), r.text(row, first + 11)};
}

Result<std::optional<Conversation>> load_conversation(Conn& conn, std::string_view id) {
  auto rows = conn.query(kLoadConversation, Params().key(id));
  if (!rows) return rows.error();
  if (rows->count() == 0) return std::optional<Conversation>();
  const Rows& r = *rows;
  Conversation c{r.text(0, 0),  r.text(0, 1),  r.text(0, 2),  r.text(0, 3),
                 r.int64(0, 4), r.int64(0, 5), r.int64(0, 6), {}};
  for (int i = 0; i < r.count(); ++i) {
    if (r.is_null(i, 7)) continue;  // a conversation without members
    c.members.push_back(
        Member{r.text(i, 7), r.text(i, 8), r.int64(i, 9), r.int64(i, 10), r.int64(i, 11)});
  }
  return std::optional<Conversation>(std::move(c));
}

Result<std::vector<ConversationSummary>> list_conversations(
    Conn& conn, std::string_view user_id, int limit, const std::optional<ListCursor>& after) {
  std::vector<ConversationSummary> out;
  if (limit < 1) return out;
  auto rows = conn.query(kListConversations,
                         Params()
                             .key(user_id)
                             .boolean(after.has_value())
                             .int64(after ? after->last_activity_at : 0)
                             .key(after ? std::string_view(after->id) : std::string_view())
                             .int64(limit));
  if (!rows) return rows.error();
  const Rows& r = *rows;
  out.reserve(r.count());
  for (int i = 0; i < r.count(); ++i) {
    out.push_back(ConversationSummary{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.int64(i, 3),
                                      r.int64(i, 4), r.int64(i, 5), r.int64(i, 6)});
  }
  return out;
}

Result<std::optional<std::vector<std::string>>> member_ids(Conn& conn,
                                                           std::string_view conversation_id) {
  auto rows = conn.query(kMemberIds, Params().key(conversation_id));
  if (!rows) return rows.error();
  if (rows->count() == 0) return std::optional<std::vector<std::string>>();
  std::vector<std::string> out;
  for (int i = 0; i < rows->count(); ++i) {
    if (!rows->is_null(i, 0)) out.push_back(rows->text(i, 0));
  }
  return std::optional(std::move(out));
}

Result<Store::MembersByConversation> members_of(Conn& conn,
                                                std::span<const std::string> conversation_ids) {
  Store::MembersByConversation out;
  // Ids PostgreSQL text cannot hold name nothing stored.
  std::vector<std::string> ids;
  for (const auto& id : conversation_ids)
    if (storable_text(id)) ids.push_back(id);
  if (ids.empty()) return out;
  auto rows = conn.query(kMembersOf, Params().text_array(ids));
  if (!rows) return rows.error();
  for (int i = 0; i < rows->count(); ++i) {
    auto& members = out[rows->text(i, 0)];
    if (!rows->is_null(i, 1)) members.push_back(rows->text(i, 1));
  }
  return out;
}

Result<std::optional<MessagePage>> messages(Conn& conn, std::string_view conversation_id,
                                            const rules::PageWindow& w) {
  auto rows =
      conn.query(w.from_low ? kPageFromLow : kPageFromHigh, Params()
                                                                .key(conversation_id)
                                                                .int64(w.after)
                                                                .int64(w.before)
                                                                .int64(std::int64_t{w.limit} + 1));
  if (!rows) return rows.error();
  if (rows->count() == 0) return std::optional<MessagePage>();
  MessagePage page;
  for (int i = 0; i < rows->count(); ++i) {
    if (!rows->is_null(i, 1)) page.messages.push_back(read_message(*rows, i, 0));
  }
  if (page.messages.size() > static_cast<std::size_t>(w.limit)) {
    page.has_more = true;
    page.messages.pop_back();
  }
  if (!w.from_low) std::reverse(page.messages.begin(), page.messages.end());
  return std::optional(std::move(page));
}

Result<std::optional<Message>> find_message(Conn& conn, std::string_view conversation_id,
                                            std::string_view message_id) {
  auto rows = conn.query(kFindMessage, Params().key(conversation_id).key(message_id));
  if (!rows) return rows.error();
  if (rows->count() == 0) return std::optional<Message>();
  return std::optional(read_message(*rows, 0, 0));
}

Result<std::vector<std::string>> contacts(Conn& conn, std::string_view user_id) {
  auto rows = conn.query(kContacts, Params().key(user_id));
  if (!rows) return rows.error();
  std::vector<std::string> out;
  out.reserve(rows->count());
  for (int i = 0; i < rows->count(); ++i) out.push_back(rows->text(i, 0));
  return out;
}

}  // namespace parley::store::pg
