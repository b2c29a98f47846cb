#include "store/sharded/sharded_store.h"

#include <algorithm>
#include <exception>
#include <latch>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "common/ids.h"
#include "store/sharded/shard_worker.h"
#include "store/store_rules.h"

namespace parley::store {

namespace {

const std::string& conversation_of(const WriteOp& op) {
  return std::visit([](const auto& o) -> const std::string& { return o.conversation_id; }, op);
}

// A shard's answer to its sub-batch; whatever goes wrong becomes an error per
// op, so the caller always gets one result per op.
std::vector<WriteResult> apply_on(Store& store, std::span<const WriteOp> ops) {
  try {
    auto results = store.apply(ops);
    if (results.size() == ops.size()) return results;
    return std::vector<WriteResult>(
        ops.size(), WriteResult(make_error(Errc::internal, "shard answered a batch out of shape")));
  } catch (const std::exception& e) {
    return std::vector<WriteResult>(ops.size(), WriteResult(make_error(Errc::internal, e.what())));
  } catch (...) {
    return std::vector<WriteResult>(ops.size(),
                                    WriteResult(make_error(Errc::internal, "shard failed")));
  }
}

}  // namespace

Result<std::unique_ptr<ShardedStore>> ShardedStore::create(std::vector<Shard> shards,
                                                           int virtual_nodes) {
  if (shards.empty()) return make_error(Errc::internal, "sharded store without shards");
  std::set<std::string, std::less<>> names;
  std::vector<std::string> ordered;
  for (const Shard& s : shards) {
    if (s.name.empty() || !s.store) {
      return make_error(Errc::internal, "every shard needs a name and a store");
    }
    if (!names.insert(s.name).second) {
      return make_error(Errc::internal, "shard name used twice: " + s.name);
    }
    ordered.push_back(s.name);
  }
  HashRing ring(ordered, virtual_nodes);
  return std::unique_ptr<ShardedStore>(new ShardedStore(std::move(shards), std::move(ring)));
}

ShardedStore::ShardedStore(std::vector<Shard> shards, HashRing ring)
    : shards_(std::move(shards)), ring_(std::move(ring)) {
  if (shards_.size() > 1) {
    for (std::size_t i = 0; i < shards_.size(); ++i) {
      workers_.push_back(std::make_unique<ShardWorker>());
    }
  }
}

// Workers go first (declared last): they finish their jobs while the shards
// still exist.
ShardedStore::~ShardedStore() { workers_.clear(); }

std::size_t ShardedStore::shard_of(std::string_view conversation_id) const {
  return shards_.size() == 1 ? 0 : ring_.owner(conversation_id);
}

// ---- Writes ----

std::vector<WriteResult> ShardedStore::apply(std::span<const WriteOp> ops) {
  if (shards_.size() == 1) return shards_.front().store->apply(ops);

  const std::size_t n = shards_.size();
  std::vector<std::size_t> home_of(ops.size());
  std::vector<std::size_t> count(n, 0);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    home_of[i] = shard_of(conversation_of(ops[i]));
    ++count[home_of[i]];
  }
  const auto involved = static_cast<std::ptrdiff_t>(
      std::count_if(count.begin(), count.end(), [](std::size_t c) { return c > 0; }));
  if (involved == 0) return {};
  if (involved == 1) {
    // One shard: no split, no copy, no thread hop.
    return apply_on(*shards_[home_of.front()].store, ops);
  }

  std::vector<std::vector<WriteOp>> sub(n);
  for (std::size_t s = 0; s < n; ++s) sub[s].reserve(count[s]);
  for (std::size_t i = 0; i < ops.size(); ++i) sub[home_of[i]].push_back(ops[i]);

  std::vector<std::vector<WriteResult>> answers(n);
  std::latch done(involved);
  for (std::size_t s = 0; s < n; ++s) {
    if (sub[s].empty()) continue;
    workers_[s]->post([this, s, &sub, &answers, &done] {
      answers[s] = apply_on(*shards_[s].store, sub[s]);
      done.count_down();
    });
  }
  done.wait();

  // Each shard answered its ops in order: deal the answers back out.
  std::vector<std::size_t> next(n, 0);
  std::vector<WriteResult> out;
  out.reserve(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const std::size_t s = home_of[i];
    out.push_back(std::move(answers[s][next[s]++]));
  }
  return out;
}

Result<Conversation> ShardedStore::create_conversation(const NewConversation& in) {
  const std::size_t at = shard_of(in.id);
  if (shards_.size() > 1 && in.type == rules::kDirect) {
    auto plan = rules::plan_conversation(in);
    if (!plan) return plan.error();
    const NewConversation& nc = plan->conversation;
    const std::string& other = nc.members.front();
    // Under the pair's own id the pair can only be on that id's shard, whose
    // create_conversation finds it. Any other id needs a look everywhere.
    if (nc.id != direct_conversation_id(nc.created_by, other)) {
      auto found = find_direct(nc.created_by, other, at);
      if (!found) return found.error();
      if (*found) return std::move(**found);
    }
  }
  return shards_[at].store->create_conversation(in);
}

