#include "bus/local/local_bus.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::bus {

TEST(LocalBus, DeliversInPublishOrderWithSharedFrame) {
  LocalBus bus;
  std::vector<std::string> seen;
  const std::string* first_ptr = nullptr;
  bus.set_handler([&](const Envelope& e) {
    seen.push_back(*e.frame);
    if (!first_ptr) first_ptr = e.frame.get();
  });
  auto frame = std::make_shared<const std::string>("one");
  bus.publish({Envelope::Scope::conversation, "c", frame, {}, {}});
  bus.publish({Envelope::Scope::user, "u", std::make_shared<const std::string>("two"), {}, {}});
  ASSERT_EQ(seen, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(first_ptr, frame.get());  // shared, not copied
}

TEST(LocalBus, NoHandlerDropsQuietly) {
  LocalBus bus;
  bus.publish({Envelope::Scope::conversation, "c", std::make_shared<const std::string>("x"), {}, {}});
  SUCCEED();
}

}  // namespace parley::bus
