#pragma once
// Decisions both Store backends share, so the in-memory fake and SQLite cannot
// drift apart: input validation, the direct-pair key, and how an edit, a
// receipt or a page request is judged once the stored state is known.
// Backends only look things up and write them down.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/errc.h"
#include "common/ids.h"
#include "common/result.h"
#include "store/store.h"

namespace parley::store::rules {

inline constexpr std::string_view kDirect = "direct";
inline constexpr std::string_view kGroup = "group";
inline constexpr std::string_view kOwner = "owner";
inline constexpr std::string_view kMember = "member";
inline constexpr std::string_view kDefaultKind = "text";

// User ids never hold a space (common/ids.h), so the sorted pair joined by one
// is a key no other pair can produce, whoever asks first.
inline std::string direct_key(std::string_view a, std::string_view b) {
  if (b < a) std::swap(a, b);
  std::string key;
  key.reserve(a.size() + 1 + b.size());
  key.append(a).append(1, ' ').append(b);
  return key;
}

// A NewConversation that passed validation, in canonical form.
struct ConversationPlan {
  // members: the others only, sorted and unique; name empty when direct.
  NewConversation conversation;
  std::string direct_key;  // empty for groups
};

inline Result<ConversationPlan> plan_conversation(const NewConversation& in) {
  if (in.id.empty()) return make_error(Errc::bad_request, "conversation id is empty");
  if (in.type != kDirect && in.type != kGroup) {
    return make_error(Errc::bad_request, "conversation type must be direct or group");
  }
  if (!valid_user_id(in.created_by)) return make_error(Errc::bad_request, "invalid creator id");
  for (const auto& m : in.members) {
    if (!valid_user_id(m)) return make_error(Errc::bad_request, "invalid member id");
  }
  ConversationPlan plan{in, {}};
  auto& others = plan.conversation.members;
  std::erase(others, in.created_by);  // the creator is added as owner anyway
  std::sort(others.begin(), others.end());
  others.erase(std::unique(others.begin(), others.end()), others.end());
  if (in.type == kDirect) {
    if (others.size() != 1) {
      return make_error(Errc::bad_request, "a direct conversation needs exactly one other member");
    }
    plan.conversation.name.clear();
    plan.direct_key = direct_key(in.created_by, others.front());
  }
  return plan;
}

// The members a planned conversation starts with, sorted by user_id as
// Conversation::members promises.
inline std::vector<Member> initial_members(const NewConversation& planned) {
  std::vector<Member> out;
  out.reserve(planned.members.size() + 1);
  out.push_back(Member{planned.created_by, std::string(kOwner), 0, 0, planned.created_at});
  for (const auto& id : planned.members) {
    out.push_back(Member{id, std::string(kMember), 0, 0, planned.created_at});
  }
  std::sort(out.begin(), out.end(),
            [](const Member& a, const Member& b) { return a.user_id < b.user_id; });
  return out;
}

// The conversation create_conversation answers with for a fresh plan.
inline Conversation new_conversation(const NewConversation& planned) {
  return Conversation{planned.id,         planned.type, planned.name,
                      planned.created_by, planned.created_at,
                      0,                  planned.created_at,
                      initial_members(planned)};
}

inline Status check_add_member(std::string_view user_id) {
  if (!valid_user_id(user_id)) return make_error(Errc::bad_request, "invalid user id");
  return ok_status();
}

// A direct conversation is its pair: a third member would break the one
// conversation per pair that direct_key guarantees.
inline Status check_add_member_to(std::string_view conversation_type) {
  if (conversation_type == kDirect) {
    return make_error(Errc::bad_request, "direct conversations have fixed members");
  }
  return ok_status();
}

inline Status check_append(const AppendMessage& op) {
  if (op.message_id.empty()) return make_error(Errc::bad_request, "message id is empty");
  return ok_status();
}

inline Message new_message(const AppendMessage& op, std::int64_t seq) {
  return Message{op.conversation_id,
                 seq,
                 op.message_id,
                 op.sender_id,
                 op.client_msg_id,
                 op.content,
                 op.kind.empty() ? std::string(kDefaultKind) : op.kind,
                 op.reply_to,
                 op.ts,
                 1,
                 false,
                 op.media};
}

enum class EditVerdict { apply, unchanged };

// A deleted message is gone for editing, but deleting it again is a harmless
// retry and answers with the tombstone as it is.
inline Result<EditVerdict> judge_edit(const Message& stored, const EditMessage& op) {
  if (stored.deleted && !op.remove) return make_error(Errc::not_found, "message was deleted");
  if (op.editor_id != stored.sender_id) {
    return make_error(Errc::forbidden, "only the sender may change a message");
  }
  return stored.deleted ? EditVerdict::unchanged : EditVerdict::apply;
}

inline Message edited(Message m, const EditMessage& op) {
  ++m.version;
  if (op.remove) {
    m.content.clear();
    m.media.clear();  // a tombstone no longer points at its attachment
    m.deleted = true;
  } else {
    m.content = op.content;
  }
  return m;
}

inline Status check_receipt(const SetReceipt& op, std::int64_t last_seq) {
  if (op.seq < 0 || op.seq > last_seq) {
    return make_error(Errc::bad_request, "receipt seq outside the conversation");
  }
  return ok_status();
}

// Marks are high-water marks: they only move forward, and having read a
// message implies it was delivered.
inline ReceiptResult advance_marks(std::int64_t delivered, std::int64_t read,
                                   const SetReceipt& op) {
  ReceiptResult r;
  r.delivered_seq = std::max(delivered, op.seq);
  r.read_seq = op.read ? std::max(read, op.seq) : read;
  r.advanced = op.read ? op.seq > read : op.seq > delivered;
  return r;
}

// Which seqs a messages() call covers: the open interval (after, before), read
// from its low end or its high end.
struct PageWindow {
  std::int64_t after = 0;
  std::int64_t before = std::numeric_limits<std::int64_t>::max();
  bool from_low = false;
  int limit = 1;
};

inline Result<PageWindow> page_window(std::int64_t before_seq, std::int64_t after_seq,
                                      int limit) {
  if (before_seq < 0 || after_seq < 0) return make_error(Errc::bad_request, "negative seq");
  if (limit < 1) return make_error(Errc::bad_request, "limit must be positive");
  PageWindow w;
  w.after = after_seq;
  if (before_seq > 0) w.before = before_seq;
  // before_seq == kOldestFirst: read from the low end even with after_seq 0.
  w.from_low = after_seq > 0 || before_seq == kOldestFirst;
  w.limit = limit;
  return w;
}

}  // namespace parley::store::rules
