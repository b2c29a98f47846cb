#include "eventlog/jetstream/partition.h"

#include <gtest/gtest.h>

namespace parley::eventlog {
namespace {

// Pinned: a change moves conversations between subjects (see partition.h).
TEST(Partition, IsPinned) {
  EXPECT_EQ(partition_of("", 16), 2166136261u % 16);
  EXPECT_EQ(partition_of("a", 1000), 3826002220u % 1000);
  EXPECT_EQ(partition_of("c_1", 16), partition_of("c_1", 16));
  EXPECT_EQ(partition_of("anything", 1), 0u);
  EXPECT_EQ(partition_of("anything", 0), 0u);
}

}  // namespace
}  // namespace parley::eventlog
