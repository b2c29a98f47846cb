// The REST-facing half of ChatService: conversations, members, history,
// presence queries. Membership changes go through here so the membership
// cache stays true.
#include <algorithm>

#include "common/clock.h"
#include "common/ids.h"
#include "service/chat_service.h"

namespace parley::service {
namespace {

Status check_member_of(const store::Conversation& c, const std::string& user_id) {
  for (const auto& m : c.members)
    if (m.user_id == user_id) return ok_status();
  return outsider_error(c.id);
}

const store::Member* find_member(const store::Conversation& c, const std::string& user_id) {
  for (const auto& m : c.members)
    if (m.user_id == user_id) return &m;
  return nullptr;
}

// What a create call asks for, checked; the members sorted, without the
// caller and without repeats.
Result<store::NewConversation> new_conversation(const std::string& user_id,
                                                const std::string& type, const std::string& name,
                                                std::vector<std::string> members,
                                                std::size_t max_group_members) {
  if (type != "direct" && type != "group")
    return make_error(Errc::bad_request, "type must be \"direct\" or \"group\"");
  for (const auto& m : members)
    if (!valid_user_id(m)) return make_error(Errc::bad_request, "invalid user id in members");
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  std::erase(members, user_id);
  if (type == "direct" && members.size() != 1)
    return make_error(Errc::bad_request, "a direct conversation has exactly one other member");
  if (members.size() + 1 > max_group_members)
    return make_error(Errc::too_large, "more members than a group may have");
  if (name.size() > 200) return make_error(Errc::bad_request, "name is longer than 200 bytes");

  store::NewConversation nc;
  // The pair names a direct conversation: every gateway and every store shard
  // agrees on where it lives without asking.
  nc.id = type == "direct" ? direct_conversation_id(user_id, members[0]) : new_id("c_");
  nc.type = type;
  nc.name = type == "group" ? name : std::string();
  nc.created_by = user_id;
  nc.members = std::move(members);
  nc.created_at = now_ms();
  return nc;
}

}  // namespace

void ChatService::create_conversation(const std::string& user_id, const std::string& type,
                                      const std::string& name, std::vector<std::string> members,
                                      Reply<Created> done) {
  auto nc = new_conversation(user_id, type, name, std::move(members), options_.max_group_members);
  if (!nc) return done(std::move(nc).error());
  read_off_loop(
      [this, nc = std::move(nc).value()]() -> Result<Created> {
        if (nc.type == "direct") {
          if (auto existing = b_.store.get_conversation(nc.id); existing)
            return Created{std::move(existing).value(), false};
        }
        auto c = b_.store.create_conversation(nc);
        if (!c) return std::move(c).error();
        return Created{std::move(c).value(), true};
      },
      [this, done = std::move(done)](Result<Created> c) {
        // Each member's gateway subscribes them to the new conversation.
        if (c && c->created) {
          for (const auto& m : c->conversation.members)
            announce_members_changed(c->conversation.id, m.user_id, /*existing=*/false);
        }
        done(std::move(c));
      },
      ReadLane::request);
}

Result<store::Conversation> ChatService::read_conversation(const std::string& user_id,
                                                           const std::string& id) {
  auto c = b_.store.get_conversation(id);
  if (!c) return std::move(c).error();
  if (auto member = check_member_of(*c, user_id); !member) return std::move(member).error();
  return c;
}

void ChatService::conversation(const std::string& user_id, const std::string& id,
                               Reply<store::Conversation> done) {
  read_off_loop([this, user_id, id] { return read_conversation(user_id, id); }, std::move(done),
                ReadLane::request);
}

void ChatService::conversations(const std::string& user_id, int limit,
                                const std::optional<store::ListCursor>& after,
                                Reply<std::vector<store::ConversationSummary>> done) {
  read_off_loop(
      [this, user_id, limit, after] { return b_.store.list_conversations(user_id, limit, after); },
      std::move(done), ReadLane::request);
}

Result<std::vector<std::string>> ChatService::conversation_ids(const std::string& user_id) {
  constexpr int kPage = 1000;
  std::vector<std::string> ids;
  std::optional<store::ListCursor> after;
  for (;;) {
    auto page = b_.store.list_conversations(user_id, kPage, after);
    if (!page) return std::move(page).error();
    for (const auto& c : *page) ids.push_back(c.id);
    if (page->size() < static_cast<std::size_t>(kPage)) return ids;
    after = store::ListCursor{page->back().last_activity_at, page->back().id};
  }
}

void ChatService::add_member(const std::string& user_id, const std::string& id,
                             const std::string& new_member, Reply<store::Conversation> done) {
  if (draining_) return done(make_error(Errc::unavailable, "server is shutting down"));
  if (!valid_user_id(new_member)) return done(make_error(Errc::bad_request, "invalid user_id"));
  struct Outcome {
    bool added = false;  // even when the read after failed
    std::int64_t seq_before = 0;
    Result<store::Conversation> after = make_error(Errc::internal);
  };
  read_off_loop(
      [this, user_id, id, new_member, max = options_.max_group_members]() -> Outcome {
        Outcome o;
        auto c = read_conversation(user_id, id);
        if (!c) return {false, 0, std::move(c)};
        if (c->type == "direct") {
          o.after = make_error(Errc::bad_request, "a direct conversation has fixed members");
          return o;
        }
        if (c->members.size() + 1 > max) {
          o.after = make_error(Errc::too_large, "the group is full");
          return o;
        }
        // The conversation's last seq before the join, for the new member's
        // gateway to catch up from (announce_members_changed).
        auto latest = b_.store.messages(id, 0, 0, 1);
        if (!latest) return {false, 0, std::move(latest).error()};
        if (!latest->messages.empty()) o.seq_before = latest->messages.back().seq;
        if (auto added = b_.store.add_member(id, new_member, now_ms()); !added) {
          o.after = std::move(added).error();
          return o;
        }
        o.added = true;
        o.after = b_.store.get_conversation(id);
        return o;
      },
      [this, id, new_member, done = std::move(done)](Outcome o) {
        if (o.added) announce_members_changed(id, new_member, true, o.seq_before);
        done(std::move(o.after));
      },
      ReadLane::request);
}

void ChatService::remove_member(const std::string& user_id, const std::string& id,
                                const std::string& member, Reply<Unit> done) {
  if (draining_) return done(make_error(Errc::unavailable, "server is shutting down"));
  read_off_loop(
      [this, user_id, id, member]() -> Status {
        auto c = read_conversation(user_id, id);
        if (!c) return std::move(c).error();
        if (c->type == "direct")
          return make_error(Errc::bad_request, "a direct conversation has fixed members");
        const auto* caller = find_member(*c, user_id);
        bool is_owner = caller && caller->role == "owner";
        if (member != user_id && !is_owner)
          return make_error(Errc::forbidden, "only the owner may remove other members");
        if (!find_member(*c, member)) return make_error(Errc::not_found, "no such member");
        return b_.store.remove_member(id, member);
      },
      [this, id, member, done = std::move(done)](Status removed) {
        if (removed) announce_members_changed(id, member);
        done(std::move(removed));
      },
      ReadLane::request);
}

void ChatService::history(const std::string& user_id, const std::string& id,
                          std::int64_t before_seq, std::int64_t after_seq, int limit,
                          Reply<store::MessagePage> done) {
  // Cluster mode asks the store: another gateway's membership change may not
  // have reached this gateway's cache yet, and history must never leak.
  if (!options_.cluster) {
    if (auto member = members_.check_member(id, user_id); !member)
      return done(std::move(member).error());
  }
  read_off_loop(
      [this, user_id, id, before_seq, after_seq, limit,
       cluster = options_.cluster]() -> Result<store::MessagePage> {
        if (cluster) {
          auto ids = b_.store.member_ids(id);
          if (!ids) return std::move(ids).error();
          if (ids->empty()) return make_error(Errc::not_found, "conversation not found");
          if (std::find(ids->begin(), ids->end(), user_id) == ids->end())
            return outsider_error(id);
        }
        return b_.store.messages(id, before_seq, after_seq, limit);
      },
      std::move(done), ReadLane::request);
}

void ChatService::presence_of(const std::string& user_id, const std::vector<std::string>& users,
                              Reply<std::vector<std::optional<presence::PresenceState>>> done) {
  // The contacts (a store read) and the states (a Redis round trip in
  // cluster mode) both off the loop.
  read_off_loop(
      [this, user_id, users]() -> Result<std::vector<std::optional<presence::PresenceState>>> {
        auto contacts = b_.store.contacts(user_id);
        if (!contacts) return std::move(contacts).error();
        std::sort(contacts->begin(), contacts->end());
        auto visible = [&](const std::string& u) {
          return u == user_id || std::binary_search(contacts->begin(), contacts->end(), u);
        };
        std::vector<std::string> asked;
        for (const auto& u : users)
          if (visible(u)) asked.push_back(u);
        auto states = b_.presence.query(asked);
        std::vector<std::optional<presence::PresenceState>> out;
        std::size_t next = 0;
        for (const auto& u : users) {
          if (visible(u) && next < states.size()) {
            auto s = states[next++];
            // An online user was seen just now.
            if (s.online) s.last_seen = now_ms();
            out.emplace_back(std::move(s));
          } else {
            out.emplace_back(std::nullopt);
          }
        }
        return out;
      },
      std::move(done), ReadLane::request);
}

}  // namespace parley::service
