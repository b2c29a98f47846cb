#pragma once
// A Store that passes every call to another: the base of wrappers that add
// something around one or two calls (media/binding_store.h binds media after
// apply(); eventlog/notifying_store.h notifies the outbox relay) without each
// repeating the whole interface. outboxes() is the wrapped store's, so relays
// read the real outboxes.
#include "store/store.h"

namespace parley::store {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(inner) {}

  std::vector<WriteResult> apply(std::span<const WriteOp> ops) override {
    return inner_.apply(ops);
  }
  Result<Conversation> create_conversation(const NewConversation& c) override {
    return inner_.create_conversation(c);
  }
  Result<Conversation> get_conversation(std::string_view id) override {
    return inner_.get_conversation(id);
  }
  Result<std::vector<ConversationSummary>> list_conversations(
      std::string_view user_id, int limit, const std::optional<ListCursor>& after) override {
    return inner_.list_conversations(user_id, limit, after);
  }
  Result<std::vector<std::string>> member_ids(std::string_view conversation_id) override {
    return inner_.member_ids(conversation_id);
  }
  Result<MembersByConversation> members_of(std::span<const std::string> ids) override {
    return inner_.members_of(ids);
  }
  Status add_member(std::string_view conversation_id, std::string_view user_id,
                    std::int64_t joined_at) override {
    return inner_.add_member(conversation_id, user_id, joined_at);
  }
  Status remove_member(std::string_view conversation_id, std::string_view user_id) override {
    return inner_.remove_member(conversation_id, user_id);
  }
  Result<MessagePage> messages(std::string_view conversation_id, std::int64_t before_seq,
                               std::int64_t after_seq, int limit) override {
    return inner_.messages(conversation_id, before_seq, after_seq, limit);
  }
  Result<Message> message(std::string_view conversation_id, std::string_view message_id) override {
    return inner_.message(conversation_id, message_id);
  }
  Result<std::vector<std::string>> contacts(std::string_view user_id) override {
    return inner_.contacts(user_id);
  }
  Result<std::vector<OutboxEntry>> outbox_read(std::int64_t after_id, int limit) override {
    return inner_.outbox_read(after_id, limit);
  }
  Status outbox_remove(std::span<const std::int64_t> ids) override {
    return inner_.outbox_remove(ids);
  }
  std::vector<Store*> outboxes() override { return inner_.outboxes(); }
  bool outbox_ids_in_commit_order() const override { return inner_.outbox_ids_in_commit_order(); }

 protected:
  Store& inner() { return inner_; }

 private:
  Store& inner_;
};

}  // namespace parley::store
