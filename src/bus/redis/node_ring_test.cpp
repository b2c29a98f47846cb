#include "bus/redis/node_ring.h"

#include <gtest/gtest.h>

namespace parley::bus {
namespace {

const std::vector<std::string> kTwo = {"redis://10.0.0.1:6379", "redis://10.0.0.2:6379"};
const std::vector<std::string> kThree = {"redis://10.0.0.1:6379", "redis://10.0.0.2:6379",
                                         "redis://10.0.0.3:6379"};

TEST(NodeRing, StableAcrossInstancesAndOrder) {
  NodeRing a(kThree), b(kThree);
  NodeRing reversed({kThree[2], kThree[1], kThree[0]});
  for (int i = 0; i < 2000; ++i) {
    auto ch = "pc:c_" + std::to_string(i);
    EXPECT_EQ(a.node_for(ch), b.node_for(ch));
    // Same node by identity, whatever the order of the list.
    EXPECT_EQ(kThree[a.node_for(ch)], kThree[2 - reversed.node_for(ch)]);
  }
}

TEST(NodeRing, PinnedHash) {
  // Every gateway of every build must agree: a changed hash splits the
  // cluster during a rolling upgrade. Values of FNV-1a + fmix64.
  EXPECT_EQ(stable_hash(""), 0xefd01f60ba992926ull);
  EXPECT_EQ(stable_hash("pc:c_1"), 0xd698ed48dfd259c3ull);
}

TEST(NodeRing, SpreadsEvenly) {
  for (const auto* nodes : {&kTwo, &kThree}) {
    NodeRing r(*nodes);
    std::vector<int> count(nodes->size());
    const int n = 30000;
    for (int i = 0; i < n; ++i) ++count[r.node_for("pc:c_" + std::to_string(i))];
    for (int c : count) {
      double share = double(c) / n;
      EXPECT_GT(share, 0.75 / nodes->size()) << "share " << share;
      EXPECT_LT(share, 1.25 / nodes->size()) << "share " << share;
    }
  }
}

TEST(NodeRing, AddingANodeMovesAboutAThird) {
  NodeRing two(kTwo), three(kThree);
  int moved = 0;
  const int n = 30000;
  for (int i = 0; i < n; ++i) {
    auto ch = "pu:u_" + std::to_string(i);
    auto before = kTwo[two.node_for(ch)], after = kThree[three.node_for(ch)];
    if (before != after) {
      ++moved;
      EXPECT_EQ(after, kThree[2]);  // only to the new node, never between old ones
    }
  }
  EXPECT_GT(moved, n / 5);
  EXPECT_LT(moved, n / 2);
}

TEST(NodeRing, OneNodeTakesAll) {
  NodeRing r({"redis://a:1"});
  EXPECT_EQ(r.node_for("pc:x"), 0u);
  EXPECT_EQ(r.size(), 1u);
}

}  // namespace
}  // namespace parley::bus
