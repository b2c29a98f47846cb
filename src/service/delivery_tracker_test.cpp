#include "service/delivery_tracker.h"

#include <gtest/gtest.h>

namespace parley::service {
namespace {

class NullConnection final : public gateway::Connection {
 public:
  const std::string& user_id() const override { return id_; }
  const std::string& session_id() const override { return id_; }
  void send(gateway::Frame, bool) override {}
  void close(std::uint16_t, std::string_view) override {}

 private:
  std::string id_ = "u";
};

using V = DeliveryTracker::Verdict;

struct Fixture {
  DeliveryTracker tracker{{/*retransmit_ms=*/100, /*max_attempts=*/2, /*max_unacked=*/3}};
  std::shared_ptr<NullConnection> conn = std::make_shared<NullConnection>();
  gateway::Frame frame = std::make_shared<const std::string>("f");
};

TEST(DeliveryTracker, UnknownDevicesAlwaysGetTheFrame) {
  Fixture f;
  EXPECT_EQ(f.tracker.on_send(*f.conn, "c", 1, f.frame, 0), V::send);
  EXPECT_EQ(f.tracker.on_send(*f.conn, "c", 1, f.frame, 0), V::send);
  EXPECT_TRUE(f.tracker.collect_due(1000).resend.empty());
}

TEST(DeliveryTracker, PlainDevicesAreNotRetransmittedTo) {
  Fixture f;
  f.tracker.add(f.conn);
  EXPECT_EQ(f.tracker.on_send(*f.conn, "c", 1, f.frame, 0), V::send);
  EXPECT_EQ(f.tracker.on_send(*f.conn, "c", 1, f.frame, 0), V::skip);
  EXPECT_TRUE(f.tracker.collect_due(1000).resend.empty());
  EXPECT_FALSE(f.tracker.enabled(*f.conn));
}

TEST(DeliveryTracker, ReplaySkipsWhatLiveDeliveryAlreadySent) {
  Fixture f;
  f.tracker.add(f.conn);
  f.tracker.on_send(*f.conn, "c", 7, f.frame, 0);  // live, before the sync
  f.tracker.on_send(*f.conn, "c", 8, f.frame, 0);
  f.tracker.enable(f.conn);
  EXPECT_TRUE(f.tracker.replay_wanted(*f.conn, "c", 6));
  EXPECT_FALSE(f.tracker.replay_wanted(*f.conn, "c", 7));
  EXPECT_FALSE(f.tracker.replay_wanted(*f.conn, "c", 8));
  EXPECT_TRUE(f.tracker.replay_wanted(*f.conn, "c", 9));
  EXPECT_TRUE(f.tracker.replay_wanted(*f.conn, "other", 7));
}

TEST(DeliveryTracker, AGapInLiveDeliveryIsReplayedLater) {
  // The bus lost 9 and 10 (Redis restarted): a sync must replay them.
  Fixture f;
  f.tracker.add(f.conn);
  f.tracker.mark_held(*f.conn, "c", 6);
  f.tracker.on_send(*f.conn, "c", 7, f.frame, 0);
  f.tracker.on_send(*f.conn, "c", 8, f.frame, 0);
  f.tracker.on_send(*f.conn, "c", 11, f.frame, 0);
  EXPECT_TRUE(f.tracker.replay_wanted(*f.conn, "c", 9));
  EXPECT_TRUE(f.tracker.replay_wanted(*f.conn, "c", 10));
  EXPECT_FALSE(f.tracker.replay_wanted(*f.conn, "c", 11));
}

TEST(DeliveryTracker, WhatAReplaySentIsNotSentAgainLive) {
  Fixture f;
  f.tracker.enable(f.conn);
  f.tracker.mark_held(*f.conn, "c", 4);
  EXPECT_EQ(f.tracker.on_send(*f.conn, "c", 3, f.frame, 0), V::skip);  // held
  EXPECT_EQ(f.tracker.on_send(*f.conn, "c", 5, f.frame, 0, true), V::send);
  EXPECT_EQ(f.tracker.on_send(*f.conn, "c", 5, f.frame, 0), V::skip);  // replayed
  EXPECT_EQ(f.tracker.on_send(*f.conn, "c", 6, f.frame, 0), V::send);
  EXPECT_EQ(f.tracker.on_send(*f.conn, "other", 1, f.frame, 0), V::send);
}

TEST(DeliveryTracker, UnackedFramesAreResentThenGivenUp) {
  Fixture f;
  f.tracker.enable(f.conn);
  f.tracker.on_send(*f.conn, "c", 1, f.frame, 0);
  f.tracker.on_send(*f.conn, "c", 2, f.frame, 0);
  EXPECT_TRUE(f.tracker.collect_due(50).resend.empty());  // not yet due
  EXPECT_EQ(f.tracker.collect_due(100).resend.size(), 2u);
  f.tracker.ack(*f.conn, "c", 1);
  EXPECT_EQ(f.tracker.unacked(*f.conn), 1u);
  EXPECT_EQ(f.tracker.collect_due(200).resend.size(), 1u);
  auto due = f.tracker.collect_due(300);  // third attempt: over max_attempts
  EXPECT_EQ(due.give_up.size(), 1u);
}

TEST(DeliveryTracker, AcksClearAndTooMuchUnackedOverflows) {
  Fixture f;
  f.tracker.enable(f.conn);
  for (int seq = 1; seq <= 3; ++seq)
    EXPECT_EQ(f.tracker.on_send(*f.conn, "c", seq, f.frame, 0), V::send);
  EXPECT_EQ(f.tracker.on_send(*f.conn, "c", 4, f.frame, 0), V::overflow);
  f.tracker.ack(*f.conn, "c", 3);
  EXPECT_EQ(f.tracker.unacked(*f.conn), 0u);
  EXPECT_EQ(f.tracker.on_send(*f.conn, "c", 4, f.frame, 0), V::send);
  f.tracker.forget(*f.conn);
  EXPECT_FALSE(f.tracker.enabled(*f.conn));
}

using Hold = DeliveryTracker::Hold;

std::vector<std::int64_t> seqs(const std::vector<DeliveryTracker::Waiting>& waiting) {
  std::vector<std::int64_t> out;
  for (const auto& w : waiting) out.push_back(w.seq);
  return out;
}

TEST(DeliveryTracker, LiveFramesWaitWhileASyncIsReadAndComeBackInOrder) {
  Fixture f;
  f.tracker.enable(f.conn);
  EXPECT_EQ(f.tracker.hold_if_syncing(*f.conn, "c", 1, f.frame), Hold::no);
  f.tracker.begin_sync(*f.conn, "c");
  f.tracker.begin_sync(*f.conn, "c");  // a second sync of it, in flight too
  EXPECT_EQ(f.tracker.hold_if_syncing(*f.conn, "c", 5, f.frame), Hold::held);
  EXPECT_EQ(f.tracker.hold_if_syncing(*f.conn, "other", 5, f.frame), Hold::no);
  EXPECT_EQ(f.tracker.hold_if_syncing(*f.conn, "c", 6, f.frame), Hold::held);
  EXPECT_TRUE(f.tracker.end_sync(*f.conn, "c").empty()) << "released before the last sync ended";
  EXPECT_EQ(f.tracker.hold_if_syncing(*f.conn, "c", 7, f.frame), Hold::held);
  EXPECT_EQ(seqs(f.tracker.end_sync(*f.conn, "c")), (std::vector<std::int64_t>{5, 6, 7}));
  EXPECT_EQ(f.tracker.hold_if_syncing(*f.conn, "c", 8, f.frame), Hold::no);
  EXPECT_TRUE(f.tracker.end_sync(*f.conn, "c").empty());  // an extra end is harmless
}

TEST(DeliveryTracker, WaitingIsBoundedAndForgottenWithTheDevice) {
  Fixture f;  // max_unacked 3
  f.tracker.begin_sync(*f.conn, "c");
  for (std::int64_t seq = 1; seq <= 3; ++seq)
    EXPECT_EQ(f.tracker.hold_if_syncing(*f.conn, "c", seq, f.frame), Hold::held);
  EXPECT_EQ(f.tracker.hold_if_syncing(*f.conn, "c", 4, f.frame), Hold::overflow);
  f.tracker.forget(*f.conn);
  EXPECT_EQ(f.tracker.hold_if_syncing(*f.conn, "c", 5, f.frame), Hold::no);
  EXPECT_TRUE(f.tracker.end_sync(*f.conn, "c").empty());
}

}  // namespace
}  // namespace parley::service
