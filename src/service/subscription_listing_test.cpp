// Cluster mode lists a user's conversations when their first device
// connects, to subscribe their channels, and reads their contacts to tell
// them about the user's presence. Those are store reads (PostgreSQL in a
// cluster): they run off the event loop, and what depends on its answer
// (the subscriptions, the device's catch-up) waits for it, while a
// membership change or a departure meanwhile is not undone by a stale answer.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include "auth/hs256.h"
#include "common/ids.h"
#include "presence/local/local_presence.h"
#include "service/chat_service.h"
#include "service/service_test_support.h"
#include "store/forwarding_store.h"
#include "store/memory/memory_store.h"
#include "store/store_test_support.h"

namespace parley::service {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// Hands an envelope to the service only while its channel is subscribed, as
// Redis does, and counts the subscriptions per channel.
class SubscribingBus final : public bus::Bus {
 public:
  void set_handler(Handler h) override { handler_ = std::move(h); }
  void publish(bus::Envelope e) override {
    if (handler_ && refs.contains(e.target)) handler_(e);
  }
  void subscribe(bus::Envelope::Scope, const std::string& target) override { ++refs[target]; }
  void unsubscribe(bus::Envelope::Scope, const std::string& target) override {
    if (--refs[target] == 0) refs.erase(target);
  }
  int subscriptions(const std::string& target) const {
    auto it = refs.find(target);
    return it == refs.end() ? 0 : it->second;
  }
  std::map<std::string, int> refs;

 private:
  Handler handler_;
};

// Reads listings and contact lists at once but answers only once the test
// opens the gate; records which thread asked for what.
class GatedReads final : public store::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Result<std::vector<store::ConversationSummary>> list_conversations(
      std::string_view user, int limit, const std::optional<store::ListCursor>& after) override {
    return gated("list_conversations", ForwardingStore::list_conversations(user, limit, after));
  }
  Result<std::vector<std::string>> contacts(std::string_view user) override {
    return gated("contacts", ForwardingStore::contacts(user));
  }
  // Message pages (a sync's, a catch-up's) are read when asked for and, after
  // hold_pages(), answered only once released: a read that saw the store
  // before a later commit, and answers after it.
  Result<store::MessagePage> messages(std::string_view conversation, std::int64_t before_seq,
                                      std::int64_t after_seq, int limit) override {
    auto page = ForwardingStore::messages(conversation, before_seq, after_seq, limit);
    std::unique_lock lock(mu_);
    callers_["messages"].push_back(std::this_thread::get_id());
    cv_.notify_all();
    cv_.wait_for(lock, 5s, [&] { return !pages_held_; });
    return page;
  }
  // Members, likewise, after hold_members().
  Result<std::vector<std::string>> member_ids(std::string_view conversation) override {
    auto ids = failing_members_ ? make_error(Errc::unavailable, "database down")
                                : ForwardingStore::member_ids(conversation);
    std::unique_lock lock(mu_);
    callers_["member_ids"].push_back(std::this_thread::get_id());
    cv_.notify_all();
    cv_.wait_for(lock, 5s, [&] { return !members_held_; });
    return ids;
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    pages_held_ = false;
    members_held_ = false;
    cv_.notify_all();
  }
  void hold_pages() {
    std::lock_guard lock(mu_);
    pages_held_ = true;
  }
  // Listings and contact lists answer; held pages and members stay held.
  void open_listings() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void release_pages() {
    std::lock_guard lock(mu_);
    pages_held_ = false;
    cv_.notify_all();
  }
  void hold_members() {
    std::lock_guard lock(mu_);
    members_held_ = true;
  }
  std::atomic<bool> failing_members_{false};
  bool await_calls(const std::string& what, std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 5s, [&] { return callers_[what].size() >= n; });
  }
  std::vector<std::thread::id> callers(const std::string& what) {
    std::lock_guard lock(mu_);
    return callers_[what];
  }

 private:
  template <class T>
  T gated(const std::string& what, T answer) {
    std::unique_lock lock(mu_);
    callers_[what].push_back(std::this_thread::get_id());
    cv_.notify_all();
    cv_.wait_for(lock, 5s, [&] { return open_; });  // a bound, so a failing test ends
    return answer;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  bool pages_held_ = false;
  bool members_held_ = false;
  std::map<std::string, std::vector<std::thread::id>> callers_;
};

