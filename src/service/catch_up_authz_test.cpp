// Cluster mode's catch-up (cluster_ops.cpp) replays from the store what live
// fan-out may have missed, for every conversation a device holds a position
// in. A member removed between its device's sync and that catch-up must not
// be sent what the conversation got after the removal.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "auth/hs256.h"
#include "bus/local/local_bus.h"
#include "common/ids.h"
#include "presence/local/local_presence.h"
#include "service/chat_service.h"
#include "service/service_test_support.h"
#include "store/memory/memory_store.h"
#include "store/store_test_support.h"

namespace parley::service {
namespace {

namespace json = boost::json;

using Device = test_support::RecordingDevice;

TEST(CatchUpAuthzTest, ARemovedMemberIsNotCaughtUpOnTheConversation) {
  boost::asio::io_context ioc;
  store::MemoryStore store;
  bus::LocalBus bus;
  presence::LocalPresence presence;
  GroupCommitter committer(store, ioc.get_executor(), {});
  auth::Hs256Verifier verifier("test-secret");
  ServiceOptions options;
  options.cluster = true;
  ChatService service(ioc.get_executor(), {store, bus, presence, committer, verifier}, options);
  auto run_until = [&](auto pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
      ioc.restart();
      ioc.run_for(std::chrono::milliseconds(2));
    }
    return pred();
  };

  auto group = [&](const std::string& name) {
    auto c = test_support::answer_of<ChatService::Created>(ioc, [&](auto reply) {
      service.create_conversation("alice", "group", name, {"bob"}, std::move(reply));
    });
    EXPECT_TRUE(c.ok());
    return c ? c->conversation.id : std::string();
  };
  const std::string secret = group("g");
  const std::string other = group("h");
  auto alice = std::make_shared<Device>("alice");
  auto bob = std::make_shared<Device>("bob");
  service.on_connect(alice);
  service.on_connect(bob);  // schedules the device's catch-up
  service.on_frame(bob, {"s1", protocol::SyncFrame{{{secret, 0}, {other, 0}}}});

  ASSERT_TRUE(test_support::answer_of<Unit>(ioc, [&](auto reply) {
                service.remove_member("alice", secret, "bob", std::move(reply));
              }).ok());
  protocol::SendFrame after;
  after.conversation_id = secret;
  after.client_msg_id = "after-removal";
  after.content = "not for bob";
  service.on_frame(alice, {"r1", std::move(after)});
  ASSERT_TRUE(run_until([&] { return !alice->messages(secret).empty(); }));

  // A message of `other` that live fan-out missed (committed, never
  // published): when bob has it, the catch-up has run.
  const store::WriteOp missed = store::test_support::text(other, "alice", "missed");
  ASSERT_TRUE(store.apply(std::span(&missed, 1))[0].ok());
  ASSERT_TRUE(run_until([&] { return !bob->messages(other).empty(); }))
      << "the catch-up did not run";
  EXPECT_TRUE(bob->messages(secret).empty())
      << "a removed member was caught up: " << json::serialize(bob->messages(secret)[0]);
  service.cancel_timers();
}

}  // namespace
}  // namespace parley::service
