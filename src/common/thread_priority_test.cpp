#include "common/thread_priority.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

namespace parley {
namespace {

int nice_of_this_thread() {
  return getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
}

TEST(ThreadPriorityTest, LowersOnlyTheCallingThread) {
  const int before = nice_of_this_thread();
  int in_thread = 0;
  std::thread t([&] {
    make_this_thread_background();
    in_thread = nice_of_this_thread();
  });
  t.join();
  EXPECT_EQ(in_thread, std::min(19, before + kBackgroundNiceIncrement));
  EXPECT_EQ(nice_of_this_thread(), before);  // the rest of the process keeps its priority
}

TEST(ThreadPriorityTest, TwiceStopsAtTheLowestPriority) {
  int after = 0;
  std::thread t([&] {
    make_this_thread_background();
    make_this_thread_background();
    after = nice_of_this_thread();
  });
  t.join();
  EXPECT_EQ(after, std::min(19, nice_of_this_thread() + 2 * kBackgroundNiceIncrement));
}

}  // namespace
}  // namespace parley