using Device = test_support::RecordingDevice;

class SubscriptionListingTest : public ::testing::Test {
 protected:
  SubscriptionListingTest()
      : store_(memory_),
        committer_(store_, ioc_.get_executor(), {}),
        verifier_("test-secret"),
        service_(ioc_.get_executor(), {store_, bus_, presence_, committer_, verifier_},
                 options()) {}
  ~SubscriptionListingTest() override {
    store_.open();  // lets a read still held return, so the service can join it
    service_.cancel_timers();
  }

  static ServiceOptions options() {
    ServiceOptions o;
    o.cluster = true;
    return o;
  }

  std::string group(const std::string& owner, std::vector<std::string> members) {
    auto c = test_support::answer_of<ChatService::Created>(ioc_, [&](auto reply) {
      service_.create_conversation(owner, "group", "g", std::move(members), std::move(reply));
    });
    EXPECT_TRUE(c.ok());
    return c ? c->conversation.id : std::string();
  }

  // Everyone online elsewhere already: connects announce no presence, whose
  // fan-out would read (and cache) members at a moment of its own.
  void quiet_presence() {
    for (const char* u : {"alice", "bob", "carol", "dan"}) presence_.set_online(u, 1);
  }

  // Committed by alice, never published: only a catch-up or a sync brings it.
  void commit_unpublished(const std::string& conv, const std::string& content) {
    const store::WriteOp op = store::test_support::text(conv, "alice", "c-" + content, content);
    ASSERT_TRUE(memory_.apply(std::span(&op, 1))[0].ok());
  }
  // Once the store answers everything: `device` is brought exactly one
  // message of conv, `content`.
  void expect_caught_up_with_only(const Device& device, const std::string& conv,
                                  const std::string& content) {
    store_.open();
    ASSERT_TRUE(run_until([&] { return device.messages(conv).size() >= 1; }));
    run_until([&] { return device.messages(conv).size() > 1; }, 100ms);  // another would show
    ASSERT_EQ(device.messages(conv).size(), 1u);
    EXPECT_EQ(std::string(device.messages(conv)[0].at("content").as_string()), content);
  }

  std::shared_ptr<Device> connect(const std::string& user) {
    auto d = std::make_shared<Device>(user);
    service_.on_connect(d);
    return d;
  }

  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds within = 3s) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
      ioc_.restart();
      ioc_.run_for(2ms);
    }
    return pred();
  }

  boost::asio::io_context ioc_;
  store::MemoryStore memory_;
  GatedReads store_;
  SubscribingBus bus_;
  presence::LocalPresence presence_;
  GroupCommitter committer_;
  auth::Hs256Verifier verifier_;
  ChatService service_;
};

TEST_F(SubscriptionListingTest, ConnectingDoesNotWaitForTheStore) {
  const std::string conv = group("alice", {"bob"});
  auto bob = connect("bob");
  EXPECT_EQ(bob->count("hello"), 1u);
  ASSERT_TRUE(store_.await_calls("list_conversations", 1));
  EXPECT_NE(store_.callers("list_conversations")[0], std::this_thread::get_id())
      << "the listing ran on the event loop's thread";
  EXPECT_EQ(bus_.subscriptions(conv), 0) << "subscribed before the listing answered";

  store_.open();
  EXPECT_TRUE(run_until([&] { return bus_.subscriptions(conv) == 1; }));
}

