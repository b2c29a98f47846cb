#pragma once
// The durable store: conversations, members, messages, receipt marks.
//
// One authority per conversation assigns seq: every write goes through
// Store::apply, which a single writer (service/group_committer.h) calls with a
// batch of operations, so concurrent sends share one durable transaction.
// Reads and membership changes may be called from any thread.
#include <cstdint>
#include <climits>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"

namespace parley::store {

struct Member {
  std::string user_id;
  std::string role;  // "owner" | "member"
  std::int64_t delivered_seq = 0;
  std::int64_t read_seq = 0;
  std::int64_t joined_at = 0;  // ms since epoch
};

struct Conversation {
  std::string id;
  std::string type;  // "direct" | "group"
  std::string name;  // empty for direct conversations
  std::string created_by;
  std::int64_t created_at = 0;        // ms
  std::int64_t last_seq = 0;          // 0 while empty
  std::int64_t last_activity_at = 0;  // ms of the last message, else created_at
  std::vector<Member> members;        // sorted by user_id
};

struct ConversationSummary {
  std::string id;
  std::string type;
  std::string name;
  std::int64_t last_seq = 0;
  std::int64_t last_activity_at = 0;  // ms; the sort key
  std::int64_t last_message_at = 0;   // ms; 0 when there is no message
  std::int64_t read_seq = 0;          // the asking user's read mark
};

struct Message {
  std::string conversation_id;
  std::int64_t seq = 0;
  std::string message_id;
  std::string sender_id;
  std::string client_msg_id;
  std::string content;   // empty once deleted
  std::string kind;      // "text" by default
  std::string reply_to;  // message_id or empty
  std::int64_t ts = 0;   // ms, when committed
  std::int64_t version = 1;  // 1 when sent, +1 per edit or delete
  bool deleted = false;
  // The attachment of an "image" or "file" message: a JSON object as text,
  // empty when there is none. Opaque to the store (the service builds and
  // checks it); erased with the content when the message is deleted.
  std::string media;
};

struct MessagePage {
  std::vector<Message> messages;  // ascending seq
  bool has_more = false;          // more exist beyond the page, in the paging direction
};

struct NewConversation {
  std::string id;     // chosen by the caller (common/ids.h)
  std::string type;   // "direct" | "group"
  std::string name;
  std::string created_by;            // becomes owner
  std::vector<std::string> members;  // other members; created_by is added
  std::int64_t created_at = 0;
};

struct ListCursor {
  std::int64_t last_activity_at = 0;
  std::string id;
};

// ---- Write operations, applied in batches by the single writer. ----

struct AppendMessage {
  std::string conversation_id;
  std::string sender_id;
  std::string client_msg_id;
  std::string message_id;  // chosen by the caller; unused when duplicate
  std::string content;
  std::string kind;
  std::string reply_to;
  std::int64_t ts = 0;
  std::string media;  // JSON object as text, or empty (see Message::media)
};
struct AppendResult {
  Message message;         // the stored message (the original when duplicate)
  bool duplicate = false;  // (sender_id, client_msg_id) was stored before
};

struct EditMessage {
  std::string conversation_id;
  std::string message_id;
  std::string editor_id;
  std::string content;  // ignored when remove
  bool remove = false;  // delete: content is erased from storage
};
struct EditResult {
  Message message;  // the new version
};

struct SetReceipt {
  std::string conversation_id;
  std::string user_id;
  bool read = false;  // false: delivered; read raises delivered too
  std::int64_t seq = 0;
};
struct ReceiptResult {
  bool advanced = false;  // false when the mark was already at or past seq
  std::int64_t delivered_seq = 0;
  std::int64_t read_seq = 0;
};

using WriteOp = std::variant<AppendMessage, EditMessage, SetReceipt>;
using WriteOutcome = std::variant<AppendResult, EditResult, ReceiptResult>;
using WriteResult = Result<WriteOutcome>;

inline constexpr std::int64_t kOldestFirst = INT64_MAX;

// ---- Transactional outbox (eventlog/README.md) ----

// One committed change as the event log will carry it (eventlog::Event). A
// store with the outbox on writes one row per successful non-duplicate
// append ("message.created"), per edit or delete that changed a message
// ("message.edited" / "message.deleted") and per receipt that advanced
// ("receipt"), in the same transaction as the change.
struct OutboxEntry {
  std::int64_t id = 0;  // ascending in commit order per conversation
  std::string event_id;
  std::string type;
  std::string conversation_id;
  std::int64_t seq = 0;  // the message's seq; for receipts the mark
  std::string body;      // JSON object (store/outbox_events.h)
};

struct StoreOptions {
  // Off: no outbox rows are written (no cost at all); outbox_read is empty.
  bool outbox = false;
};

class Store {
 public:
  virtual ~Store() = default;

