#pragma once
// The Store on PostgreSQL: what several gateways share in cluster mode.
//
// Like SqliteStore, the writer connection (apply, create_conversation,
// add/remove_member) behind its own mutex and readers for everything else,
// so reads never queue behind a batch's commit. One reader is opened with
// the store; up to kMaxReaders when reads come at once from several threads
// (a gateway reads on three: its read lanes, and the outbox relay), so they
// do not queue behind each other's round trips either. synchronous_commit is
// on for the writer: when apply() returns, the batch is durable on the server.
// Every call is synchronous and blocking (libpq); apply() runs on the group
// committer's own thread.
//
// A dropped connection is replaced on the next call (noticed before use when
// the server said goodbye while we were idle). A server that is down makes
// calls fail with unavailable within connect_timeout (2 s); after an attempt
// that took that long, calls fail at once for a second instead of waiting
// again. A batch is resent only when the server provably ran none of it.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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

  static constexpr int kMaxReaders = 3;
  // Reader connections open now (idle or in use), for tests.
  int readers_open() const;

 private:
  PostgresStore(std::string url, std::unique_ptr<pg::Conn> writer,
                std::unique_ptr<pg::Conn> reader, StoreOptions options);

  // A reader connection for one call, given back when the lease ends.
  class ReaderLease {
   public:
    ReaderLease(PostgresStore& store, std::unique_ptr<pg::Conn> conn);
    ~ReaderLease();
    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;
    pg::Conn& operator*() const { return *conn_; }
    pg::Conn* operator->() const { return conn_.get(); }

   private:
    PostgresStore& store_;
    std::unique_ptr<pg::Conn> conn_;
  };
  // An idle reader; else a new one while fewer than kMaxReaders are open;
  // else waits for one to come back.
  ReaderLease reader();
  void give_back(std::unique_ptr<pg::Conn> conn);

  StoreOptions options_;
  const std::string url_;
  std::mutex write_mu_;
  std::unique_ptr<pg::Conn> writer_;
  mutable std::mutex read_mu_;
  std::condition_variable reader_back_;
  std::vector<std::unique_ptr<pg::Conn>> idle_readers_;
  int readers_ = 0;  // open: idle or leased
  // After a failed attempt to open another reader (the server is down or at
  // its connection limit), none is tried before then: the open readers serve.
  std::chrono::steady_clock::time_point next_open_{};
};

}  // namespace parley::store
