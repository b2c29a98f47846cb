#pragma once
// The durable Store: one SQLite file in WAL mode with synchronous=FULL, so a
// batch is on disk when apply() returns and an ack may be sent.
//
// Two connections: the writer (apply, create_conversation, add/remove_member)
// and the reader (everything else), each behind its own mutex. In WAL mode a
// reader sees the last commit and never waits for the writer's fsync.
#include <memory>
#include <mutex>
#include <string>

#include "store/store.h"

namespace parley::store {

namespace sqlite {
class Db;
}

class SqliteStore final : public Store {
 public:
  // Opens or creates the database at path (its directory must exist) and
  // brings its schema up to date.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                   StoreOptions options = {});
  ~SqliteStore() override;

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

  // Read on the reader connection (WAL: never waits for a commit); removed on
  // the writer's, between batches.
  Result<std::vector<OutboxEntry>> outbox_read(std::int64_t after_id, int limit) override;
  Status outbox_remove(std::span<const std::int64_t> ids) override;

 private:
  SqliteStore(std::unique_ptr<sqlite::Db> writer, std::unique_ptr<sqlite::Db> reader,
              StoreOptions options);

  StoreOptions options_;
  std::mutex write_mu_;
  std::unique_ptr<sqlite::Db> writer_;
  std::mutex read_mu_;
  std::unique_ptr<sqlite::Db> reader_;
};

}  // namespace parley::store
