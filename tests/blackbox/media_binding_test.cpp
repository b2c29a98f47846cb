// Media is readable by members through a message only once that message is
// committed, and no longer once it is deleted.
#include "media/media_test_support.h"
#include "support.h"

namespace bb {
namespace {

using parley::media::test_support::png;  // a PNG header the server can sniff

class MediaBindingTest : public BlackboxTest {
 protected:
  std::string upload(const std::string& user, const std::string& bytes) {
    auto r = http().request("POST", "/api/media?name=x.png", token(user), bytes,
                            {{"Content-Type", "image/png"}});
    require(r.status == 201, "upload: " + std::to_string(r.status) + " " + r.body);
    return str(obj(*r.json), "media_id");
  }
  int download(const std::string& user, const std::string& id) {
    return http().get("/api/media/" + id, token(user)).status;
  }
  json::object send_image(WsClient& ws, const std::string& conv, const std::string& media_id,
                          const std::optional<std::string>& client_msg_id = std::nullopt) {
    return send_message(ws, conv, "look", client_msg_id,
                        {{"kind", "image"}, {"media", {{"media_id", media_id}}}});
  }
  void remove(WsClient& ws, const std::string& conv, const std::string& message_id) {
    auto r =
        request(ws, {{"type", "delete"}, {"conversation_id", conv}, {"message_id", message_id}});
    require(str(r, "type") == "ok", "delete: " + dump(r));
  }
};

TEST_F(MediaBindingTest, DeletingTheMessageTakesAwayTheMembersAccess) {
  const std::string conv = create_group("alice", {"bob"});
  const std::string id = upload("alice", png(3, 3));
  auto a = connect("alice");
  auto ack = send_image(*a, conv, id);
  ASSERT_EQ(download("bob", id), 200);
  remove(*a, conv, str(ack, "message_id"));
  EXPECT_EQ(download("bob", id), 404) << "the only message carrying it is deleted";
  EXPECT_EQ(download("alice", id), 200) << "the uploader keeps access";
}

TEST_F(MediaBindingTest, AccessStaysWhileAnotherMessageStillCarriesIt) {
  const std::string team = create_group("alice", {"bob", "carol"});
  const std::string pair = create_group("alice", {"carol"}, "pair");
  const std::string id = upload("alice", png(3, 3));
  auto a = connect("alice");
  auto first = send_image(*a, team, id);
  auto second = send_image(*a, team, id);
  send_image(*a, pair, id);
  remove(*a, team, str(first, "message_id"));
  EXPECT_EQ(download("bob", id), 200) << "the second message in the team still carries it";
  remove(*a, team, str(second, "message_id"));
  EXPECT_EQ(download("bob", id), 404);
  EXPECT_EQ(download("carol", id), 200) << "the message in the other conversation still does";
}

TEST_F(MediaBindingTest, ARepeatedSendThatStoresNothingBindsNothing) {
  // A resend with the same client_msg_id is answered with the original
  // message: the media it names now was never committed with a message.
  const std::string conv = create_group("alice", {"bob"});
  const std::string sent = upload("alice", png(3, 3));
  const std::string other = upload("alice", png(5, 5));
  auto a = connect("alice");
  auto ack = send_image(*a, conv, sent, std::string("same-id"));
  auto again = send_image(*a, conv, other, std::string("same-id"));
  EXPECT_EQ(str(again, "message_id"), str(ack, "message_id")) << "stored once";
  EXPECT_EQ(download("bob", sent), 200);
  EXPECT_EQ(download("bob", other), 404) << "no committed message carries it";
}

}  // namespace
}  // namespace bb
