#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "protocol/client_frames.h"
#include "protocol/json_writer.h"
#include "protocol/server_frames.h"

namespace parley::protocol {
namespace {

Result<ClientFrame> decode(std::string_view text, std::string* req = nullptr) {
  std::string r;
  auto out = decode_client_frame(text, Limits{}, r);
  if (req) *req = r;
  return out;
}

Errc code_of(const Result<ClientFrame>& r) {
  return static_cast<Errc>(r.error().code.value());
}

TEST(Decode, SendWithDefaults) {
  auto f = decode(R"({"type":"send","req":"r1","conversation_id":"c1","client_msg_id":"k","content":"hi"})");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->req, "r1");
  auto& s = std::get<SendFrame>(f->payload);
  EXPECT_EQ(s.conversation_id, "c1");
  EXPECT_EQ(s.content, "hi");
  EXPECT_EQ(s.kind, "text");
  EXPECT_TRUE(s.reply_to.empty());
}

TEST(Decode, SendWithMedia) {
  auto f = decode(R"({"type":"send","conversation_id":"c1","client_msg_id":"k","content":"",
      "kind":"image","media":{"media_id":"md_1","name":"cat.png","size":1,"content_type":"x"}})");
  ASSERT_TRUE(f.ok()) << f.error().message;
  auto& s = std::get<SendFrame>(f->payload);
  ASSERT_TRUE(s.media.has_value());
  EXPECT_EQ(s.media->media_id, "md_1");
  EXPECT_EQ(s.media->name, "cat.png");
  // Older clients: an image without media is still a valid send.
  auto legacy = decode(R"({"type":"send","conversation_id":"c1","client_msg_id":"k",
      "content":"https://x/cat.png","kind":"image"})");
  ASSERT_TRUE(legacy.ok());
  EXPECT_FALSE(std::get<SendFrame>(legacy->payload).media.has_value());
  for (const char* bad : {
           R"({"type":"send","conversation_id":"c","client_msg_id":"k","content":"","media":{"media_id":"md_1"}})",
           R"({"type":"send","conversation_id":"c","client_msg_id":"k","content":"","kind":"file","media":"md_1"})",
           R"({"type":"send","conversation_id":"c","client_msg_id":"k","content":"","kind":"file","media":{}})",
           R"({"type":"send","conversation_id":"c","client_msg_id":"k","content":"","kind":"file","media":{"media_id":5}})",
       }) {
    auto r = decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(code_of(r), Errc::bad_request) << bad;
  }
}

TEST(Encode, MediaIsCopiedAsTheServerBuiltIt) {
  MessageFields m;
  m.kind = "image";
  m.media = R"({"media_id":"md_1","size":3})";
  auto v = boost::json::parse(encode_message(m)).as_object();
  EXPECT_EQ(v.at("media").at("media_id").as_string(), "md_1");
  EXPECT_EQ(v.at("media").at("size").as_int64(), 3);
  m.media = {};
  EXPECT_FALSE(boost::json::parse(encode_message(m)).as_object().contains("media"));
}

