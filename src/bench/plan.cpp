// The run's users and groups. Every run gets fresh user names (a random
// prefix) so repeated runs against one server do not pile up conversations
// on the same users.
#include <boost/asio/io_context.hpp>
#include <memory>
#include <random>

#include "auth/hs256.h"
#include "bench/plan.h"
#include "client/rest.h"
#include "common/clock.h"

namespace parley::bench {

namespace net = boost::asio;

std::string mint_token(const std::string& user, const std::string& secret) {
  auth::Claims claims;
  claims.sub = user;
  claims.iat = now_ms() / 1000;
  claims.exp = claims.iat + 6 * 3600;
  return auth::sign_hs256(claims, secret);
}

namespace {

struct GroupSpec {
  std::vector<std::size_t> conns;  // indexes in plan.conns; the first creates it
  std::vector<std::string> extra;  // members that never connect
};

// Creates the groups, at most 16 requests at a time.
bool create_groups(const Options& o, Plan& plan, const std::vector<GroupSpec>& groups,
                   std::string& error) {
  net::io_context io;
  std::size_t next = 0, done = 0;
  std::vector<std::unique_ptr<client::RestClient>> rest(groups.size());
  std::function<void()> launch = [&] {
    if (next >= groups.size() || !error.empty()) return;
    std::size_t g = next++;
    const auto& spec = groups[g];
    std::string creator = plan.conns[spec.conns[0]].user;
    rest[g] = std::make_unique<client::RestClient>(
        io, o.host, o.port, [creator, secret = o.secret] { return mint_token(creator, secret); });
    std::vector<std::string> members = spec.extra;
    for (std::size_t k = 1; k < spec.conns.size(); ++k) members.push_back(plan.conns[spec.conns[k]].user);
    rest[g]->create_conversation(
        "group", "bench-" + std::to_string(g), std::move(members),
        [&, g](Result<client::Conversation> c) {
          ++done;
          if (!c) {
            if (error.empty()) error = "creating a group: " + c.error().message;
            return;
          }
          for (auto i : groups[g].conns) plan.conns[i].conversation = c->id;
          launch();
        });
  };
  for (int i = 0; i < 16; ++i) launch();
  io.run();
  return error.empty() && done == groups.size();
}

}  // namespace

bool make_plan(const Options& o, Plan& plan, std::string& error) {
  std::random_device rd;
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "b%06x", rd() & 0xffffffu);
  auto user = [&](const std::string& rest) { return std::string(prefix) + "-" + rest; };
  std::vector<GroupSpec> groups;

  if (o.scenario == "idle") {
    for (int i = 0; i < o.connections; ++i) plan.conns.push_back({user(std::to_string(i)), "", false});
    return true;
  }
  if (o.scenario == "fanout") {
    if (o.senders > o.groups * o.members) {
      error = "--senders exceeds groups x members";
      return false;
    }
    for (int g = 0; g < o.groups; ++g) {
      GroupSpec spec;
      for (int m = 0; m < o.members; ++m) {
        spec.conns.push_back(plan.conns.size());
        plan.conns.push_back({user(std::to_string(g) + "-" + std::to_string(m)), "", false});
      }
      for (int m = 0; m < o.offline_members; ++m)
        spec.extra.push_back(user(std::to_string(g) + "-off-" + std::to_string(m)));
      groups.push_back(std::move(spec));
    }
    // Sender j: member j / groups of group j % groups (spread over the groups).
    for (int j = 0; j < o.senders; ++j)
      plan.conns[groups[j % o.groups].conns[j / o.groups]].sender = true;
    plan.senders = o.senders;
  } else if (o.scenario == "durable") {
    // One group per connection (itself and a member who never connects):
    // the cost measured is the durable write, not the fan-out.
    for (int i = 0; i < o.connections; ++i) {
      groups.push_back({{plan.conns.size()}, {user("sink")}});
      plan.conns.push_back({user("d" + std::to_string(i)), "", true});
    }
    plan.senders = o.connections;
  } else if (o.scenario == "reconnect") {
    int size = std::max(1, o.members);
    for (int i = 0; i < o.connections; ++i) {
      if (i % size == 0) groups.push_back({});
      groups.back().conns.push_back(plan.conns.size());
      plan.conns.push_back({user("r" + std::to_string(i)), "", false});
    }
  } else {
    error = "unknown scenario " + o.scenario + " (idle, fanout, durable, reconnect)";
    return false;
  }
  return create_groups(o, plan, groups, error);
}

}  // namespace parley::bench
