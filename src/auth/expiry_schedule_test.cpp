#include "auth/expiry_schedule.h"

#include <gtest/gtest.h>

#include <memory>

namespace parley::auth {
namespace {

using Ptr = std::shared_ptr<int>;

TEST(ExpirySchedule, TakesDueInDeadlineOrder) {
  ExpirySchedule<Ptr> s;
  auto a = std::make_shared<int>(1), b = std::make_shared<int>(2), c = std::make_shared<int>(3);
  s.set(a, 300);
  s.set(b, 100);
  s.set(c, 200);
  EXPECT_EQ(s.next(), 100);
  EXPECT_TRUE(s.take_due(99).empty());
  auto due = s.take_due(200);  // exp <= now is expired
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0], b);
  EXPECT_EQ(due[1], c);
  EXPECT_EQ(s.next(), 300);
  EXPECT_EQ(s.size(), 1u);
}

TEST(ExpirySchedule, SetMovesTheDeadline) {
  ExpirySchedule<Ptr> s;
  auto a = std::make_shared<int>(1);
  s.set(a, 100);
  s.set(a, 500);  // a refresh
  EXPECT_EQ(s.size(), 1u);
  EXPECT_TRUE(s.take_due(400).empty());
  EXPECT_EQ(s.deadline_of(a.get()), 500);
  s.set(a, 0);  // never expires
  EXPECT_FALSE(s.next());
  EXPECT_FALSE(s.deadline_of(a.get()));
}

TEST(ExpirySchedule, EraseForgetsTheHandle) {
  ExpirySchedule<Ptr> s;
  auto a = std::make_shared<int>(1), b = std::make_shared<int>(2);
  s.set(a, 100);
  s.set(b, 100);
  s.erase(a.get());
  s.erase(a.get());  // twice: harmless
  auto due = s.take_due(1000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0], b);
  EXPECT_EQ(s.size(), 0u);
}

}  // namespace
}  // namespace parley::auth
