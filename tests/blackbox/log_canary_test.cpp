// The server's logs of a whole run, at debug level in json format, hold no
// message content and no token (issue 8), and every log line is one JSON
// object with ts, level, component and msg. The run goes through the paths
// most tempted to log what they hold: sends, edits, deliveries, REST posts,
// refused tokens, malformed frames and bodies.
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support.h"

namespace bb {
namespace {

std::string random_canary(const std::string& prefix) {
  std::random_device rd;
  std::ostringstream os;
  os << prefix << std::hex << rd() << rd() << rd();
  return os.str();
}

// The part after the last '.': a token's signature, the part that matters most.
std::string signature_of(const std::string& token) { return token.substr(token.rfind('.') + 1); }

class LogCanaryTest : public BlackboxTest {
 protected:
  std::vector<std::string> server_args() override {
    return {"--log-level", "debug", "--log-format", "json"};
  }
};

TEST_F(LogCanaryTest, NoContentNoTokenAndEveryLineIsJson) {
  const std::string canary = random_canary("CANARYmsg");
  const std::string alice_token = token("alice");
  const std::string bob_token = token("bob");
  ASSERT_GT(signature_of(alice_token).size(), 20u);

  // A conversation and a message whose content is the canary, delivered live.
  auto alice = connect("alice");
  auto bob = connect("bob", TokenVia::query);  // the token in the URL: access-log bait
  auto carol = connect("carol", TokenVia::subprotocol);
  const std::string conv = create_group("alice", {"bob"});
  auto ack = send_message(*alice, conv, canary, "m-1");
  ASSERT_EQ(str(ack, "type"), "ack") << dump(ack);
  auto delivered = expect_message(*bob, conv, "m-1");
  ASSERT_EQ(str(delivered, "content"), canary);
  request(*alice, {{"type", "edit"},
                   {"conversation_id", conv},
                   {"message_id", str(ack, "message_id")},
                   {"content", canary + "-edited"}});

  // Malformed and refused frames that carry the canary.
  ASSERT_TRUE(alice->send_text("{\"type\":\"send\",\"content\":\"" + canary + "\""));  // cut short
  ASSERT_TRUE(alice->send_text(canary));
  ASSERT_TRUE(alice->send_text(R"({"type":")" + canary + R"("})"));
  expect_error(*alice,
               {{"type", "send"}, {"conversation_id", conv}, {"client_msg_id", "m-big"},
                {"content", canary + std::string(20 * 1024, 'x')}},
               "too_large");
  expect_error(*carol,
               {{"type", "send"}, {"conversation_id", conv}, {"client_msg_id", "m-2"},
                {"content", canary}},
               "not_member");
  ASSERT_TRUE(alice->send_binary("binary " + canary));
  ASSERT_TRUE(alice->ping_pong());  // the bad frames above were all read by now

  // REST: a post with the canary, a bad body with it, history that returns it.
  auto posted = http().post("/api/conversations/" + conv + "/messages", alice_token,
                            json::object{{"client_msg_id", "m-rest"}, {"content", canary + "-rest"}});
  EXPECT_TRUE(posted.status == 200 || posted.status == 201) << posted.status << " " << posted.body;
  auto bad_body = http().request("POST", "/api/conversations/" + conv + "/messages", alice_token,
                                 "{\"content\":\"" + canary + "\",");
  EXPECT_EQ(bad_body.status, 400);
  auto as_carol = http().post("/api/conversations/" + conv + "/messages", token("carol"),
                              json::object{{"client_msg_id", "m-c"}, {"content", canary}});
  EXPECT_GE(as_carol.status, 400);
  auto page = history_messages("alice", conv);
  ASSERT_FALSE(page.empty());
  EXPECT_EQ(str(page.front(), "content"), canary + "-edited");

  // Refused tokens: a forged signature, an expired token, garbage, on both doors.
  std::string forged = alice_token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  const std::string expired = craft_hs256("alice", -60, ServerProcess::kDefaultSecret);
  for (const auto& bad : {forged, expired, std::string("not-a-token-") + canary}) {
    auto rest = http().get("/api/conversations", bad);
    EXPECT_EQ(rest.status, 401) << rest.body;
    auto upgrade = http().raw_upgrade("/ws", {{"Authorization", "Bearer " + bad}});
    EXPECT_EQ(upgrade.status, 401) << upgrade.body;
    auto in_query = http().raw_upgrade("/ws?token=" + url_encode(bad));
    EXPECT_EQ(in_query.status, 401) << in_query.body;
  }

  alice->close();
  bob->close();
  carol->close();
  ASSERT_EQ(server().stop(), 0);

  // Everything the server printed, stdout and stderr.
  const std::string all = server().log_tail(1'000'000);
  std::vector<std::string> secrets{canary,    alice_token, signature_of(alice_token),
                                   bob_token, signature_of(bob_token), token("carol"),
                                   signature_of(token("carol")), signature_of(forged),
                                   signature_of(expired)};
  for (const auto& s : secrets) {
    EXPECT_EQ(all.find(s), std::string::npos) << "the server printed a secret: " << s;
  }

  std::istringstream in(all);
  int log_lines = 0, info_lines = 0;
  for (std::string line; std::getline(in, line);) {
    const std::string err_prefix = "[stderr] ", out_prefix = "[stdout] ";
    if (line.rfind(out_prefix, 0) == 0) {
      // stdout carries only the line tools wait for.
      EXPECT_EQ(line.rfind(out_prefix + "listening on ", 0), 0u) << line;
      continue;
    }
    ASSERT_EQ(line.rfind(err_prefix, 0), 0u) << line;
    const std::string text = line.substr(err_prefix.size());
    ++log_lines;
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    ASSERT_FALSE(ec) << "not JSON: " << text;
    ASSERT_TRUE(v.is_object()) << text;
    const auto& o = v.get_object();
    for (const char* key : {"ts", "level", "component", "msg"}) {
      EXPECT_TRUE(o.contains(key) && o.at(key).is_string()) << key << " missing: " << text;
    }
    if (str(o, "level") == "info") ++info_lines;
  }
  // The run did log (start-up mode, drain, stop), so the checks above saw something.
  EXPECT_GE(log_lines, 2);
  EXPECT_GE(info_lines, 2);
}

}  // namespace
}  // namespace bb
