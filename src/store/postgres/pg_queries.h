#pragma once
// The reads, one statement and one round trip each. Absence is std::nullopt
// and an Error is always a storage failure, so the caller decides what
// absence means. Every statement here is resend_safe.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/postgres/pg_connection.h"
#include "store/store.h"
#include "store/store_rules.h"

namespace parley::store::pg {

// The columns read_message expects, in its order.
#define PARLEY_PG_MESSAGE_COLUMNS                                              \
  "conversation_id, seq, message_id, sender_id, coalesce(client_msg_id, ''), " \
  "content, kind, reply_to, ts, version, deleted, media"

// The message whose PARLEY_PG_MESSAGE_COLUMNS start at column first.
Message read_message(const Rows& rows, int row, int first);

// With its members, from one snapshot (one statement).
Result<std::optional<Conversation>> load_conversation(Conn& conn, std::string_view id);

Result<std::vector<ConversationSummary>> list_conversations(Conn& conn, std::string_view user_id,
                                                            int limit,
                                                            const std::optional<ListCursor>& after);

// nullopt without the conversation.
Result<std::optional<std::vector<std::string>>> member_ids(Conn& conn,
                                                           std::string_view conversation_id);
// Several conversations' members in one round trip; unknown ones left out.
Result<Store::MembersByConversation> members_of(Conn& conn,
                                                std::span<const std::string> conversation_ids);

// nullopt without the conversation.
Result<std::optional<MessagePage>> messages(Conn& conn, std::string_view conversation_id,
                                            const rules::PageWindow& window);

Result<std::optional<Message>> find_message(Conn& conn, std::string_view conversation_id,
                                            std::string_view message_id);

Result<std::vector<std::string>> contacts(Conn& conn, std::string_view user_id);

}  // namespace parley::store::pg
