#include "store/sharded/hash_ring.h"

#include <algorithm>

namespace parley::store {

std::uint64_t HashRing::hash(std::string_view bytes) noexcept {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;  // FNV-1a 64 prime
  }
  // MurmurHash3 fmix64.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

HashRing::HashRing(std::span<const std::string> names, int virtual_nodes) {
  points_.reserve(names.size() * static_cast<std::size_t>(std::max(virtual_nodes, 1)));
  for (std::uint32_t shard = 0; shard < names.size(); ++shard) {
    for (int i = 0; i < std::max(virtual_nodes, 1); ++i) {
      std::string point_name = names[shard];
      point_name += '#';
      point_name += std::to_string(i);
      points_.emplace_back(hash(point_name), shard);
    }
  }
  // Sorting the pair also orders colliding points by shard: deterministic.
  std::sort(points_.begin(), points_.end());
}

std::size_t HashRing::owner(std::string_view key) const {
  if (points_.empty()) return 0;
  const std::uint64_t h = hash(key);
  auto it = std::lower_bound(points_.begin(), points_.end(), std::pair{h, std::uint32_t{0}});
  if (it == points_.end()) it = points_.begin();  // past the top: wrap around
  return it->second;
}

}  // namespace parley::store