  // Applies ops in order inside one durable transaction and returns one result
  // per op. An op that is refused (not_found, not_member, forbidden,
  // bad_request) fails alone; a storage failure fails every op of the batch
  // and nothing of it is kept.
  //
  // AppendMessage: not_found without the conversation, not_member unless the
  //   sender is a member; (sender_id, client_msg_id) seen before returns the
  //   original with duplicate=true; else seq = last_seq + 1, and the sender's
  //   delivered and read marks move to seq.
  // EditMessage: not_found for an unknown or deleted message (deleting a
  //   deleted one returns it unchanged), forbidden unless editor is sender.
  // SetReceipt: not_member, bad_request when seq > last_seq or seq < 0;
  //   marks never move backwards.
  virtual std::vector<WriteResult> apply(std::span<const WriteOp> ops) = 0;

  // Creates a conversation. A direct one needs exactly one other member, and
  // the same pair asking again gets the existing conversation back.
  virtual Result<Conversation> create_conversation(const NewConversation& c) = 0;
  virtual Result<Conversation> get_conversation(std::string_view id) = 0;
  // Conversations of user_id, most recent activity first (ties: id desc),
  // strictly after the cursor when given.
  virtual Result<std::vector<ConversationSummary>> list_conversations(
      std::string_view user_id, int limit, const std::optional<ListCursor>& after) = 0;
  virtual Result<std::vector<std::string>> member_ids(std::string_view conversation_id) = 0;
  // member_ids() of several conversations at once, in one round trip where
  // the backend has round trips (PostgreSQL; a ShardedStore asks each shard
  // once). Conversations that do not exist are left out. The push notifier
  // asks for a whole batch of events' conversations.
  using MembersByConversation = std::map<std::string, std::vector<std::string>, std::less<>>;
  virtual Result<MembersByConversation> members_of(std::span<const std::string> conversation_ids) {
    MembersByConversation out;
    for (const auto& id : conversation_ids) {
      auto ids = member_ids(id);
      if (ids) {
        out[id] = std::move(*ids);
      } else if (ids.error().code != make_error_code(Errc::not_found)) {
        return ids.error();
      }
    }
    return out;
  }
  // conflict when already a member; not_found without the conversation.
  virtual Status add_member(std::string_view conversation_id, std::string_view user_id,
                            std::int64_t joined_at) = 0;
  // not_found when the user is not a member.
  virtual Status remove_member(std::string_view conversation_id, std::string_view user_id) = 0;

  // after_seq only: ascending from after_seq+1. before_seq only or neither:
  // the latest `limit` below before_seq, still ascending. Both: the range
  // between, from the low end. 0 means "not given"; before_seq ==
  // kOldestFirst reads from the very beginning (after_seq 0 included).
  virtual Result<MessagePage> messages(std::string_view conversation_id,
                                       std::int64_t before_seq, std::int64_t after_seq,
                                       int limit) = 0;
  virtual Result<Message> message(std::string_view conversation_id,
                                  std::string_view message_id) = 0;

  // Users sharing at least one conversation with user_id (not user_id itself).
  virtual Result<std::vector<std::string>> contacts(std::string_view user_id) = 0;

  // ---- Outbox: read by one relay (eventlog/outbox_relay.h) per outbox. ----
  // Rows with id > after_id, ascending, at most limit. Rows of one
  // conversation come in commit order; ids of different conversations may
  // commit out of order (PostgreSQL), so a relay reads from the start
  // (after_id 0) and removes exactly what it published.
  virtual Result<std::vector<OutboxEntry>> outbox_read(std::int64_t after_id, int limit) {
    return std::vector<OutboxEntry>{};
  }
  // Removes these rows (published); unknown ids are ignored.
  virtual Status outbox_remove(std::span<const std::int64_t> ids) { return ok_status(); }
  // True when ids are assigned in commit order (one writer: memory, SQLite),
  // so a relay may read on after the last id it published and remove rows
  // lazily. PostgreSQL: false (concurrent writers commit out of id order).
  virtual bool outbox_ids_in_commit_order() const { return true; }
  // The stores whose outboxes hold this store's events, one relay each: the
  // store itself, or every shard of a ShardedStore.
  virtual std::vector<Store*> outboxes() { return {this}; }
};

}  // namespace parley::store
