#pragma once
// The fixture of the client's black-box tests: a real server per test,
// clients on the test's io_context, and a record of what each reported.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/client.h"
#include "client/rest.h"
#include "client/test_server.h"

namespace parley::client {

using namespace std::chrono_literals;
using testing::run_until;
using testing::TestServer;

// Everything one Client reported.
struct Recorder {
  std::vector<Message> messages;
  std::vector<Ack> acks;
  std::vector<StateChange> states;
  std::vector<Synced> synced;
  std::vector<ClientError> errors;
  std::vector<MessageUpdate> updates;
  std::vector<std::string> pongs;
  std::vector<Receipt> receipts;

  std::vector<Message> in(const std::string& conversation_id) const {
    std::vector<Message> out;
    for (auto& m : messages)
      if (m.conversation_id == conversation_id) out.push_back(m);
    return out;
  }
};

inline std::vector<std::int64_t> seqs(const std::vector<Message>& ms) {
  std::vector<std::int64_t> out;
  for (auto& m : ms) out.push_back(m.seq);
  return out;
}

inline std::vector<std::int64_t> one_to(std::int64_t n) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 1; i <= n; ++i) out.push_back(i);
  return out;
}

inline std::vector<std::string> contents(const std::vector<Message>& ms,
                                         const std::string& sender = {}) {
  std::vector<std::string> out;
  for (auto& m : ms)
    if (sender.empty() || m.sender_id == sender) out.push_back(m.content);
  return out;
}

class ClientBlackbox : public ::testing::Test {
 protected:
  virtual std::vector<std::string> server_args() { return {}; }

  void SetUp() override {
    server_ = std::make_unique<TestServer>(io_, server_args());
    server_->start();
  }

  void TearDown() override {
    clients_.clear();
    if (HasFailure()) std::cerr << "---- server log ----\n" << server_->log_tail() << "----\n";
    server_->stop();
  }

  Options options(const std::string& user) {
    Options o;
    o.host = "127.0.0.1";
    o.port = server_->port();
    o.token = server_->token(user);
    o.backoff_base = 50ms;
    o.backoff_max = 500ms;
    return o;
  }

  // A started client whose every event lands in recorders_[name].
  Client& make_client(const std::string& user, const std::string& name = {},
                      const std::function<void(Options&)>& tweak = {}) {
    auto key = name.empty() ? user : name;
    Options o = options(user);
    if (tweak) tweak(o);
    auto c = std::make_unique<Client>(io_, std::move(o));
    Recorder& r = recorders_[key];
    c->on_message([&r](const Message& m) { r.messages.push_back(m); });
    c->on_ack([&r](const Ack& a) { r.acks.push_back(a); });
    c->on_state([&r](const StateChange& s) { r.states.push_back(s); });
    c->on_synced([&r](const Synced& s) { r.synced.push_back(s); });
    c->on_error([&r](const ClientError& e) { r.errors.push_back(e); });
    c->on_receipt([&r](const Receipt& x) { r.receipts.push_back(x); });
    c->on_message_updated([&r](const MessageUpdate& u) { r.updates.push_back(u); });
    c->on_pong([&r](const std::string& req, std::chrono::microseconds) { r.pongs.push_back(req); });
    c->start();
    clients_.push_back(std::move(c));
    return *clients_.back();
  }

  void wait_live(Client& c, std::chrono::milliseconds timeout = 10s) {
    ASSERT_TRUE(run_until(
        io_, [&] { return c.state() == State::live; }, timeout))
        << "state " << to_string(c.state());
  }

  // alice and bob, live, in a new group of theirs that both track from 0.
  struct Duo {
    Client& alice;
    Client& bob;
    std::string conv;
    Recorder& ra;
    Recorder& rb;
  };
  Duo alice_and_bob(const std::function<void(Options&)>& bob_tweak = {}) {
    Client& alice = make_client("alice");
    Client& bob = make_client("bob", "bob", bob_tweak);
    std::string conv = create_group("alice", {"bob"});
    alice.track(conv, 0);
    bob.track(conv, 0);
    wait_live(alice);
    wait_live(bob);
    return Duo{alice, bob, conv, recorders_["alice"], recorders_["bob"]};
  }

  // alice, live, with a new group (bob a member) holding `n` messages "m<i>".
  std::pair<Client*, std::string> alice_with_history(int n) {
    Client& alice = make_client("alice");
    std::string conv = create_group("alice", {"bob"});
    wait_live(alice);
    send_numbered(alice, conv, "m", 0, n);
    auto& ra = recorders_["alice"];
    EXPECT_TRUE(run_until(
        io_, [&] { return ra.acks.size() == static_cast<std::size_t>(n); }, 30s));
    return {&alice, conv};
  }

  // Lets `window` pass while the io_context runs: for checking that nothing
  // more arrives (a bounded observation, not a synchronization).
  void observe(std::chrono::milliseconds window) {
    run_until(
        io_, [] { return false; }, window);
  }

  // Sends "<prefix><i>" for i in [from, to).
  static void send_numbered(Client& c, const std::string& conv, const std::string& prefix, int from,
                            int to) {
    for (int i = from; i < to; ++i) c.send(conv, prefix + std::to_string(i));
  }

  // Contents "<prefix><i>" for i in [from, to).
  static std::vector<std::string> numbered(const std::string& prefix, int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i < to; ++i) out.push_back(prefix + std::to_string(i));
    return out;
  }

  RestClient rest(const std::string& user) {
    return RestClient(io_, "127.0.0.1", server_->port(),
                      [token = server_->token(user)] { return token; });
  }

  std::string create_group(const std::string& owner, std::vector<std::string> members) {
    std::optional<Result<Conversation>> got;
    rest(owner).create_conversation("group", "team", std::move(members),
                                    [&](Result<Conversation> c) { got = std::move(c); });
    EXPECT_TRUE(run_until(
        io_, [&] { return got.has_value(); }, 10s));
    if (!got || !got->ok()) {
      ADD_FAILURE() << "create conversation failed: " << (got ? got->error().message : "timeout");
      return {};
    }
    return (*got)->id;
  }

  // The whole history over REST, oldest first.
  std::vector<Message> history(const std::string& user, const std::string& conversation_id) {
    std::vector<Message> all;
    for (;;) {
      std::optional<Result<HistoryPage>> page;
      rest(user).history_after(conversation_id, all.empty() ? 0 : all.back().seq, 200,
                               [&](Result<HistoryPage> p) { page = std::move(p); });
      if (!run_until(
              io_, [&] { return page.has_value(); }, 10s) ||
          !page->ok()) {
        ADD_FAILURE() << "history failed";
        return all;
      }
      for (auto& m : (*page)->messages) all.push_back(m);
      if (!(*page)->has_more || (*page)->messages.empty()) return all;
    }
  }

  boost::asio::io_context io_;
  std::unique_ptr<TestServer> server_;
  std::map<std::string, Recorder> recorders_;
  std::vector<std::unique_ptr<Client>> clients_;
};

}  // namespace parley::client