TEST(Decode, ReceiptEditDeleteTypingPing) {
  auto r = decode(R"({"type":"receipt","conversation_id":"c","status":"read","seq":4})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::get<ReceiptFrame>(r->payload).read);
  EXPECT_EQ(std::get<ReceiptFrame>(r->payload).seq, 4);
  EXPECT_TRUE(decode(R"({"type":"edit","conversation_id":"c","message_id":"m","content":"x"})").ok());
  EXPECT_TRUE(decode(R"({"type":"delete","conversation_id":"c","message_id":"m"})").ok());
  EXPECT_TRUE(decode(R"({"type":"typing","conversation_id":"c"})").ok());
  EXPECT_TRUE(decode(R"({"type":"ping"})").ok());
}

TEST(Decode, BadInputIsBadRequestWithReqKept) {
  std::string req;
  EXPECT_EQ(code_of(decode("{not json", &req)), Errc::bad_request);
  EXPECT_EQ(code_of(decode("[1,2]")), Errc::bad_request);
  EXPECT_EQ(code_of(decode(R"({"req":"a"})", &req)), Errc::bad_request);
  EXPECT_EQ(req, "a");
  EXPECT_EQ(code_of(decode(R"({"type":"warp","req":"b"})", &req)), Errc::bad_request);
  EXPECT_EQ(req, "b");
  EXPECT_EQ(code_of(decode(R"({"type":7})")), Errc::bad_request);
  EXPECT_EQ(code_of(decode(R"({"type":"send","conversation_id":"c","client_msg_id":"k"})")),
            Errc::bad_request);
  EXPECT_EQ(code_of(decode(R"({"type":"send","conversation_id":5,"client_msg_id":"k","content":"x"})")),
            Errc::bad_request);
  EXPECT_EQ(code_of(decode(R"({"type":"send","conversation_id":"","client_msg_id":"k","content":"x"})")),
            Errc::bad_request);
  EXPECT_EQ(code_of(decode(R"({"type":"send","conversation_id":"c","client_msg_id":"k","content":"x","kind":"video"})")),
            Errc::bad_request);
  EXPECT_EQ(code_of(decode(R"({"type":"receipt","conversation_id":"c","status":"seen","seq":1})")),
            Errc::bad_request);
  EXPECT_EQ(code_of(decode(R"({"type":"receipt","conversation_id":"c","status":"read","seq":-1})")),
            Errc::bad_request);
  EXPECT_EQ(code_of(decode(R"({"type":"receipt","conversation_id":"c","status":"read","seq":1.5})")),
            Errc::bad_request);
  EXPECT_EQ(code_of(decode(R"({"type":"ping","req":7})")), Errc::bad_request);
  EXPECT_EQ(code_of(decode("\"\xff\xfe\"")), Errc::bad_request);
}

TEST(Decode, ReceivedAndSync) {
  auto r = decode(R"({"type":"received","conversation_id":"c","seq":7})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<ReceivedFrame>(r->payload).seq, 7);
  auto s = decode(R"({"type":"sync","req":"s","conversations":{"a":3,"b":0}})");
  ASSERT_TRUE(s.ok());
  auto& convs = std::get<SyncFrame>(s->payload).conversations;
  ASSERT_EQ(convs.size(), 2u);
  EXPECT_EQ(convs[0].first, "a");
  EXPECT_EQ(convs[0].second, 3);
  EXPECT_EQ(code_of(decode(R"({"type":"sync","conversations":[1]})")), Errc::bad_request);
  EXPECT_EQ(code_of(decode(R"({"type":"sync","conversations":{"a":-1}})")), Errc::bad_request);
  EXPECT_EQ(code_of(decode(R"({"type":"sync","conversations":{"":1}})")), Errc::bad_request);
  EXPECT_EQ(code_of(decode(R"({"type":"received","conversation_id":"c"})")), Errc::bad_request);
  std::string many = R"({"type":"sync","conversations":{)";
  for (int i = 0; i < 501; ++i) {
    if (i) many += ',';
    many += "\"c";
    many += std::to_string(i);
    many += "\":0";
  }
  many += "}}";
  EXPECT_EQ(code_of(decode(many)), Errc::too_large);
}

TEST(Encode, SyncedAndReconnect) {
  SyncedFields f;
  f.req = "s";
  f.conversations = {{"a", 4}};
  f.too_far_behind = {{"b", 900}};
  f.not_member = {"x"};
  auto v = boost::json::parse(encode_synced(f)).as_object();
  EXPECT_EQ(v.at("conversations").at("a").as_int64(), 4);
  EXPECT_EQ(v.at("too_far_behind").at(0).at("last_seq").as_int64(), 900);
  EXPECT_EQ(v.at("not_member").at(0).as_string(), "x");
  auto r = boost::json::parse(encode_reconnect(1500)).as_object();
  EXPECT_EQ(r.at("after_ms").as_int64(), 1500);
}

TEST(Decode, OversizedContentIsTooLarge) {
  std::string big(16 * 1024 + 1, 'a');
  std::string req;
  auto f = decode(R"({"type":"send","req":"r","conversation_id":"c","client_msg_id":"k","content":")" +
                      big + "\"}",
                  &req);
  EXPECT_EQ(code_of(f), Errc::too_large);
  EXPECT_EQ(req, "r");
}

TEST(Decode, RestSendBodyTakesConversationFromPath) {
  auto f = decode_send_body(R"({"client_msg_id":"k","content":"x"})", "c9", Limits{});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->conversation_id, "c9");
  EXPECT_FALSE(decode_send_body(R"({"conversation_id":"c1","client_msg_id":"k","content":"x"})",
                                "c9", Limits{})
                   .ok());
}

TEST(Encode, EscapesAndParsesBack) {
  MessageFields m;
  m.conversation_id = "c";
  m.seq = 3;
  m.message_id = "m";
  m.sender_id = "u";
  m.client_msg_id = "k";
  m.content = "quote \" backslash \\ newline \n ctrl \x01 unicode \xc3\xa9";
  m.kind = "text";
  m.ts = 99;
  auto v = boost::json::parse(encode_message(m)).as_object();
  EXPECT_EQ(v.at("type").as_string(), "message");
  EXPECT_EQ(v.at("content").as_string(), m.content);
  EXPECT_TRUE(v.at("reply_to").is_null());
  EXPECT_EQ(v.at("seq").as_int64(), 3);

  m.deleted = true;
  m.version = 2;
  auto u = boost::json::parse(encode_message_updated(m)).as_object();
  EXPECT_TRUE(u.at("deleted").as_bool());
  EXPECT_FALSE(u.contains("content"));
}

TEST(Encode, ErrorCarriesReqAndCode) {
  auto e = boost::json::parse(encode_error("r7", make_error(Errc::not_member, "no"))).as_object();
  EXPECT_EQ(e.at("req").as_string(), "r7");
  EXPECT_EQ(e.at("code").as_string(), "not_member");
  auto no_req = boost::json::parse(encode_error("", make_error(Errc::internal, "x"))).as_object();
  EXPECT_FALSE(no_req.contains("req"));
}

TEST(JsonWriter, NestedArrays) {
  JsonWriter w;
  w.begin_object().begin_array("a").value("x").value("y").end_array().field("n", 1).end_object();
  EXPECT_EQ(w.str(), R"({"a":["x","y"],"n":1})");
}

}  // namespace
}  // namespace parley::protocol
