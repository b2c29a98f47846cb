#pragma once
// The Store on PostgreSQL: what several gateways share in cluster mode.
//
// Two connections, like SqliteStore: the writer (apply, create_conversation,
// add/remove_member) and the reader (everything else), each behind its own
// mutex, so reads never queue behind a batch's commit. synchronous_commit is
// on for the writer: when apply() returns, the batch is durable on the server.
// Every call is synchronous and blocking (libpq); apply() runs on the group
// committer's own thread.
//
// A dropped connection is replaced on the next call (noticed before use when
// the server said goodbye while we were idle). A server that is down makes
// calls fail with unavailable within connect_timeout (2 s); after an attempt
// that took that long, calls fail at once for a second instead of waiting
// again. A batch is resent only when the server provably ran none of it.
#include <memory>
#include <mutex>
#include <string>

#include "store/store.h"

namespace parley::store {

namespace pg {
class Conn;
}

class PostgresStore final : public Store {
 public:
  // url: postgres://user@host:port/db (or key=value); its parameters win
  // over the defaults (connect_timeout=2, TCP keepalives). Connects both
  // connections and brings the schema up to date; unavailable when the
  // server cannot be reached.
  static Result<std::unique_ptr<PostgresStore>> open(const std::string& url,
                                                     StoreOptions options = {});
  ~PostgresStore() override;

  std::vector<WriteResult> apply(std::span<const WriteOp> ops) override;

  Result<Conversation> create_conversation(const NewConversation& c) override;
  Result<Conversation> get_conversation(std::string_view id) override;
  Result<std::vector<ConversationSummary>> list_conversations(
      std::string_view user_id, int limit, const std::optional<ListCursor>& after) override;
  Result<std::vector<std::string>> member_ids(std::string_view conversation_id) override;
  Result<MembersByConversation> members_of(std::span<const std::string> ids) override;
  Status add_member(std::string_view conversation_id, std::string_view user_id,
                    std::int64_t joined_at) override;
  Status remove_member(std::string_view conversation_id, std::string_view user_id) override;

  Result<MessagePage> messages(std::string_view conversation_id, std::int64_t before_seq,
                               std::int64_t after_seq, int limit) override;
  Result<Message> message(std::string_view conversation_id, std::string_view message_id) override;

  Result<std::vector<std::string>> contacts(std::string_view user_id) override;

  // Rows hold a change's fields; the body is built here, at read time.
  // Removal takes the writer connection between batches.
  Result<std::vector<OutboxEntry>> outbox_read(std::int64_t after_id, int limit) override;
  Status outbox_remove(std::span<const std::int64_t> ids) override;
  bool outbox_ids_in_commit_order() const override { return false; }

 private:
  PostgresStore(std::unique_ptr<pg::Conn> writer, std::unique_ptr<pg::Conn> reader,
                StoreOptions options);

  StoreOptions options_;
  std::mutex write_mu_;
  std::unique_ptr<pg::Conn> writer_;
  std::mutex read_mu_;
  std::unique_ptr<pg::Conn> reader_;
};

}  // namespace parley::store
