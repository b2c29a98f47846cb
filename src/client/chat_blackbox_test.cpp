// `parley chat` driven through pipes, against the real server, with a
// library client on the other side of the conversation.
#include "client/blackbox_fixture.h"

namespace parley::client {
namespace {

using testing::ChildProcess;
using testing::parley_binary;

class ChatBlackbox : public ClientBlackbox {
 protected:
  std::unique_ptr<ChildProcess> chat(const std::string& user) {
    return std::make_unique<ChildProcess>(
        io_,
        std::vector<std::string>{parley_binary(), "chat", "--server",
                                 "127.0.0.1:" + std::to_string(server_->port()), "--token",
                                 server_->token(user)},
        server_->dir() / ("chat-" + user + ".log"), /*pipe_stdin=*/true);
  }

  bool wait_line(ChildProcess& p, const std::string& text,
                 std::chrono::milliseconds timeout = 10s) {
    return run_until(
        io_, [&] { return p.find_line(text) >= 0; }, timeout);
  }

  static std::string dump(const ChildProcess& p) {
    std::string out;
    for (auto& l : p.lines()) out += "  | " + l + "\n";
    return out;
  }
};

TEST_F(ChatBlackbox, OpenSendAndSeeTheOtherSide) {
  std::string conv = create_group("alice", {"bob"});
  Client& bob = make_client("bob");
  bob.track(conv, 0);
  wait_live(bob);
  bob.send(conv, "before alice came");
  auto& rb = recorders_["bob"];
  ASSERT_TRUE(run_until(
      io_, [&] { return rb.acks.size() == 1; }, 10s));

  auto alice = chat("alice");
  alice->write_stdin("/open " + conv + "\n");
  // The history is shown on open.
  ASSERT_TRUE(wait_line(*alice, "bob: before alice came")) << dump(*alice);
  alice->write_stdin("hello from the terminal\n");
  ASSERT_TRUE(run_until(
      io_, [&] { return rb.in(conv).size() == 2; }, 10s))
      << dump(*alice);
  EXPECT_EQ(rb.in(conv)[1].content, "hello from the terminal");
  EXPECT_EQ(rb.in(conv)[1].sender_id, "alice");

  // Live lines: a read receipt, a message, typing.
  ASSERT_TRUE(wait_line(*alice, "* connected as alice")) << dump(*alice);
  bob.mark_read(conv, 2);
  ASSERT_TRUE(wait_line(*alice, "bob read up to #2"))
      << dump(*alice) << (rb.errors.empty() ? "" : rb.errors.back().error.message);
  bob.send(conv, "welcome");
  ASSERT_TRUE(wait_line(*alice, "#3 bob: welcome")) << dump(*alice);
  bob.typing(conv);
  ASSERT_TRUE(wait_line(*alice, "bob is typing")) << dump(*alice);

  // /list shows the conversation; end of input ends the chat cleanly.
  alice->write_stdin("/list\n");
  ASSERT_TRUE(wait_line(*alice, conv + "  group  team")) << dump(*alice);
  alice->close_stdin();
  ASSERT_TRUE(run_until(
      io_, [&] { return alice->eof(); }, 10s))
      << dump(*alice);
  EXPECT_EQ(alice->reap(), 0);
}

TEST_F(ChatBlackbox, LinesTypedBeforeTheConnectionAreSentOnceConnected) {
  Client& bob = make_client("bob");
  wait_live(bob);
  auto alice = chat("alice");
  alice->write_stdin("/new direct bob\nfirst\nsecond\n");
  alice->close_stdin();  // the chat waits for its sends to be stored before leaving
  ASSERT_TRUE(run_until(
      io_, [&] { return alice->eof(); }, 15s))
      << dump(*alice);
  EXPECT_EQ(alice->reap(), 0);
  auto& rb = recorders_["bob"];
  ASSERT_TRUE(run_until(
      io_, [&] { return rb.messages.size() == 2; }, 10s))
      << dump(*alice);
  EXPECT_EQ(contents(rb.messages), (std::vector<std::string>{"first", "second"}));
}

}  // namespace
}  // namespace parley::client