Result<std::optional<Conversation>> ShardedStore::find_direct(std::string_view a,
                                                              std::string_view b,
                                                              std::size_t skip) {
  for (std::size_t s = 0; s < shards_.size(); ++s) {
    if (s == skip) continue;
    Store& shard = *shards_[s].store;
    auto contacts = shard.contacts(a);
    if (!contacts) return contacts.error();
    if (std::find(contacts->begin(), contacts->end(), b) == contacts->end()) continue;
    // They share something here: walk a's conversations for the direct one.
    std::optional<ListCursor> cursor;
    for (;;) {
      auto page = shard.list_conversations(a, 100, cursor);
      if (!page) return page.error();
      if (page->empty()) break;
      for (const ConversationSummary& c : *page) {
        if (c.type != rules::kDirect) continue;
        auto ids = shard.member_ids(c.id);
        if (!ids) return ids.error();
        if (std::find(ids->begin(), ids->end(), b) == ids->end()) continue;
        auto conversation = shard.get_conversation(c.id);
        if (!conversation) return conversation.error();
        return std::optional(std::move(conversation).value());
      }
      cursor = ListCursor{page->back().last_activity_at, page->back().id};
    }
  }
  return std::optional<Conversation>();
}

Status ShardedStore::add_member(std::string_view conversation_id, std::string_view user_id,
                                std::int64_t joined_at) {
  return home(conversation_id).add_member(conversation_id, user_id, joined_at);
}

Status ShardedStore::remove_member(std::string_view conversation_id, std::string_view user_id) {
  return home(conversation_id).remove_member(conversation_id, user_id);
}

// ---- Reads ----

Result<Conversation> ShardedStore::get_conversation(std::string_view id) {
  return home(id).get_conversation(id);
}

Result<std::vector<std::string>> ShardedStore::member_ids(std::string_view conversation_id) {
  return home(conversation_id).member_ids(conversation_id);
}

Result<Store::MembersByConversation> ShardedStore::members_of(std::span<const std::string> ids) {
  // One question per shard, for the conversations it is home to.
  std::map<Store*, std::vector<std::string>> by_shard;
  for (const auto& id : ids) by_shard[&home(id)].push_back(id);
  MembersByConversation out;
  for (auto& [shard, mine] : by_shard) {
    auto got = shard->members_of(mine);
    if (!got) return got.error();
    out.merge(*got);
  }
  return out;
}

Result<MessagePage> ShardedStore::messages(std::string_view conversation_id,
                                           std::int64_t before_seq, std::int64_t after_seq,
                                           int limit) {
  return home(conversation_id).messages(conversation_id, before_seq, after_seq, limit);
}

Result<Message> ShardedStore::message(std::string_view conversation_id,
                                      std::string_view message_id) {
  return home(conversation_id).message(conversation_id, message_id);
}

Result<std::vector<ConversationSummary>> ShardedStore::list_conversations(
    std::string_view user_id, int limit, const std::optional<ListCursor>& after) {
  if (shards_.size() == 1) return shards_.front().store->list_conversations(user_id, limit, after);
  std::vector<ConversationSummary> merged;
  if (limit < 1) return merged;
  // Each shard's first `limit` after the cursor holds every one of the
  // overall first `limit` that lives there: merge and cut.
  for (const Shard& shard : shards_) {
    auto part = shard.store->list_conversations(user_id, limit, after);
    if (!part) return part.error();
    std::move(part->begin(), part->end(), std::back_inserter(merged));
  }
  std::sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) {
    return std::tie(b.last_activity_at, b.id) < std::tie(a.last_activity_at, a.id);
  });
  if (merged.size() > static_cast<std::size_t>(limit)) merged.resize(limit);
  return merged;
}

Result<std::vector<std::string>> ShardedStore::contacts(std::string_view user_id) {
  if (shards_.size() == 1) return shards_.front().store->contacts(user_id);
  std::set<std::string> all;
  for (const Shard& shard : shards_) {
    auto part = shard.store->contacts(user_id);
    if (!part) return part.error();
    all.insert(std::make_move_iterator(part->begin()), std::make_move_iterator(part->end()));
  }
  return std::vector<std::string>(all.begin(), all.end());
}

// ---- Outbox ----

Result<std::vector<OutboxEntry>> ShardedStore::outbox_read(std::int64_t after_id, int limit) {
  if (shards_.size() == 1) return shards_.front().store->outbox_read(after_id, limit);
  return make_error(Errc::internal, "read each shard's outbox (outboxes())");
}

Status ShardedStore::outbox_remove(std::span<const std::int64_t> ids) {
  if (shards_.size() == 1) return shards_.front().store->outbox_remove(ids);
  return make_error(Errc::internal, "remove from each shard's outbox (outboxes())");
}

std::vector<Store*> ShardedStore::outboxes() {
  std::vector<Store*> out;
  for (auto& shard : shards_) {
    for (Store* s : shard.store->outboxes()) out.push_back(s);
  }
  return out;
}

}  // namespace parley::store
