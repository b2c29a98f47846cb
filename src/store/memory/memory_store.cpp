#include "store/memory/memory_store.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "store/outbox_events.h"
#include "store/store_rules.h"

namespace parley::store {

namespace {

Error conversation_not_found() { return make_error(Errc::not_found, "conversation not found"); }
Error not_a_member() { return make_error(Errc::not_member, "not a member of this conversation"); }

}  // namespace

MemoryStore::Conv* MemoryStore::find(std::string_view id) {
  auto it = conversations_.find(id);
  return it == conversations_.end() ? nullptr : &it->second;
}

Message& MemoryStore::at(const MessageRef& ref) {
  return conversations_.find(ref.conversation_id)->second.messages[ref.seq - 1];
}

Conversation MemoryStore::snapshot(const Conv& c) {
  Conversation out = c.info;
  out.members.reserve(c.members.size());
  for (const auto& [id, m] : c.members) out.members.push_back(m);  // map order = by user_id
  return out;
}

// ---- Writes ----

std::vector<WriteResult> MemoryStore::apply(std::span<const WriteOp> ops) {
  std::lock_guard lock(mu_);
  std::vector<WriteResult> results;
  results.reserve(ops.size());
  // Every op checks before it writes, so a refused op leaves nothing behind
  // and there is no storage failure that could fail the whole batch.
  for (const auto& op : ops) {
    results.push_back(std::visit([this](const auto& o) { return apply_one(o); }, op));
  }
  return results;
}

WriteResult MemoryStore::apply_one(const AppendMessage& op) {
  if (auto s = rules::check_append(op); !s) return s.error();
  Conv* c = find(op.conversation_id);
  if (!c) return conversation_not_found();
  auto member = c->members.find(op.sender_id);
  if (member == c->members.end()) return not_a_member();

  std::pair<std::string, std::string> client_key{op.sender_id, op.client_msg_id};
  if (!op.client_msg_id.empty()) {
    if (auto it = by_client_id_.find(client_key); it != by_client_id_.end()) {
      return WriteOutcome(AppendResult{at(it->second), true});
    }
  }
  if (by_message_id_.contains(op.message_id)) {
    return make_error(Errc::conflict, "message id already used");
  }

  Message m = rules::new_message(op, c->info.last_seq + 1);
  c->info.last_seq = m.seq;
  c->info.last_activity_at = m.ts;
  c->last_message_at = m.ts;
  member->second.delivered_seq = m.seq;
  member->second.read_seq = m.seq;
  MessageRef ref{op.conversation_id, m.seq};
  by_message_id_.emplace(m.message_id, ref);
  if (!op.client_msg_id.empty()) by_client_id_.emplace(std::move(client_key), ref);
  c->messages.push_back(m);
  if (options_.outbox) add_event(outbox::message_created(m));
  return WriteOutcome(AppendResult{std::move(m), false});
}

WriteResult MemoryStore::apply_one(const EditMessage& op) {
  auto it = by_message_id_.find(op.message_id);
  if (it == by_message_id_.end() || it->second.conversation_id != op.conversation_id) {
    return make_error(Errc::not_found, "message not found");
  }
  Message& stored = at(it->second);
  auto verdict = rules::judge_edit(stored, op);
  if (!verdict) return verdict.error();
  if (*verdict == rules::EditVerdict::apply) {
    stored = rules::edited(stored, op);
    if (options_.outbox) add_event(outbox::message_changed(stored));
  }
  return WriteOutcome(EditResult{stored});
}

WriteResult MemoryStore::apply_one(const SetReceipt& op) {
  Conv* c = find(op.conversation_id);
  if (!c) return conversation_not_found();
  auto member = c->members.find(op.user_id);
  if (member == c->members.end()) return not_a_member();
  if (auto s = rules::check_receipt(op, c->info.last_seq); !s) return s.error();
  Member& m = member->second;
  ReceiptResult r = rules::advance_marks(m.delivered_seq, m.read_seq, op);
  m.delivered_seq = r.delivered_seq;
  m.read_seq = r.read_seq;
  if (r.advanced && options_.outbox) add_event(outbox::receipt(op));
  return WriteOutcome(r);
}

// ---- Conversations and members ----

Result<Conversation> MemoryStore::create_conversation(const NewConversation& in) {
  auto plan = rules::plan_conversation(in);
  if (!plan) return plan.error();
  const NewConversation& nc = plan->conversation;
  std::lock_guard lock(mu_);
  if (!plan->direct_key.empty()) {
    if (auto it = direct_.find(plan->direct_key); it != direct_.end()) {
      return snapshot(*find(it->second));
    }
  }
  if (conversations_.contains(nc.id)) {
    return make_error(Errc::conflict, "conversation id already used");
  }
  Conversation created = rules::new_conversation(nc);
  Conv c;
  c.info = created;
  c.info.members.clear();
  for (const auto& m : created.members) c.members.emplace(m.user_id, m);
  conversations_.emplace(nc.id, std::move(c));
  if (!plan->direct_key.empty()) direct_.emplace(plan->direct_key, nc.id);
  return created;
}

Result<Conversation> MemoryStore::get_conversation(std::string_view id) {
  std::lock_guard lock(mu_);
  const Conv* c = find(id);
  if (!c) return conversation_not_found();
  return snapshot(*c);
}

Result<std::vector<ConversationSummary>> MemoryStore::list_conversations(
    std::string_view user_id, int limit, const std::optional<ListCursor>& after) {
  // Sorts newest first by (last_activity_at, id); "after the cursor" is
  // therefore strictly smaller in that order.
  auto key = [](std::int64_t at, std::string_view id) { return std::tuple(at, id); };
  std::vector<ConversationSummary> out;
  if (limit < 1) return out;
  std::lock_guard lock(mu_);
  for (const auto& [id, c] : conversations_) {
    auto member = c.members.find(user_id);
    if (member == c.members.end()) continue;
    if (after && !(key(c.info.last_activity_at, id) < key(after->last_activity_at, after->id))) {
      continue;
    }
    out.push_back(ConversationSummary{id, c.info.type, c.info.name, c.info.last_seq,
                                      c.info.last_activity_at, c.last_message_at,
                                      member->second.read_seq});
  }
  std::sort(out.begin(), out.end(), [&](const auto& a, const auto& b) {
    return key(b.last_activity_at, b.id) < key(a.last_activity_at, a.id);
  });
  if (out.size() > static_cast<std::size_t>(limit)) out.resize(limit);
  return out;
}

Result<std::vector<std::string>> MemoryStore::member_ids(std::string_view conversation_id) {
  std::lock_guard lock(mu_);
  const Conv* c = find(conversation_id);
  if (!c) return conversation_not_found();
  std::vector<std::string> out;
  out.reserve(c->members.size());
  for (const auto& [id, m] : c->members) out.push_back(id);
  return out;
}

Status MemoryStore::add_member(std::string_view conversation_id, std::string_view user_id,
                               std::int64_t joined_at) {
  if (auto s = rules::check_add_member(user_id); !s) return s;
  std::lock_guard lock(mu_);
  Conv* c = find(conversation_id);
  if (!c) return conversation_not_found();
  if (auto s = rules::check_add_member_to(c->info.type); !s) return s;
  if (c->members.contains(user_id)) return make_error(Errc::conflict, "already a member");
  std::string id(user_id);
  c->members.emplace(id, Member{id, std::string(rules::kMember), 0, 0, joined_at});
  return ok_status();
}

Status MemoryStore::remove_member(std::string_view conversation_id, std::string_view user_id) {
  std::lock_guard lock(mu_);
  if (Conv* c = find(conversation_id)) {
    if (auto member = c->members.find(user_id); member != c->members.end()) {
      c->members.erase(member);
      return ok_status();
    }
  }
  return make_error(Errc::not_found, "not a member");
}

// ---- Messages ----

Result<MessagePage> MemoryStore::messages(std::string_view conversation_id,
                                          std::int64_t before_seq, std::int64_t after_seq,
                                          int limit) {
  auto window = rules::page_window(before_seq, after_seq, limit);
  if (!window) return window.error();
  std::lock_guard lock(mu_);
  const Conv* c = find(conversation_id);
  if (!c) return conversation_not_found();

  // Seqs run 1..last_seq without gaps, so the window maps onto indexes.
  MessagePage page;
  const std::int64_t lo = window->after + 1;
  const std::int64_t hi = std::min(window->before - 1, c->info.last_seq);
  if (lo > hi) return page;
  std::int64_t first = lo, last = hi;
  if (window->from_low) {
    last = std::min(hi, lo + window->limit - 1);
    page.has_more = last < hi;
  } else {
    first = std::max(lo, hi - window->limit + 1);
    page.has_more = first > lo;
  }
  page.messages.assign(c->messages.begin() + (first - 1), c->messages.begin() + last);
  return page;
}

Result<Message> MemoryStore::message(std::string_view conversation_id,
                                     std::string_view message_id) {
  std::lock_guard lock(mu_);
  auto it = by_message_id_.find(message_id);
  if (it == by_message_id_.end() || it->second.conversation_id != conversation_id) {
    return make_error(Errc::not_found, "message not found");
  }
  return at(it->second);
}

Result<std::vector<std::string>> MemoryStore::contacts(std::string_view user_id) {
  std::lock_guard lock(mu_);
  std::set<std::string, std::less<>> found;
  for (const auto& [id, c] : conversations_) {
    if (!c.members.contains(user_id)) continue;
    for (const auto& [other, m] : c.members) {
      if (other != user_id) found.insert(other);
    }
  }
  return std::vector<std::string>(found.begin(), found.end());
}

// ---- Outbox ----

void MemoryStore::add_event(OutboxEntry e) {
  e.id = next_outbox_id_++;
  outbox_.emplace(e.id, std::move(e));
}

Result<std::vector<OutboxEntry>> MemoryStore::outbox_read(std::int64_t after_id, int limit) {
  std::lock_guard lock(mu_);
  std::vector<OutboxEntry> out;
  for (auto it = outbox_.upper_bound(after_id);
       it != outbox_.end() && out.size() < static_cast<std::size_t>(std::max(limit, 0)); ++it) {
    out.push_back(it->second);
  }
  return out;
}

Status MemoryStore::outbox_remove(std::span<const std::int64_t> ids) {
  std::lock_guard lock(mu_);
  for (std::int64_t id : ids) outbox_.erase(id);
  return ok_status();
}

}  // namespace parley::store
