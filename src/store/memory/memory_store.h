#pragma once
// Store in memory: the test fake for the rest of Parley. It must behave
// exactly like SqliteStore (the shared conformance suite checks both), only
// without durability. One mutex guards everything; it is a fake, not a cache.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"

namespace parley::store {

class MemoryStore final : public Store {
 public:
  MemoryStore() = default;
  explicit MemoryStore(StoreOptions options) : options_(options) {}

  std::vector<WriteResult> apply(std::span<const WriteOp> ops) override;

  Result<Conversation> create_conversation(const NewConversation& c) override;
  Result<Conversation> get_conversation(std::string_view id) override;
  Result<std::vector<ConversationSummary>> list_conversations(
      std::string_view user_id, int limit, const std::optional<ListCursor>& after) override;
  Result<std::vector<std::string>> member_ids(std::string_view conversation_id) override;
  Status add_member(std::string_view conversation_id, std::string_view user_id,
                    std::int64_t joined_at) override;
  Status remove_member(std::string_view conversation_id, std::string_view user_id) override;

  Result<MessagePage> messages(std::string_view conversation_id, std::int64_t before_seq,
                               std::int64_t after_seq, int limit) override;
  Result<Message> message(std::string_view conversation_id,
                          std::string_view message_id) override;

  Result<std::vector<std::string>> contacts(std::string_view user_id) override;

  Result<std::vector<OutboxEntry>> outbox_read(std::int64_t after_id, int limit) override;
  Status outbox_remove(std::span<const std::int64_t> ids) override;

 private:
  struct Conv {
    Conversation info;  // info.members stays empty; see members
    std::int64_t last_message_at = 0;
    std::map<std::string, Member, std::less<>> members;
    std::vector<Message> messages;  // messages[seq - 1]: seqs are contiguous
  };
  struct MessageRef {
    std::string conversation_id;
    std::int64_t seq = 0;
  };

  WriteResult apply_one(const AppendMessage& op);
  WriteResult apply_one(const EditMessage& op);
  WriteResult apply_one(const SetReceipt& op);

  Conv* find(std::string_view id);
  Message& at(const MessageRef& ref);
  static Conversation snapshot(const Conv& c);

  void add_event(OutboxEntry e);

  StoreOptions options_;
  std::mutex mu_;
  std::map<std::string, Conv, std::less<>> conversations_;
  std::map<std::string, std::string, std::less<>> direct_;  // direct_key -> id
  std::map<std::string, MessageRef, std::less<>> by_message_id_;
  // (sender_id, client_msg_id) -> the message, for idempotent resends.
  std::map<std::pair<std::string, std::string>, MessageRef> by_client_id_;
  std::map<std::int64_t, OutboxEntry> outbox_;  // by id
  std::int64_t next_outbox_id_ = 1;
};

}  // namespace parley::store
