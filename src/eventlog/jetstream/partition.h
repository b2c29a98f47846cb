#pragma once
// The partition of a conversation: FNV-1a 32 of its id, modulo the partition
// count. Pinned (partition_test): changing it moves conversations between
// subjects, which breaks order for consumers that read partitions apart.
#include <cstdint>
#include <string_view>

namespace parley::eventlog {

inline std::uint32_t partition_of(std::string_view conversation_id, std::uint32_t partitions) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : conversation_id) {
    h ^= c;
    h *= 16777619u;
  }
  return partitions == 0 ? 0 : h % partitions;
}

}  // namespace parley::eventlog