// The catch-up compares the device with the store once its channels are
// subscribed; run before, it could not close the window it is for. (The
// sync is answered meanwhile: its read has a lane of its own.)
TEST_F(SubscriptionListingTest, TheDevicesCatchUpWaitsForTheSubscription) {
  const std::string conv = group("alice", {"bob"});
  auto bob = connect("bob");
  service_.on_frame(bob, {"s1", protocol::SyncFrame{{{conv, 0}}}});
  ASSERT_TRUE(run_until([&] { return bob->count("synced") == 1; }));
  // Committed, never published: only a catch-up brings it to bob.
  const store::WriteOp missed = store::test_support::text(conv, "alice", "missed");
  ASSERT_TRUE(memory_.apply(std::span(&missed, 1))[0].ok());

  // Past the catch-up's first delay (500 ms), with the listing held: a
  // window in which nothing may happen, so there is no event to await.
  run_until([] { return false; }, 800ms);
  EXPECT_EQ(bob->count("message"), 0u) << "caught up before the channels were subscribed";

  store_.open();
  EXPECT_TRUE(run_until([&] { return bob->count("message") == 1; }));
  EXPECT_EQ(bus_.subscriptions(conv), 1);
}

// A sync that names no conversation reads nothing, so it is not queued
// behind the store reads in flight (a new device on a frozen database).
TEST_F(SubscriptionListingTest, AnEmptySyncIsAnsweredWhileTheStoreIsHeld) {
  group("alice", {"bob"});
  auto bob = connect("bob");
  ASSERT_TRUE(store_.await_calls("list_conversations", 1));  // held
  service_.on_frame(bob, {"s1", protocol::SyncFrame{}});
  EXPECT_TRUE(run_until([&] { return bob->count("synced") == 1; }));
}

// A sync's replay and a catch-up read the store off the loop too: a
// reconnect storm is a sync and two catch-ups per device.
TEST_F(SubscriptionListingTest, SyncAndCatchUpReadTheStoreOffTheLoop) {
  const std::string conv = group("alice", {"bob"});
  store_.open();
  auto bob = connect("bob");
  service_.on_frame(bob, {"s1", protocol::SyncFrame{{{conv, 0}}}});
  ASSERT_TRUE(run_until([&] { return bob->count("synced") == 1; }));
  // Committed, never published: only the catch-up brings it to bob.
  const store::WriteOp missed = store::test_support::text(conv, "alice", "missed");
  ASSERT_TRUE(memory_.apply(std::span(&missed, 1))[0].ok());
  EXPECT_TRUE(run_until([&] { return bob->count("message") == 1; }));

  const auto reads = store_.callers("messages");
  EXPECT_GE(reads.size(), 2u);  // the sync's, then the catch-up's
  for (auto id : reads)
    EXPECT_NE(id, std::this_thread::get_id()) << "a page was read on the event loop's thread";
}

// While a sync's read runs, a live message of that conversation waits: it
// goes out after the replay and `synced`, so none overtakes the replay, and
// once (docs/protocol.md, sync).
TEST_F(SubscriptionListingTest, ALiveMessageDuringASyncReadWaitsForTheReplay) {
  const std::string conv = group("alice", {"bob"});
  store_.open();
  auto alice = connect("alice");
  auto bob = connect("bob");
  ASSERT_TRUE(run_until([&] { return bus_.subscriptions(conv) >= 1; }));
  for (const char* text : {"one", "two"}) {
    const store::WriteOp old = store::test_support::text(conv, "alice", text, text);
    ASSERT_TRUE(memory_.apply(std::span(&old, 1))[0].ok());
  }
  store_.hold_pages();
  const auto asked = store_.callers("messages").size();
  service_.on_frame(bob, {"s1", protocol::SyncFrame{{{conv, 0}}}});
  // The page read starts once the sync's membership check has its answer,
  // which may need a read of the members (answered on the loop) first.
  ASSERT_TRUE(run_until([&] { return store_.callers("messages").size() > asked; }));
  protocol::SendFrame three;
  three.conversation_id = conv;
  three.client_msg_id = "c3";
  three.content = "three";
  service_.on_frame(alice, {"r1", std::move(three)});
  ASSERT_TRUE(run_until([&] { return alice->count("ack") == 1; }));
  EXPECT_EQ(bob->count("message"), 0u) << "a live message went out while the sync was read";

  store_.open();
  ASSERT_TRUE(run_until([&] { return bob->messages(conv).size() >= 3; }));
  run_until([&] { return bob->messages(conv).size() > 3; }, 100ms);  // a duplicate would show
  std::vector<std::string> order;
  for (const auto& f : bob->frames) {
    const auto type = std::string(f.at("type").as_string());
    if (type == "message") order.push_back(std::string(f.at("content").as_string()));
    if (type == "synced") order.push_back("synced");
  }
  EXPECT_EQ(order, (std::vector<std::string>{"one", "two", "synced", "three"}));
}

