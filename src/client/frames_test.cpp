#include "client/frames.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace parley::client {
namespace {

namespace json = boost::json;

json::object parsed(const std::string& s) { return json::parse(s).as_object(); }

TEST(Frames, DecodesMessage) {
  auto f = decode_server_frame(
      R"({"type":"message","conversation_id":"c_a","seq":18,"message_id":"m_1","sender_id":"alice",)"
      R"("client_msg_id":"d1-42","content":"hello","kind":"text","reply_to":null,"ts":1764170000123})");
  ASSERT_TRUE(f.ok());
  auto* m = std::get_if<Message>(&*f);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->conversation_id, "c_a");
  EXPECT_EQ(m->seq, 18);
  EXPECT_EQ(m->sender_id, "alice");
  EXPECT_EQ(m->content, "hello");
  EXPECT_EQ(m->reply_to, "");
  EXPECT_EQ(m->ts, 1764170000123);
}

TEST(Frames, DecodesHelloSyncedAndReconnect) {
  auto h = decode_server_frame(
      R"({"type":"hello","user_id":"alice","session_id":"s_1","heartbeat_ms":25000,)"
      R"("retransmit_ms":10000,"max_replay":1000,"server_time":1})");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(std::get<Session>(*h).retransmit_ms, 10000);
  auto s = decode_server_frame(
      R"({"type":"synced","req":"s1","conversations":{"c_a":20,"c_b":3},)"
      R"("too_far_behind":[{"conversation_id":"c_c","last_seq":5400}],"not_member":["c_x"]})");
  ASSERT_TRUE(s.ok());
  auto& synced = std::get<Synced>(*s);
  EXPECT_EQ(synced.req, "s1");
  EXPECT_EQ(synced.conversations.size(), 2u);
  ASSERT_EQ(synced.too_far_behind.size(), 1u);
  EXPECT_EQ(synced.too_far_behind[0], (std::pair<std::string, std::int64_t>{"c_c", 5400}));
  EXPECT_EQ(synced.not_member, (std::vector<std::string>{"c_x"}));
  auto r = decode_server_frame(R"({"type":"reconnect","after_ms":1830})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<ReconnectFrame>(*r).after_ms, 1830);
}

TEST(Frames, DecodesErrorWithItsCode) {
  auto e = decode_server_frame(
      R"({"type":"error","req":"r1","code":"not_member","message":"no","retry_after_ms":5})");
  ASSERT_TRUE(e.ok());
  auto& err = std::get<ErrorFrame>(*e);
  EXPECT_EQ(err.req, "r1");
  EXPECT_EQ(err.error.code, Errc::not_member);
  EXPECT_EQ(err.retry_after_ms, 5);
  EXPECT_EQ(wire_errc("rate_limited"), Errc::rate_limited);
  EXPECT_EQ(wire_errc("whatever"), Errc::internal);
}

TEST(Frames, RejectsGarbageAndToleratesUnknownTypes) {
  EXPECT_FALSE(decode_server_frame("not json").ok());
  EXPECT_FALSE(decode_server_frame("[1,2]").ok());
  EXPECT_FALSE(decode_server_frame(R"({"no":"type"})").ok());
  EXPECT_FALSE(decode_server_frame(R"({"type":"message","conversation_id":"c"})").ok());
  auto u = decode_server_frame(R"({"type":"future_thing"})");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(std::get<UnknownFrame>(*u).type, "future_thing");
}

TEST(Frames, EncodesClientFrames) {
  OutgoingMessage m;
  m.conversation_id = "c_a";
  m.client_msg_id = "d1-1";
  m.content = "say \"hi\"\n";
  auto send = parsed(encode_send("d1-1", m));
  EXPECT_EQ(send.at("type"), "send");
  EXPECT_EQ(send.at("req"), "d1-1");
  EXPECT_EQ(send.at("content"), "say \"hi\"\n");
  EXPECT_EQ(send.at("kind"), "text");
  EXPECT_FALSE(send.contains("reply_to"));

  auto sync = parsed(encode_sync("y1", {{"c_a", 17}, {"c_b", 0}}));
  EXPECT_EQ(sync.at("type"), "sync");
  EXPECT_EQ(sync.at("conversations").as_object().at("c_a").as_int64(), 17);
  EXPECT_EQ(sync.at("conversations").as_object().at("c_b").as_int64(), 0);
  EXPECT_TRUE(parsed(encode_sync("y2", {})).at("conversations").as_object().empty());

  auto received = parsed(encode_received("c_a", 18));
  EXPECT_EQ(received.at("type"), "received");
  EXPECT_FALSE(received.contains("req"));
  EXPECT_EQ(received.at("seq").as_int64(), 18);

  auto receipt = parsed(encode_receipt("q1", "c_a", true, 17));
  EXPECT_EQ(receipt.at("status"), "read");
  EXPECT_EQ(parsed(encode_typing("c_a")).at("type"), "typing");
  EXPECT_EQ(parsed(encode_edit("q2", "c_a", "m_1", "x")).at("message_id"), "m_1");
  EXPECT_EQ(parsed(encode_delete("q3", "c_a", "m_1")).at("type"), "delete");
  EXPECT_EQ(parsed(encode_ping("p1")).at("req"), "p1");
}

}  // namespace
}  // namespace parley::client
