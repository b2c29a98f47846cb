#include "bus/redis/node_ring.h"

#include <algorithm>

namespace parley::bus {

std::uint64_t stable_hash(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  // FNV alone clusters similar short keys ("pc:1", "pc:2"); MurmurHash3's
  // fmix64 spreads them over the ring.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

NodeRing::NodeRing(const std::vector<std::string>& node_names) : nodes_(node_names.size()) {
  points_.reserve(node_names.size() * kPointsPerNode);
  for (std::size_t i = 0; i < node_names.size(); ++i) {
    for (int p = 0; p < kPointsPerNode; ++p)
      points_.emplace_back(stable_hash(node_names[i] + "#" + std::to_string(p)), i);
  }
  std::sort(points_.begin(), points_.end());
}

std::size_t NodeRing::node_for(std::string_view channel) const {
  if (points_.empty()) return 0;
  auto h = stable_hash(channel);
  auto it = std::lower_bound(points_.begin(), points_.end(), std::make_pair(h, std::size_t{0}));
  if (it == points_.end()) it = points_.begin();  // the ring wraps around
  return it->second;
}

}  // namespace parley::bus
