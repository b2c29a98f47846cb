// The client library against the real `parley` binary: ordering, offline
// sends across a restart, resume by sync, and the server's delivery rules
// (retransmit, 4008, reconnect hints). Every wait runs the io_context until
// a condition holds or a deadline passes.
#include <set>

#include "client/blackbox_fixture.h"

namespace parley::client {
namespace {

TEST_F(ClientBlackbox, HelloAnnouncesRetransmitAndReplay) {
  Client& alice = make_client("alice");
  wait_live(alice);
  EXPECT_EQ(alice.session().user_id, "alice");
  EXPECT_GT(alice.session().heartbeat_ms, 0);
  EXPECT_GT(alice.session().retransmit_ms, 0) << "hello lacks retransmit_ms";
  EXPECT_GT(alice.session().max_replay, 0) << "hello lacks max_replay";
  EXPECT_TRUE(recorders_["alice"].errors.empty());
}

TEST_F(ClientBlackbox, TwoClientsExchangeMessagesInOrder) {
  auto [alice, bob, conv, ra, rb] = alice_and_bob();
  constexpr int kEach = 25;
  std::set<std::string> sent;
  for (int i = 0; i < kEach; ++i) {
    sent.insert(alice.send(conv, "a" + std::to_string(i)));
    sent.insert(bob.send(conv, "b" + std::to_string(i)));
  }
  ASSERT_TRUE(run_until(
      io_,
      [&] {
        return ra.in(conv).size() >= 2 * kEach && rb.in(conv).size() >= 2 * kEach &&
               ra.acks.size() == kEach && rb.acks.size() == kEach;
      },
      20s))
      << "alice got " << ra.in(conv).size() << ", bob got " << rb.in(conv).size();

  // Both see the same 50 messages, each once, in seq order 1..50.
  EXPECT_EQ(seqs(ra.in(conv)), one_to(2 * kEach));
  EXPECT_EQ(seqs(rb.in(conv)), one_to(2 * kEach));
  for (std::size_t i = 0; i < ra.messages.size(); ++i)
    EXPECT_EQ(ra.messages[i].message_id, rb.messages[i].message_id);
  // Each sender's messages keep the order of its send() calls.
  EXPECT_EQ(contents(rb.in(conv), "alice"), numbered("a", 0, kEach));
  EXPECT_EQ(contents(ra.in(conv), "bob"), numbered("b", 0, kEach));
  // Acks name our client_msg_ids, with the seq the others saw.
  std::map<std::string, std::int64_t> seq_of;
  for (auto& m : rb.messages) seq_of[m.client_msg_id + "/" + m.sender_id] = m.seq;
  for (auto& a : ra.acks) {
    EXPECT_TRUE(sent.count(a.client_msg_id));
    EXPECT_EQ(seq_of[a.client_msg_id + "/alice"], a.seq);
    EXPECT_GT(a.latency.count(), 0);
  }
  for (auto& m : rb.messages) EXPECT_GT(m.received_at_ms, 0);
  EXPECT_EQ(alice.pending_sends(), 0u);
  EXPECT_EQ(alice.last_seq(conv), 2 * kEach);
}

TEST_F(ClientBlackbox, OfflineSendsArriveOnceAndInOrderAfterARestart) {
  auto [alice, bob, conv, ra, rb] = alice_and_bob();
  send_numbered(alice, conv, "before", 0, 5);
  ASSERT_TRUE(run_until(
      io_, [&] { return ra.acks.size() == 5 && rb.in(conv).size() == 5; }, 10s));

  std::uint16_t port = server_->port();
  server_->stop();
  ASSERT_TRUE(run_until(
      io_, [&] { return alice.state() != State::live && bob.state() != State::live; }, 10s));
  // While the server is down the client keeps queuing (and keeps trying).
  send_numbered(alice, conv, "offline", 0, 10);
  EXPECT_EQ(alice.pending_sends(), 10u);
  observe(300ms);
  EXPECT_NE(alice.state(), State::live);

  server_->start(port);
  ASSERT_TRUE(run_until(
      io_, [&] { return ra.acks.size() == 15 && rb.in(conv).size() == 15; }, 30s))
      << "acks " << ra.acks.size() << ", bob has " << rb.in(conv).size() << ", alice "
      << to_string(alice.state());
  observe(300ms);  // no duplicate from a resend arrives later

  EXPECT_EQ(seqs(rb.in(conv)), one_to(15));
  EXPECT_EQ(seqs(ra.in(conv)), one_to(15));
  auto expected = numbered("before", 0, 5);
  for (auto& c : numbered("offline", 0, 10)) expected.push_back(c);
  EXPECT_EQ(contents(rb.in(conv)), expected);
  EXPECT_EQ(contents(history("bob", conv)), expected) << "stored exactly once, in order";
  EXPECT_EQ(alice.pending_sends(), 0u);
  // The client reconnected by itself after the server's close.
  bool waited = false;
  for (auto& s : ra.states) waited |= s.state == State::waiting;
  EXPECT_TRUE(waited);
}

TEST_F(ClientBlackbox, MissedMessagesComeThroughSyncWithoutGapOrDuplicate) {
  auto [alice, bob, conv, ra, rb] = alice_and_bob();
  send_numbered(alice, conv, "m", 0, 3);
  ASSERT_TRUE(run_until(
      io_, [&] { return rb.in(conv).size() == 3; }, 10s));

  bob.stop();
  send_numbered(alice, conv, "m", 3, 40);
  ASSERT_TRUE(run_until(
      io_, [&] { return ra.acks.size() == 40; }, 20s));
  bob.start();
  ASSERT_TRUE(run_until(
      io_, [&] { return rb.in(conv).size() >= 40; }, 20s))
      << rb.in(conv).size();
  // Messages sent right after the resume are live and still in order.
  send_numbered(alice, conv, "m", 40, 45);
  ASSERT_TRUE(run_until(
      io_, [&] { return rb.in(conv).size() >= 45; }, 10s));
  observe(300ms);
  EXPECT_EQ(seqs(rb.in(conv)), one_to(45));
  EXPECT_EQ(contents(rb.in(conv)), numbered("m", 0, 45));
  ASSERT_FALSE(rb.synced.empty());
}

TEST_F(ClientBlackbox, ANewClientResumesFromTheTrackedSeq) {
  auto [alice, conv] = alice_with_history(12);
  // Bob's application kept seq 7 from an earlier run.
  Client& bob = make_client("bob");
  bob.track(conv, 7);
  auto& rb = recorders_["bob"];
  ASSERT_TRUE(run_until(
      io_, [&] { return rb.in(conv).size() >= 5; }, 10s));
  observe(200ms);
  EXPECT_EQ(seqs(rb.in(conv)), (std::vector<std::int64_t>{8, 9, 10, 11, 12}));
}

class ClientBlackboxSmallReplay : public ClientBlackbox {
 protected:
  std::vector<std::string> server_args() override { return {"--max-replay", "10"}; }
};

TEST_F(ClientBlackboxSmallReplay, TooFarBehindIsPagedOverRest) {
  auto [alice, conv] = alice_with_history(450);
  Client& bob = make_client("bob");
  bob.track(conv, 0);
  auto& rb = recorders_["bob"];
  ASSERT_TRUE(run_until(
      io_, [&] { return rb.in(conv).size() >= 450; }, 30s))
      << rb.in(conv).size() << " delivered; errors: "
      << (rb.errors.empty() ? std::string("none") : rb.errors.front().error.message);
  // Live messages after the paging join in order.
  send_numbered(*alice, conv, "m", 450, 455);
  ASSERT_TRUE(run_until(
      io_, [&] { return rb.in(conv).size() >= 455; }, 10s));
  observe(200ms);
  EXPECT_EQ(seqs(rb.in(conv)), one_to(455));
  bool reported = false;
  for (auto& s : rb.synced)
    for (auto& [id, last] : s.too_far_behind) reported |= id == conv && s.paging;
  EXPECT_TRUE(reported) << "synced did not name the conversation too_far_behind";
  EXPECT_TRUE(rb.in(conv).front().from_history);
  EXPECT_FALSE(rb.in(conv).back().from_history);
}

TEST_F(ClientBlackboxSmallReplay, TooFarBehindCanBeLeftToTheApplication) {
  auto [alice, conv] = alice_with_history(30);
  Client& bob = make_client("bob", "bob", [](Options& o) { o.page_too_far_behind = false; });
  bob.track(conv, 0);
  auto& rb = recorders_["bob"];
  auto named = [&] {
    for (auto& s : rb.synced)
      for (auto& [id, last] : s.too_far_behind)
        if (id == conv && last == 30 && !s.paging) return true;
    return false;
  };
  ASSERT_TRUE(run_until(io_, named, 10s));
  wait_live(bob);
  send_numbered(*alice, conv, "m", 30, 31);  // live, but after a gap the client does not fill
  observe(300ms);
  EXPECT_TRUE(rb.in(conv).empty());
  // The application fetched 1..30 itself; delivery resumes after it.
  bob.track(conv, 30);
  ASSERT_TRUE(run_until(
      io_, [&] { return rb.in(conv).size() == 1; }, 10s));
  EXPECT_EQ(rb.in(conv)[0].seq, 31);
  send_numbered(*alice, conv, "m", 31, 32);
  ASSERT_TRUE(run_until(
      io_, [&] { return rb.in(conv).size() == 2; }, 10s));
  EXPECT_EQ(seqs(rb.in(conv)), (std::vector<std::int64_t>{31, 32}));
}

class ClientBlackboxFastRetransmit : public ClientBlackbox {
 protected:
  std::vector<std::string> server_args() override {
    return {"--retransmit-ms", "150", "--reconnect-jitter-ms", "300"};
  }
  static bool closed_with(const Recorder& r, int code) {
    for (auto& s : r.states)
      if (s.close_code == code) return true;
    return false;
  }
};

// `received` acknowledges deliveries: the server neither retransmits nor gives
// up on the device (4008 after 5 unacknowledged retransmits).
TEST_F(ClientBlackboxFastRetransmit, ReceivedAcksStopRetransmits) {
  auto [alice, bob, conv, ra, rb] = alice_and_bob();
  send_numbered(alice, conv, "m", 0, 30);
  ASSERT_TRUE(run_until(
      io_, [&] { return rb.in(conv).size() == 30; }, 10s));
  // Five retransmit periods and more: the connection must stay as it is.
  run_until(
      io_, [&] { return bob.state() != State::live; }, 1500ms);
  EXPECT_EQ(bob.state(), State::live);
  EXPECT_EQ(seqs(rb.in(conv)), one_to(30));
  EXPECT_FALSE(closed_with(rb, 4008));
}

// A device that never acknowledges is retransmitted to, then closed with
// 4008; the client drops the retransmitted copies, reconnects and resumes.
TEST_F(ClientBlackboxFastRetransmit, UnacknowledgedDeliveriesEndIn4008AndResume) {
  auto [alice, bob, conv, ra, rb] = alice_and_bob([](Options& o) { o.received_interval = 60s; });
  send_numbered(alice, conv, "m", 0, 10);
  ASSERT_TRUE(run_until(
      io_, [&] { return closed_with(rb, 4008); }, 15s))
      << "no 4008 close";
  wait_live(bob);
  send_numbered(alice, conv, "m", 10, 15);
  ASSERT_TRUE(run_until(
      io_, [&] { return rb.in(conv).size() >= 15; }, 10s));
  observe(200ms);
  EXPECT_EQ(seqs(rb.in(conv)), one_to(15));
}

TEST_F(ClientBlackboxFastRetransmit, ReconnectHintIsHonoured) {
  Client& alice = make_client("alice");
  wait_live(alice);
  auto& ra = recorders_["alice"];
  std::uint16_t port = server_->port();
  server_->stop();
  ASSERT_TRUE(run_until(
      io_, [&] { return alice.state() == State::waiting; }, 10s));
  // The first wait after the drain is the server's after_ms (at most its jitter).
  auto first = std::find_if(ra.states.begin(), ra.states.end(),
                            [](const StateChange& s) { return s.state == State::waiting; });
  ASSERT_NE(first, ra.states.end());
  EXPECT_EQ(first->close_code, 1001);
  EXPECT_LE(first->retry_in, 300ms);
  server_->start(port);
  wait_live(alice, 15s);
}

}  // namespace
}  // namespace parley::client
