#pragma once
// Lookups shared by the writer and the reader connection. Absence is
// std::nullopt and an Error is always a storage failure, so each caller
// decides what absence means (not_found, not_member, go ahead and insert).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace parley::store::sqlite {

// The columns read_message expects, in its order.
#define PARLEY_MESSAGE_COLUMNS                                                      \
  "conversation_id, seq, message_id, sender_id, coalesce(client_msg_id, ''), "      \
  "content, kind, reply_to, ts, version, deleted, media"

Message read_message(const Stmt& row);

// What a write needs to know about a conversation and one user in it.
struct MemberState {
  std::string type;  // of the conversation
  std::int64_t last_seq = 0;
  bool is_member = false;
  std::int64_t delivered_seq = 0;  // 0 unless is_member
  std::int64_t read_seq = 0;
};

// nullopt without the conversation.
Result<std::optional<MemberState>> member_state(Db& db, std::string_view conversation_id,
                                                std::string_view user_id);

Result<bool> conversation_exists(Db& db, std::string_view id);

// With its members; call inside a transaction for a consistent picture.
Result<std::optional<Conversation>> load_conversation(Db& db, std::string_view id);

Result<std::optional<std::string>> direct_conversation_id(Db& db, std::string_view direct_key);

Result<std::optional<Message>> find_message(Db& db, std::string_view conversation_id,
                                            std::string_view message_id);

Result<std::optional<Message>> find_by_client_id(Db& db, std::string_view sender_id,
                                                 std::string_view client_msg_id);

}  // namespace parley::store::sqlite
