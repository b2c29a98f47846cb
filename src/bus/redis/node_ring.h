#pragma once
// Consistent hashing of channel names over Redis nodes: every gateway, given
// the same node list in any order, puts a channel on the same node, and
// adding or removing a node moves only about 1/N of the channels.
//
// Same algorithm and placement as store/sharded/hash_ring.h (FNV-1a + fmix64,
// points "<name>#<i>", 160 per node). It is repeated here only because the
// bus may not depend on the store; once HashRing moves to common/, this class
// should become an alias of it (placement will not change).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::bus {

class NodeRing {
 public:
  // Points per node: enough that two or three nodes share channels within a
  // few percent of evenly.
  static constexpr int kPointsPerNode = 160;

  // node_names: stable identities (the URLs); the index into this list is
  // what node_for returns.
  explicit NodeRing(const std::vector<std::string>& node_names);

  std::size_t node_for(std::string_view channel) const;
  std::size_t size() const { return nodes_; }

 private:
  std::vector<std::pair<std::uint64_t, std::size_t>> points_;  // sorted by hash
  std::size_t nodes_;
};

// A stable 64-bit hash (FNV-1a, then fmix64): std::hash may differ
// between builds, and every gateway must agree.
std::uint64_t stable_hash(std::string_view s);

}  // namespace parley::bus
