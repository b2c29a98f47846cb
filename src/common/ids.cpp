#include "common/ids.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <utility>

#include <openssl/sha.h>

namespace parley {

std::string new_id(std::string_view prefix) {
  // One generator for the process, seeded from the OS; ids only need to be
  // unique, and the store's unique indexes catch the impossible collision.
  static std::mutex mu;
  static std::mt19937_64 gen{std::random_device{}()};
  std::uint64_t a, b;
  {
    std::lock_guard lock(mu);
    a = gen();
    b = gen();
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(prefix);
  out.reserve(prefix.size() + 24);
  for (int i = 0; i < 16; ++i) out.push_back(hex[(a >> (60 - 4 * i)) & 0xf]);
  for (int i = 0; i < 8; ++i) out.push_back(hex[(b >> (60 - 4 * i)) & 0xf]);
  return out;
}

std::string new_time_ordered_id(std::string_view prefix) {
  static constexpr char hex[] = "0123456789abcdef";
  auto ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
  std::string out = new_id(prefix);  // prefix + 24 random hex digits
  for (int i = 0; i < 11; ++i) out[prefix.size() + i] = hex[(ms >> (40 - 4 * i)) & 0xf];
  return out;
}

std::string direct_conversation_id(std::string_view a, std::string_view b) {
  if (b < a) std::swap(a, b);
  std::string pair;
  pair.append(a).push_back(' ');  // never inside a user id
  pair.append(b);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(pair.data()), pair.size(), digest);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "d_";
  for (int i = 0; i < 12; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0xf]);
  }
  return out;
}

bool valid_user_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '@' ||
              c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace parley
