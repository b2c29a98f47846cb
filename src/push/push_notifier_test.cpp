// From a message.created event to pushes: members minus the sender minus
// the online, ids only unless previews are on.
#include "push/push_notifier.h"

#include <gtest/gtest.h>

#include <set>

#include "presence/local/local_presence.h"
#include "push/memory/memory_device_registry.h"
#include "push/testing/recording_provider.h"
#include "store/forwarding_store.h"
#include "store/memory/memory_store.h"
#include "store/store_test_support.h"

namespace parley::push {
namespace {

using namespace std::chrono_literals;

class Notifier : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.create_conversation(
        store::test_support::new_group("c_team", "alice", {"bob", "carol", "dave"})));
    for (const char* user : {"alice", "bob", "carol", "dave"}) {
      Device d;
      d.id = std::string("dev_") + user;
      d.user_id = user;
      d.platform = Platform::unifiedpush;
      d.endpoint = std::string("https://push.example/") + user;
      ASSERT_TRUE(registry_.add(d));
    }
    presence_.set_online("bob", 1);
  }

  eventlog::Event created(std::string sender, std::int64_t seq, std::string content) {
    eventlog::Event e;
    e.id = "c_team/" + std::to_string(seq) + "/v1";
    e.type = eventlog::kMessageCreated;
    e.conversation_id = "c_team";
    e.seq = seq;
    e.body = R"({"conversation_id":"c_team","seq":)" + std::to_string(seq) +
             R"(,"message_id":"m_)" + std::to_string(seq) + R"(","sender_id":")" + sender +
             R"(","content":")" + content + R"(","kind":"text"})";
    return e;
  }

  std::set<std::string> recipients() {
    std::set<std::string> out;
    for (auto& c : provider_.calls()) out.insert(c.message.user_id);
    return out;
  }

  store::MemoryStore store_;
  presence::LocalPresence presence_;
  MemoryDeviceRegistry registry_;
  testing::RecordingProvider provider_;
  PushDispatcher dispatcher_{
      registry_, {nullptr, &provider_, nullptr, nullptr}, {1, 100, 0ms, 1, 10ms}};
};

TEST_F(Notifier, OfflineMembersButNotTheSenderGetAPush) {
  PushNotifier n(store_, presence_, dispatcher_, {});
  ASSERT_TRUE(n.handle(created("alice", 1, "secret plans")));
  ASSERT_TRUE(dispatcher_.wait_idle(5s));
  EXPECT_EQ(recipients(), (std::set<std::string>{"carol", "dave"}));
  for (auto& c : provider_.calls()) {
    EXPECT_EQ(c.message.sender_id, "alice");
    EXPECT_EQ(c.message.seq, 1);
    EXPECT_EQ(c.message.message_id, "m_1");
    EXPECT_TRUE(c.message.preview.empty()) << "no content by default";
    EXPECT_EQ(payload_json(c.message).find("secret"), std::string::npos);
  }
}

TEST_F(Notifier, PreviewWhenConfigured) {
  PushNotifier n(store_, presence_, dispatcher_, {true, 6});
  ASSERT_TRUE(n.handle(created("alice", 1, "secret plans")));
  ASSERT_TRUE(dispatcher_.wait_idle(5s));
  ASSERT_FALSE(provider_.calls().empty());
  EXPECT_EQ(provider_.calls()[0].message.preview, "secret\xe2\x80\xa6");
}

TEST_F(Notifier, OtherEventsAndUnknownConversationsAreAcknowledgedQuietly) {
  PushNotifier n(store_, presence_, dispatcher_, {});
  auto edited = created("alice", 1, "x");
  edited.type = eventlog::kMessageEdited;
  EXPECT_TRUE(n.handle(edited));
  auto lost = created("alice", 1, "x");
  lost.conversation_id = "c_gone";
  EXPECT_TRUE(n.handle(lost));
  auto garbled = created("alice", 1, "x");
  garbled.body = "{not json";
  EXPECT_TRUE(n.handle(garbled));
  ASSERT_TRUE(dispatcher_.wait_idle(5s));
  EXPECT_TRUE(provider_.calls().empty());
}

// Counts member queries, and fails them on demand.
class CountingStore : public store::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Result<std::vector<std::string>> member_ids(std::string_view conversation_id) override {
    ++lookups;
    if (fail) return make_error(Errc::unavailable, "refused by the test");
    return ForwardingStore::member_ids(conversation_id);
  }
  Result<MembersByConversation> members_of(std::span<const std::string> ids) override {
    ++lookups;
    if (fail) return make_error(Errc::unavailable, "refused by the test");
    return ForwardingStore::members_of(ids);
  }
  int lookups = 0;
  bool fail = false;
};

TEST_F(Notifier, ABatchAsksForMembersOnceAndHandsOnOnlyAtTheFlush) {
  ASSERT_TRUE(
      store_.create_conversation(store::test_support::new_group("c_pair", "carol", {"dave"})));
  CountingStore counting(store_);
  PushNotifier n(counting, presence_, dispatcher_, {});
  ASSERT_TRUE(n.stage(created("alice", 1, "one")));
  ASSERT_TRUE(n.stage(created("carol", 2, "two")));
  auto in_pair = created("carol", 1, "three");
  in_pair.conversation_id = "c_pair";
  ASSERT_TRUE(n.stage(in_pair));
  ASSERT_TRUE(dispatcher_.wait_idle(5s));
  EXPECT_TRUE(provider_.calls().empty()) << "nothing is handed on before the flush";
  EXPECT_EQ(counting.lookups, 0);

  ASSERT_TRUE(n.flush());
  ASSERT_TRUE(dispatcher_.wait_idle(5s));
  EXPECT_EQ(counting.lookups, 1) << "one member query for the batch's two conversations";
  // Who heard of which conversation: the dispatcher may collapse dave's two
  // c_team pushes into one (the latest wins).
  std::set<std::string> got;
  for (auto& c : provider_.calls()) {
    got.insert(c.message.user_id + " " + c.message.conversation_id);
    if (c.message.user_id == "carol") {
      EXPECT_EQ(c.message.seq, 1) << "not her own message 2";
    }
    if (c.message.user_id == "alice") {
      EXPECT_EQ(c.message.seq, 2) << "not her own message 1";
    }
  }
  // bob is online; each sender is left out of their own message.
  EXPECT_EQ(got,
            (std::set<std::string>{"alice c_team", "carol c_team", "dave c_team", "dave c_pair"}));
}

TEST_F(Notifier, AStoreFailureFailsTheFlushAndHandsNothingOn) {
  CountingStore counting(store_);
  counting.fail = true;
  PushNotifier n(counting, presence_, dispatcher_, {});
  ASSERT_TRUE(n.stage(created("alice", 1, "one")));
  EXPECT_FALSE(n.flush()) << "the consumer must deliver the batch again";
  counting.fail = false;
  EXPECT_TRUE(n.flush()) << "the failed batch is the consumer's to deliver again, not kept";
  ASSERT_TRUE(dispatcher_.wait_idle(5s));
  EXPECT_TRUE(provider_.calls().empty());
}

TEST(PreviewOf, CutsAtCharactersNotBytes) {
  EXPECT_EQ(preview_of("hello", 10), "hello");
  EXPECT_EQ(preview_of("hello", 5), "hello");
  EXPECT_EQ(preview_of("hello world", 5), "hello\xe2\x80\xa6");
  EXPECT_EQ(preview_of("\xc3\xa9\xc3\xa9\xc3\xa9", 2), "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
}

}  // namespace
}  // namespace parley::push