// Presence goes to the user's contacts: another store read, off the loop too.
// Cluster mode announces presence on the user's conversations' channels:
// their list is read off the loop, as the connect's listing is, and a
// contact who shares two of them hears the change once.
TEST_F(SubscriptionListingTest, PresenceIsAnnouncedWithoutReadingTheStoreOnTheLoop) {
  const std::string conv = group("alice", {"bob"});
  const std::string other = group("alice", {"bob"});
  store_.open();
  auto alice = connect("alice");
  ASSERT_TRUE(run_until(
      [&] { return bus_.subscriptions(conv) == 1 && bus_.subscriptions(other) == 1; }));
  const std::size_t listings = store_.callers("list_conversations").size();
  auto bob = connect("bob");
  ASSERT_TRUE(run_until([&] { return alice->count("presence") >= 1; }));
  ioc_.poll();  // the bus delivers at once: both copies came in one handler
  EXPECT_EQ(alice->count("presence"), 1u) << "heard once per shared conversation";
  // bob's listing at connect, and his conversations for the announcement.
  EXPECT_EQ(store_.callers("list_conversations").size(), listings + 2);
  EXPECT_TRUE(store_.callers("contacts").empty()) << "one PUBLISH per contact again";
  for (auto id : store_.callers("list_conversations"))
    EXPECT_NE(id, std::this_thread::get_id()) << "the store was read on the event loop's thread";
}

