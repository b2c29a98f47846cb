// The client library against the real `parley` binary: requests besides
// send, failures, callbacks that destroy the client, memory per client.
#include <fstream>
#include <iostream>

#include "client/blackbox_fixture.h"

namespace parley::client {
namespace {

TEST_F(ClientBlackbox, EditDeleteAndPing) {
  auto [alice, bob, conv, ra, rb] = alice_and_bob();
  alice.send(conv, "tpyo");
  ASSERT_TRUE(run_until(
      io_, [&] { return ra.acks.size() == 1 && rb.messages.size() == 1; }, 10s));
  std::string id = ra.acks[0].message_id;
  ASSERT_TRUE(alice.edit(conv, id, "typo").ok());
  ASSERT_TRUE(run_until(
      io_, [&] { return rb.updates.size() == 1; }, 10s));
  EXPECT_EQ(rb.updates[0].content, "typo");
  EXPECT_EQ(rb.updates[0].version, 2);
  // Only the sender may edit: the error names the request.
  auto req = bob.edit(conv, id, "mine now");
  ASSERT_TRUE(req.ok());
  ASSERT_TRUE(run_until(
      io_, [&] { return !rb.errors.empty(); }, 10s));
  EXPECT_EQ(rb.errors[0].error.code, Errc::forbidden);
  EXPECT_EQ(rb.errors[0].req, *req);
  ASSERT_TRUE(alice.delete_message(conv, id).ok());
  ASSERT_TRUE(run_until(
      io_, [&] { return rb.updates.size() == 2; }, 10s));
  EXPECT_TRUE(rb.updates[1].deleted);
  auto ping = alice.ping();
  ASSERT_TRUE(ping.ok());
  ASSERT_TRUE(run_until(
      io_, [&] { return ra.pongs.size() == 1; }, 10s));
  EXPECT_EQ(ra.pongs[0], *ping);
}

TEST_F(ClientBlackbox, AReadMarkMadeOfflineIsSentOnResume) {
  auto [alice, bob, conv, ra, rb] = alice_and_bob();
  send_numbered(alice, conv, "m", 0, 3);
  ASSERT_TRUE(run_until(
      io_, [&] { return rb.in(conv).size() == 3; }, 10s));
  bob.stop();
  bob.mark_read(conv);  // the last delivered: 3
  bob.start();
  ASSERT_TRUE(run_until(
      io_, [&] { return !ra.receipts.empty(); }, 10s));
  EXPECT_EQ(ra.receipts[0].user_id, "bob");
  EXPECT_TRUE(ra.receipts[0].read);
  EXPECT_EQ(ra.receipts[0].seq, 3);
}

TEST_F(ClientBlackbox, ABadTokenIsReportedAndRetried) {
  make_client("mallory", "mallory", [](Options& o) { o.token = "not-a-jwt"; });
  auto& r = recorders_["mallory"];
  ASSERT_TRUE(run_until(
      io_, [&] { return r.errors.size() >= 2; }, 10s));
  EXPECT_EQ(r.errors[0].error.code, Errc::unauthorized);
  EXPECT_TRUE(std::any_of(r.states.begin(), r.states.end(),
                          [](const StateChange& s) { return s.state == State::waiting; }));
}

TEST_F(ClientBlackbox, SendToAConversationOfOthersFailsOnceAndLeavesTheOutbox) {
  std::string conv = create_group("alice", {"bob"});
  Client& eve = make_client("eve");
  wait_live(eve);
  std::string id = eve.send(conv, "let me in");
  auto& r = recorders_["eve"];
  ASSERT_TRUE(run_until(
      io_, [&] { return !r.errors.empty(); }, 10s));
  EXPECT_EQ(r.errors[0].error.code, Errc::not_member);
  EXPECT_EQ(r.errors[0].client_msg_id, id);
  EXPECT_EQ(eve.pending_sends(), 0u);
}

TEST_F(ClientBlackbox, AClientDestroyedInsideItsCallbackIsSafe) {
  std::string conv = create_group("alice", {"bob"});
  Client& alice = make_client("alice");
  wait_live(alice);
  auto bob = std::make_unique<Client>(io_, options("bob"));
  int seen = 0;
  bob->on_message([&](const Message&) {
    ++seen;
    bob.reset();  // the application drops the client from its own callback
  });
  bob->start();
  ASSERT_TRUE(run_until(
      io_, [&] { return bob->state() == State::live; }, 10s));
  send_numbered(alice, conv, "x", 0, 5);
  ASSERT_TRUE(run_until(
      io_, [&] { return bob == nullptr; }, 10s));
  observe(200ms);
  EXPECT_EQ(seen, 1);
}

std::int64_t rss_kib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  return -1;
}

// The bench runs thousands of Clients on one io_context: an idle, connected
// one must stay small. Measured as the growth of this process's RSS.
// One user with a thousand devices: above the default per-user limit.
class ClientBlackboxManyDevices : public ClientBlackbox {
 protected:
  std::vector<std::string> server_args() override { return {"--max-connections-per-user", "2000"}; }
};

TEST_F(ClientBlackboxManyDevices, ThousandIdleClientsStaySmall) {
  constexpr int kClients = 1000;
  Options o = options("idle");
  // Warm up allocators and Asio's services with one client first.
  std::vector<std::unique_ptr<Client>> clients;
  clients.push_back(std::make_unique<Client>(io_, o));
  clients.back()->start();
  ASSERT_TRUE(run_until(
      io_, [&] { return clients.back()->state() == State::live; }, 10s));
  auto before = rss_kib();
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<Client>(io_, o));
    clients.back()->start();
  }
  int live = 0;
  ASSERT_TRUE(run_until(
      io_,
      [&] {
        live = 0;
        for (auto& c : clients) live += c->state() == State::live;
        return live == kClients + 1;
      },
      60s))
      << live << " live";
  auto after = rss_kib();
  double per_client = static_cast<double>(after - before) * 1024.0 / kClients;
  RecordProperty("bytes_per_idle_client", static_cast<int>(per_client));
  std::cout << "RSS growth per idle connected Client: " << static_cast<int>(per_client)
            << " bytes (" << kClients << " clients, " << before << " KiB -> " << after << " KiB)\n";
  EXPECT_LT(per_client, 64 * 1024);
}

}  // namespace
}  // namespace parley::client
