#pragma once
// Files that are either absent or complete, also for another gateway
// reading the same shared folder and after a crash: write a temp file,
// fsync it, rename it over the final name, fsync the directory.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace parley::media {

// tmp_dir must be on the same filesystem as path (rename is atomic only
// there). The temp file is removed when anything fails.
Status write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                             const std::filesystem::path& tmp_dir);

// Up to max_bytes from offset; not_found when the file does not exist.
Result<std::string> read_file(const std::filesystem::path& path, std::uint64_t offset = 0,
                              std::uint64_t max_bytes = UINT64_MAX);

// Lowercase hex SHA-256 of bytes.
std::string sha256_hex(std::string_view bytes);

}  // namespace parley::media
