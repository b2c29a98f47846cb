#include "service/conversation_subscriptions.h"

#include <gtest/gtest.h>

#include <map>

namespace parley::service {
namespace {

// Counts the subscriptions each conversation channel holds, as the Redis bus
// does; publish and the handler are not used here.
class CountingBus final : public bus::Bus {
 public:
  void set_handler(Handler) override {}
  void publish(bus::Envelope) override {}
  void subscribe(bus::Envelope::Scope, const std::string& target) override { ++refs[target]; }
  void unsubscribe(bus::Envelope::Scope, const std::string& target) override {
    if (--refs[target] == 0) refs.erase(target);
  }
  std::map<std::string, int> refs;
};

TEST(ConversationSubscriptionsTest, AUserWithoutConversationsTakesNoEntry) {
  CountingBus bus;
  ConversationSubscriptions subs(bus);
  subs.user_arrived("ann", {});
  EXPECT_EQ(subs.users(), 0u);
  subs.user_left("ann");
  EXPECT_TRUE(bus.refs.empty());
}

TEST(ConversationSubscriptionsTest, TwoLocalMembersShareOneSubscriptionUntilBothLeave) {
  CountingBus bus;
  ConversationSubscriptions subs(bus);
  subs.user_arrived("ann", {"c1", "c2"});
  subs.user_arrived("bob", {"c1"});
  EXPECT_EQ(bus.refs, (std::map<std::string, int>{{"c1", 2}, {"c2", 1}}));
  EXPECT_TRUE(subs.has("bob", "c1"));
  EXPECT_FALSE(subs.has("bob", "c2"));
  subs.user_left("ann");
  EXPECT_EQ(bus.refs, (std::map<std::string, int>{{"c1", 1}}));
  subs.user_left("bob");
  EXPECT_TRUE(bus.refs.empty());
  EXPECT_EQ(subs.users(), 0u);
}

TEST(ConversationSubscriptionsTest, JoiningAndLeavingWhileHereSubscribesOnceAndDropsTheEmptyEntry) {
  CountingBus bus;
  ConversationSubscriptions subs(bus);
  subs.user_arrived("ann", {});
  subs.set_member("ann", "c1", true);
  subs.set_member("ann", "c1", true);  // told twice: still one subscription
  EXPECT_EQ(bus.refs, (std::map<std::string, int>{{"c1", 1}}));
  EXPECT_TRUE(subs.has("ann", "c1"));
  subs.set_member("ann", "c2", false);  // never a member: nothing to undo
  EXPECT_EQ(bus.refs, (std::map<std::string, int>{{"c1", 1}}));
  subs.set_member("ann", "c1", false);
  EXPECT_TRUE(bus.refs.empty());
  EXPECT_FALSE(subs.has("ann", "c1"));
  EXPECT_EQ(subs.users(), 0u);
  subs.user_left("ann");  // nothing left to unsubscribe
  EXPECT_TRUE(bus.refs.empty());
}

}  // namespace
}  // namespace parley::service
