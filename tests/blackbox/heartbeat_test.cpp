// WebSocket heartbeat: server pings every heartbeat_ms, silent peers are dropped.
#include <algorithm>

#include "support.h"

namespace bb {
namespace {

class HeartbeatTest : public BlackboxTest {
 protected:
  static constexpr int kHeartbeatMs = 300;
  std::vector<std::string> server_args() override {
    if (serve_supports_flag("--heartbeat-ms")) return {"--heartbeat-ms", std::to_string(kHeartbeatMs)};
    return {};
  }
  void SetUp() override {
    if (!serve_supports_flag("--heartbeat-ms")) GTEST_SKIP() << "server has no --heartbeat-ms flag";
    BlackboxTest::SetUp();
  }
};

TEST_F(HeartbeatTest, HelloAnnouncesConfiguredHeartbeat) {
  WsClient ws;
  ASSERT_TRUE(ws.connect(port(), token("alice")).ok);
  auto hello = ws.next_frame(5s);
  ASSERT_TRUE(hello);
  EXPECT_EQ(num(*hello, "heartbeat_ms"), kHeartbeatMs) << dump(*hello);
}

TEST_F(HeartbeatTest, SilentPeerIsDroppedAnsweringPeerStays) {
  std::string conv = create_group("alice", {"bob"});
  auto alive = connect("alice");  // its client answers pings automatically
  auto r = http().silent_websocket(token("bob"), 10s);
  ASSERT_EQ(r.http_status, 101) << r.error;
  ASSERT_TRUE(r.dropped) << "a peer silent for 10 s (heartbeat " << kHeartbeatMs << " ms) was not dropped";
  EXPECT_GE(r.after.count(), kHeartbeatMs) << "dropped too early";
  EXPECT_LE(r.after.count(), 10 * kHeartbeatMs) << "dropped far later than two heartbeat periods";
  ASSERT_FALSE(r.opcodes.empty());
  EXPECT_EQ(r.opcodes.front(), 0x1) << "first frame should be the hello text frame";
  EXPECT_NE(std::find(r.opcodes.begin(), r.opcodes.end(), 0x9), r.opcodes.end())
      << "no WebSocket ping was sent before the drop";
  // The answering peer outlived the silent one by several heartbeats and still works.
  EXPECT_FALSE(alive->is_closed());
  expect_usable(*alive, conv);
}

}  // namespace
}  // namespace bb
