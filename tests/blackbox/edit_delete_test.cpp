// edit / delete frames.
#include "support.h"

namespace bb {
namespace {

class EditDeleteTest : public BlackboxTest {};

TEST_F(EditDeleteTest, SenderEditsThenDeletesAndEveryDeviceIsUpdated) {
  std::string conv = create_group("alice", {"bob"});
  auto a1 = connect("alice");
  auto a2 = connect("alice");
  auto b1 = connect("bob");
  auto b2 = connect("bob");
  auto ack = send_message(*a1, conv, "tpyo");
  std::string mid = str(ack, "message_id");
  auto seq = num(ack, "seq");

  auto ok = request(*a1,
                    {{"type", "edit"}, {"req", "r3"}, {"conversation_id", conv}, {"message_id", mid},
                     {"content", "fixed"}},
                    "ok");
  ASSERT_EQ(str(ok, "type"), "ok") << dump(ok);
  EXPECT_EQ(str(ok, "req"), "r3");
  for (auto* ws : {a1.get(), a2.get(), b1.get(), b2.get()}) {
    auto u = ws->wait_for("message_updated", with_str("message_id", mid), 5s);
    ASSERT_TRUE(u) << "no message_updated; buffered: " << dump(ws->buffered());
    EXPECT_EQ(str(*u, "conversation_id"), conv) << dump(*u);
    EXPECT_EQ(num(*u, "seq"), seq) << dump(*u);
    EXPECT_EQ(num(*u, "version"), 2) << dump(*u);
    EXPECT_EQ(str(*u, "content"), "fixed") << dump(*u);
    auto* del = u->if_contains("deleted");
    EXPECT_TRUE(!del || (del->is_bool() && !del->as_bool())) << dump(*u);
  }
  auto hist = history_messages("bob", conv);
  ASSERT_EQ(hist.size(), 1u);
  EXPECT_EQ(str(hist[0], "content"), "fixed");
  EXPECT_EQ(num(hist[0], "version"), 2);
  EXPECT_EQ(hist[0].at("deleted"), json::value(false));

  auto ok2 = request(*a2, {{"type", "delete"}, {"req", "r4"}, {"conversation_id", conv}, {"message_id", mid}},
                     "ok");
  ASSERT_EQ(str(ok2, "type"), "ok") << dump(ok2);
  EXPECT_EQ(str(ok2, "req"), "r4");
  for (auto* ws : {a1.get(), a2.get(), b1.get(), b2.get()}) {
    auto u = ws->wait_for("message_updated", all_of({with_str("message_id", mid), with_int("version", 3)}), 5s);
    ASSERT_TRUE(u) << "no message_updated for delete; buffered: " << dump(ws->buffered());
    EXPECT_EQ(str(*u, "conversation_id"), conv) << dump(*u);
    EXPECT_EQ(num(*u, "seq"), seq) << dump(*u);
    ASSERT_TRUE(u->contains("deleted")) << dump(*u);
    EXPECT_EQ(u->at("deleted"), json::value(true)) << dump(*u);
    EXPECT_NE(str(*u, "content"), "fixed") << "delete update still carries the content: " << dump(*u);
  }
  hist = history_messages("alice", conv);
  ASSERT_EQ(hist.size(), 1u);
  EXPECT_EQ(hist[0].at("deleted"), json::value(true)) << dump(hist[0]);
  EXPECT_EQ(str(hist[0], "content"), "") << "deleted content not erased: " << dump(hist[0]);
  EXPECT_TRUE(hist[0].at("content").is_string()) << "content should be an empty string: " << dump(hist[0]);
  EXPECT_EQ(num(hist[0], "version"), 3) << dump(hist[0]);
  EXPECT_EQ(str(hist[0], "message_id"), mid);
  EXPECT_EQ(num(hist[0], "seq"), seq);
}

TEST_F(EditDeleteTest, OnlyTheSenderMayEditOrDelete) {
  std::string conv = create_group("alice", {"bob"});
  auto a = connect("alice");
  auto b = connect("bob");
  auto ack = send_message(*a, conv, "mine");
  std::string mid = str(ack, "message_id");
  expect_error(*b,
               {{"type", "edit"}, {"conversation_id", conv}, {"message_id", mid}, {"content", "hacked"}},
               "forbidden");
  expect_error(*b, {{"type", "delete"}, {"conversation_id", conv}, {"message_id", mid}}, "forbidden");
  // Nothing changed, nobody was told.
  auto next = send_message(*a, conv, "sentinel");
  auto frames = a->collect_until("message", with_str("client_msg_id", str(next, "client_msg_id")), 5s);
  ASSERT_TRUE(frames);
  EXPECT_TRUE(of_type(*frames, "message_updated").empty()) << dump(*frames);
  auto hist = history_messages("alice", conv);
  ASSERT_GE(hist.size(), 1u);
  EXPECT_EQ(str(hist[0], "content"), "mine");
  EXPECT_EQ(num(hist[0], "version"), 1);
  EXPECT_EQ(hist[0].at("deleted"), json::value(false));
  // The owner of the group is no exception.
  auto back = send_message(*b, conv, "bob's");
  expect_error(*a,
               {{"type", "edit"}, {"conversation_id", conv}, {"message_id", str(back, "message_id")},
                {"content", "owner edit"}},
               "forbidden");
  // A non-member gets not_member.
  auto m = connect("mallory");
  expect_error(*m,
               {{"type", "delete"}, {"conversation_id", conv}, {"message_id", mid}}, "not_member");
  expect_usable(*b, conv);
}

TEST_F(EditDeleteTest, UnknownMessageOrConversationIsNotFound) {
  std::string conv = create_group("alice", {"bob"});
  auto a = connect("alice");
  send_message(*a, conv, "x");
  expect_error(*a,
               {{"type", "edit"}, {"conversation_id", conv}, {"message_id", "m_nope"}, {"content", "y"}},
               "not_found");
  expect_error(*a, {{"type", "delete"}, {"conversation_id", conv}, {"message_id", "m_nope"}}, "not_found");
  expect_error(*a,
               {{"type", "edit"}, {"conversation_id", "c_nope"}, {"message_id", "m_nope"}, {"content", "y"}},
               "not_found");
  expect_usable(*a, conv);
}

TEST_F(EditDeleteTest, EditContentLimitApplies) {
  std::string conv = create_group("alice", {"bob"});
  auto a = connect("alice");
  auto ack = send_message(*a, conv, "short");
  expect_error(*a,
               {{"type", "edit"}, {"conversation_id", conv}, {"message_id", str(ack, "message_id")},
                {"content", std::string(16385, 'y')}},
               "too_large");
  expect_usable(*a, conv);
  EXPECT_EQ(str(history_messages("alice", conv)[0], "content"), "short");
}

}  // namespace
}  // namespace bb