// Cluster mode reads the members of a conversation it has not cached off
// the loop: a send, and a message from another gateway, wait for them (in
// order), and the loop answers other frames meanwhile.
TEST_F(SubscriptionListingTest, MembersNotCachedAreReadOffTheLoopWhileFramesWait) {
  quiet_presence();
  const std::string conv = group("alice", {"bob"});
  store_.open();
  auto alice = connect("alice");
  auto bob = connect("bob");
  ASSERT_TRUE(run_until([&] { return bus_.subscriptions(conv) >= 1; }));
  // A membership change empties the cache's entry (presence had filled it).
  ASSERT_TRUE(test_support::answer_of<store::Conversation>(ioc_, [&](auto reply) {
                service_.add_member("alice", conv, "carol", std::move(reply));
              }).ok());
  store_.hold_members();
  const auto asked = store_.callers("member_ids").size();
  for (const char* text : {"one", "two"}) {
    protocol::SendFrame f;
    f.conversation_id = conv;
    f.client_msg_id = text;
    f.content = text;
    service_.on_frame(alice, {text, std::move(f)});
  }
  ASSERT_TRUE(store_.await_calls("member_ids", asked + 1));
  service_.on_frame(bob, {"p1", protocol::PingFrame{}});
  EXPECT_EQ(bob->count("pong"), 1u);
  run_until([] { return false; }, 50ms);  // nothing may happen: no event to await
  EXPECT_EQ(alice->count("ack"), 0u) << "a send did not wait for its membership check";
  EXPECT_EQ(store_.callers("member_ids").size(), asked + 1) << "one read for both sends";

  store_.open();
  ASSERT_TRUE(run_until([&] { return bob->messages(conv).size() == 2; }));
  std::vector<std::string> order;
  for (const auto& f : bob->frames)
    if (f.at("type") == "message") order.push_back(std::string(f.at("content").as_string()));
  EXPECT_EQ(order, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(alice->count("ack"), 2u);
  for (auto id : store_.callers("member_ids"))
    EXPECT_NE(id, std::this_thread::get_id()) << "members were read on the event loop's thread";
}

// A message committed after carol joins, before her gateway has read the
// members and subscribed, reaches her through the catch-up: it starts from
// the last seq before the join, which the join's announcement carries (a
// read of the last seq when her gateway subscribes would skip it).
TEST_F(SubscriptionListingTest, AMessageCommittedBetweenAJoinAndTheSubscriptionIsCaughtUp) {
  quiet_presence();
  const std::string conv = group("alice", {"bob"});
  store_.open();
  commit_unpublished(conv, "before");
  auto carol = connect("carol");
  ASSERT_TRUE(run_until([&] { return bus_.subscriptions("carol") == 1; }));
  store_.hold_members();
  ASSERT_TRUE(test_support::answer_of<store::Conversation>(ioc_, [&](auto reply) {
                service_.add_member("alice", conv, "carol", std::move(reply));
              }).ok());
  ASSERT_TRUE(store_.await_calls("member_ids", 1));  // carol's gateway reads the members
  commit_unpublished(conv, "after");
  expect_caught_up_with_only(*carol, conv, "after");
  EXPECT_EQ(bus_.subscriptions(conv), 1);
}

// The same, while carol's listing is in flight: the listing is read again
// (it may predate the join) and subscribes the conversation before her
// gateway has read the members. The join's catch-up must not be skipped
// for that.
TEST_F(SubscriptionListingTest, AJoinDuringTheListingIsCaughtUpToo) {
  quiet_presence();
  const std::string conv = group("alice", {"bob"});
  commit_unpublished(conv, "before");
  auto carol = connect("carol");
  ASSERT_TRUE(store_.await_calls("list_conversations", 1));  // held
  store_.hold_members();
  ASSERT_TRUE(test_support::answer_of<store::Conversation>(ioc_, [&](auto reply) {
                service_.add_member("alice", conv, "carol", std::move(reply));
              }).ok());
  store_.open_listings();
  ASSERT_TRUE(run_until([&] { return bus_.subscriptions(conv) == 1; }))
      << "the listing read again did not subscribe the conversation";
  commit_unpublished(conv, "after");
  expect_caught_up_with_only(*carol, conv, "after");
}

// A membership change while a sync's pages are read drops the cached
// members; the sync's re-check reads them again off the loop, and the sync
// is answered once they are in.
TEST_F(SubscriptionListingTest, ASyncsRecheckAfterAMembershipChangeReadsOffTheLoop) {
  quiet_presence();
  const std::string conv = group("alice", {"bob", "dan"});
  store_.open();
  auto bob = connect("bob");
  ASSERT_TRUE(run_until([&] { return bus_.subscriptions(conv) >= 1; }));
  store_.hold_pages();
  const auto pages = store_.callers("messages").size();
  service_.on_frame(bob, {"s1", protocol::SyncFrame{{{conv, 0}}}});
  // Held (after the sync's membership check, which may read first).
  ASSERT_TRUE(run_until([&] { return store_.callers("messages").size() > pages; }));
  ASSERT_TRUE(test_support::answer_of<Unit>(ioc_, [&](auto reply) {
                service_.remove_member("alice", conv, "dan", std::move(reply));
              }).ok());
  store_.hold_members();
  const auto asked = store_.callers("member_ids").size();
  store_.release_pages();
  ASSERT_TRUE(run_until([&] { return store_.callers("member_ids").size() > asked; }));
  run_until([] { return false; }, 50ms);  // nothing may happen: no event to await
  EXPECT_EQ(bob->count("synced"), 0u) << "answered before its members were read again";

  store_.open();
  ASSERT_TRUE(run_until([&] { return bob->count("synced") == 1; }));
  const auto synced = *bob->last("synced");
  EXPECT_TRUE(synced.at("not_member").as_array().empty());
  for (auto id : store_.callers("member_ids"))
    EXPECT_NE(id, std::this_thread::get_id()) << "members were read on the event loop's thread";
}

// A sync whose members cannot be read is answered with that error, not
// with `not_member`, which would have the device drop the conversation.
TEST_F(SubscriptionListingTest, ASyncWhoseMembersCannotBeReadIsAnError) {
  quiet_presence();
  const std::string conv = group("alice", {"bob"});
  store_.open();
  auto bob = connect("bob");
  ASSERT_TRUE(run_until([&] { return bus_.subscriptions(conv) >= 1; }));
  ASSERT_TRUE(test_support::answer_of<store::Conversation>(ioc_, [&](auto reply) {
                service_.add_member("alice", conv, "carol", std::move(reply));
              }).ok());
  store_.failing_members_ = true;
  service_.on_frame(bob, {"s1", protocol::SyncFrame{{{conv, 0}}}});
  ASSERT_TRUE(run_until([&] { return bob->count("error") == 1; }));
  EXPECT_EQ(bob->of_type("error")[0].at("code"), "unavailable");
  EXPECT_EQ(bob->count("synced"), 0u);

  store_.failing_members_ = false;
  service_.on_frame(bob, {"s2", protocol::SyncFrame{{{conv, 0}}}});
  EXPECT_TRUE(run_until([&] { return bob->count("synced") == 1; }));
}

// bob is removed from one of his conversations while the listing, read
// before the removal, is held: its answer is dropped and the listing read
// again, so the removed conversation stays unsubscribed.
TEST_F(SubscriptionListingTest, AMembershipChangeDuringTheListingIsNotUndone) {
  const std::string removed = group("alice", {"bob"});
  const std::string kept = group("alice", {"bob"});
  // Online elsewhere already: his connect announces no presence, whose read
  // of his conversations the count of listings below would include.
  presence_.set_online("bob", 1);
  auto bob = connect("bob");
  ASSERT_TRUE(store_.await_calls("list_conversations", 1));  // read, with `removed` in it
  ASSERT_TRUE(test_support::answer_of<Unit>(ioc_, [&](auto reply) {
                service_.remove_member("alice", removed, "bob", std::move(reply));
              }).ok());

  store_.open();
  ASSERT_TRUE(run_until([&] { return bus_.subscriptions(kept) == 1; }));
  EXPECT_EQ(bus_.subscriptions(removed), 0);
  EXPECT_EQ(store_.callers("list_conversations").size(), 2u) << "bob's listing was read again";
}

// bob leaves while his listing is held: its answer subscribes nothing.
TEST_F(SubscriptionListingTest, AnAnswerForAUserWhoLeftIsDropped) {
  const std::string bobs = group("bob", {"dan"});
  const std::string carols = group("carol", {"dan"});
  auto bob = connect("bob");
  ASSERT_TRUE(store_.await_calls("list_conversations", 1));
  service_.on_disconnect(bob);
  store_.open();
  // One reader thread, in order: once carol's answer is in, bob's was too.
  auto carol = connect("carol");
  ASSERT_TRUE(run_until([&] { return bus_.subscriptions(carols) == 1; }));
  EXPECT_EQ(bus_.subscriptions(bobs), 0);
  EXPECT_EQ(bus_.subscriptions("bob"), 0) << "bob's user channel outlived him";
}

// Shutdown: join_lanes() returns only once the work running off the loop
// has finished, so what that work uses (a search index) may go next. The
// work here is still blocked when join_lanes() is called.
TEST_F(SubscriptionListingTest, JoinLanesWaitsForTheWorkInFlight) {
  std::atomic<bool> started{false}, release{false}, finished{false};
  service_.run_request<int>(
      [&]() -> Result<int> {
        started = true;
        while (!release) std::this_thread::yield();
        finished = true;
        return 1;
      },
      [](Result<int>) {});
  while (!started) std::this_thread::yield();
  std::thread releaser([&] {
    std::this_thread::sleep_for(50ms);  // join_lanes() is waiting by then, or wrongly returned
    release = true;
  });
  service_.join_lanes();
  EXPECT_TRUE(finished) << "join_lanes() returned while the work still ran";
  releaser.join();
}

}  // namespace
}  // namespace parley::service
