#pragma once
// Consistent hashing of conversation ids onto shards.
//
// Each shard, by its name, owns `virtual_nodes` points on a 64-bit ring; a
// key belongs to the shard owning the first point at or after the key's hash,
// wrapping past the top. Adding a shard therefore moves only the keys that the
// new shard's points take over (about 1/N of them), never keys between old
// shards; many points per shard even out the share each one gets.
//
// The hash is FNV-1a (64-bit) over the bytes, then MurmurHash3's fmix64
// finalizer to spread FNV's weak low-order mixing; a point is the hash of
// "<shard name>#<i>" for i in [0, virtual_nodes). Both are part of the data
// layout: changing either, the names or the point count moves conversations
// to shards that do not hold them. Never change them without migrating data.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::store {

class HashRing {
 public:
  static constexpr int kDefaultVirtualNodes = 160;

  // names: one per shard, in shard order, unique and non-empty (the caller checks).
  explicit HashRing(std::span<const std::string> names, int virtual_nodes = kDefaultVirtualNodes);

  // The index (in names) of the shard that owns key.
  std::size_t owner(std::string_view key) const;

  static std::uint64_t hash(std::string_view bytes) noexcept;

 private:
  std::vector<std::pair<std::uint64_t, std::uint32_t>> points_;  // (point, shard), sorted
};

}  // namespace parley::store
