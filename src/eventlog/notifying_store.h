#pragma once
// A Store that calls `after_apply` after every apply() (on the caller's
// thread: the group committer's writer), so the outbox relay can be told
// "something committed" without the service knowing of relays:
//   NotifyingStore s(store, [&] { relay.notify(); });
// Everything else goes straight to the wrapped store, outboxes() included.
#include <functional>
#include <utility>

#include "store/store.h"

namespace parley::eventlog {

class NotifyingStore final : public store::Store {
 public:
  NotifyingStore(store::Store& inner, std::function<void()> after_apply)
      : inner_(inner), after_apply_(std::move(after_apply)) {}

  std::vector<store::WriteResult> apply(std::span<const store::WriteOp> ops) override {
    auto results = inner_.apply(ops);
    after_apply_();
    return results;
  }
  Result<store::Conversation> create_conversation(const store::NewConversation& c) override {
    return inner_.create_conversation(c);
  }
  Result<store::Conversation> get_conversation(std::string_view id) override {
    return inner_.get_conversation(id);
  }
  Result<std::vector<store::ConversationSummary>> list_conversations(
      std::string_view user_id, int limit,
      const std::optional<store::ListCursor>& after) override {
    return inner_.list_conversations(user_id, limit, after);
  }
  Result<std::vector<std::string>> member_ids(std::string_view conversation_id) override {
    return inner_.member_ids(conversation_id);
  }
  Status add_member(std::string_view conversation_id, std::string_view user_id,
                    std::int64_t joined_at) override {
    return inner_.add_member(conversation_id, user_id, joined_at);
  }
  Status remove_member(std::string_view conversation_id, std::string_view user_id) override {
    return inner_.remove_member(conversation_id, user_id);
  }
  Result<store::MessagePage> messages(std::string_view conversation_id, std::int64_t before_seq,
                                      std::int64_t after_seq, int limit) override {
    return inner_.messages(conversation_id, before_seq, after_seq, limit);
  }
  Result<store::Message> message(std::string_view conversation_id,
                                 std::string_view message_id) override {
    return inner_.message(conversation_id, message_id);
  }
  Result<std::vector<std::string>> contacts(std::string_view user_id) override {
    return inner_.contacts(user_id);
  }
  Result<std::vector<store::OutboxEntry>> outbox_read(std::int64_t after_id, int limit) override {
    return inner_.outbox_read(after_id, limit);
  }
  Status outbox_remove(std::span<const std::int64_t> ids) override {
    return inner_.outbox_remove(ids);
  }
  std::vector<store::Store*> outboxes() override { return inner_.outboxes(); }
  bool outbox_ids_in_commit_order() const override {
    return inner_.outbox_ids_in_commit_order();
  }

 private:
  store::Store& inner_;
  std::function<void()> after_apply_;
};

}  // namespace parley::eventlog
