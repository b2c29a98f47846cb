#pragma once
// A Store over N shards (each itself a Store: PostgresStore in cluster mode).
//
// Every conversation lives on exactly one shard, its home: the consistent
// hash of its id (hash_ring.h). Messages, members and marks live with their
// conversation, so every call that names a conversation goes to one shard.
// Direct conversations are named by their pair (common/ids.h
// direct_conversation_id), so the pair's home is known without asking.
//
// What changes against one Store (see also src/store/README.md):
// - apply() splits the batch by home shard and runs the sub-batches on all
//   shards at once, one worker thread per shard. Results come back in the
//   original order. Each shard commits its sub-batch atomically, but a batch
//   spanning shards is not atomic: a shard that fails (unavailable) fails its
//   own ops only, while the others commit.
// - list_conversations and contacts ask every shard and merge; a shard that
//   fails fails the whole call (no partial lists).
// - Idempotency keys (sender_id, client_msg_id) are unique per shard, not
//   across shards.
// - A direct conversation created under an id other than the pair's
//   direct_conversation_id is looked for on every shard first (slow, and not
//   race-free across shards); with the pair's id, its home shard alone
//   guarantees one conversation per pair.
// With one shard, every call goes straight to it: exactly that shard.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "store/sharded/hash_ring.h"
#include "store/store.h"

namespace parley::store {

class ShardWorker;

struct Shard {
  std::string name;  // stable identity on the hash ring (not a URL: hosts move)
  std::unique_ptr<Store> store;
};

class ShardedStore final : public Store {
 public:
  // internal when there is no shard, a shard without a store, or names that
  // are empty or repeated (misconfiguration).
  static Result<std::unique_ptr<ShardedStore>> create(
      std::vector<Shard> shards, int virtual_nodes = HashRing::kDefaultVirtualNodes);
  ~ShardedStore() override;

  // The index of the shard that holds conversation_id.
  std::size_t shard_of(std::string_view conversation_id) const;
  std::size_t shard_count() const { return shards_.size(); }

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

  // Each shard has its own outbox and needs its own relay: outboxes() lists
  // them. Reading through the ShardedStore works only with one shard
  // (internal otherwise: ids of different shards do not compare).
  Result<std::vector<OutboxEntry>> outbox_read(std::int64_t after_id, int limit) override;
  Status outbox_remove(std::span<const std::int64_t> ids) override;
  std::vector<Store*> outboxes() override;
  bool outbox_ids_in_commit_order() const override {
    return shards_.size() == 1 && shards_.front().store->outbox_ids_in_commit_order();
  }

 private:
  ShardedStore(std::vector<Shard> shards, HashRing ring);
  Store& home(std::string_view conversation_id) {
    return *shards_[shard_of(conversation_id)].store;
  }
  Result<std::optional<Conversation>> find_direct(std::string_view a, std::string_view b,
                                                  std::size_t skip);

  std::vector<Shard> shards_;
  HashRing ring_;
  std::vector<std::unique_ptr<ShardWorker>> workers_;  // one per shard
};

}  // namespace parley::store
