#pragma once
// Small, valid file headers for the media tests: enough bytes for sniffing
// and for reading dimensions. Test-only.
#include <cstdint>
#include <string>

namespace parley::media::test_support {

inline std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}
inline std::string le16(std::uint32_t v) { return {static_cast<char>(v), static_cast<char>(v >> 8)}; }
inline std::string be16(std::uint32_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v)}; }
inline std::string le24(std::uint32_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16)};
}

// Signature, then an IHDR chunk (CRC not checked by us; zeros), then IEND.
inline std::string png(std::uint32_t w, std::uint32_t h) {
  std::string s("\x89PNG\r\n\x1A\n", 8);
  s += be32(13) + "IHDR" + be32(w) + be32(h) + std::string("\x08\x06\x00\x00\x00", 5);
  s += std::string(4, '\0');
  s += be32(0) + "IEND" + std::string(4, '\0');
  return s;
}

inline std::string gif(std::uint32_t w, std::uint32_t h) {
  return "GIF89a" + le16(w) + le16(h) + std::string("\x00\x00\x00", 3) + ";";
}

// SOI, an APP0 (JFIF) segment, a DQT-sized filler segment, then SOF2.
inline std::string jpeg(std::uint32_t w, std::uint32_t h) {
  std::string s("\xFF\xD8", 2);
  s += std::string("\xFF\xE0", 2) + be16(16) + std::string("JFIF\0\x01\x01\0\0\x01\0\x01\0\0", 14);
  s += std::string("\xFF\xDB", 2) + be16(4) + std::string("\0\0", 2);
  s += std::string("\xFF\xC2", 2) + be16(17) + "\x08" + be16(h) + be16(w) +
       std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
  s += std::string("\xFF\xD9", 2);
  return s;
}

inline std::string riff(const std::string& chunk) {
  return "RIFF" + std::string("\x00\x00\x00\x00", 4) + "WEBP" + chunk;
}

inline std::string webp_vp8x(std::uint32_t w, std::uint32_t h) {
  return riff("VP8X" + std::string("\x0A\0\0\0", 4) + std::string(4, '\0') + le24(w - 1) +
              le24(h - 1) + std::string(8, '\0'));
}

inline std::string webp_vp8l(std::uint32_t w, std::uint32_t h) {
  const std::uint32_t bits = (w - 1) | (h - 1) << 14;
  return riff("VP8L" + std::string("\x05\0\0\0", 4) + "\x2F" + le16(bits & 0xFFFF) +
              le16(bits >> 16) + std::string(8, '\0'));
}

inline std::string webp_vp8(std::uint32_t w, std::uint32_t h) {
  return riff("VP8 " + std::string("\x0A\0\0\0", 4) + std::string("\x10\x02\x00", 3) +
              std::string("\x9D\x01\x2A", 3) + le16(w) + le16(h) + std::string(8, '\0'));
}

}  // namespace parley::media::test_support

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <optional>
#include <random>
#include <vector>

namespace parley::media::test_support {

// A fresh directory, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    static const unsigned salt = std::random_device{}();
    path_ = std::filesystem::temp_directory_path() /
            ("parley_media_test_" + std::to_string(::getpid()) + "_" + std::to_string(salt) +
             "_" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Regular files under dir (recursively).
inline int count_files(const std::filesystem::path& dir) {
  int n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) ++n;
  }
  return n;
}

// Everything a reader gives (a BlobReader, a gateway::BodySource), asking
// for max bytes a call, as the gateway does; nullopt when a read fails.
template <class Reader>
std::optional<std::string> read_all(Reader& reader, std::size_t max) {
  std::string out;
  std::vector<char> buf(max);
  for (;;) {
    auto n = reader.read(buf.data(), buf.size());
    if (!n) return std::nullopt;
    if (*n == 0) return out;
    out.append(buf.data(), *n);
  }
}

}  // namespace parley::media::test_support
