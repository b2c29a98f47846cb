#include "media/disk_blob_store.h"

#include <sys/stat.h>

#include "media/atomic_file.h"
#include "media/file_reader.h"

namespace parley::media {
namespace fs = std::filesystem;

bool valid_sha256(std::string_view s) noexcept {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

fs::path DiskBlobStore::path_of(std::string_view sha256) const {
  return root_ / "blobs" / std::string(sha256.substr(0, 2)) / std::string(sha256);
}

Result<BlobInfo> DiskBlobStore::put(std::string_view bytes) {
  BlobInfo info{sha256_hex(bytes), bytes.size()};
  // Dedup: a blob whose size matches is complete (it was renamed in whole).
  if (auto existing = stat(info.sha256); existing && existing->size == info.size) return info;
  if (auto s = write_file_atomically(path_of(info.sha256), bytes, root_ / "tmp"); !s) {
    return s.error();
  }
  return info;
}

Result<std::string> DiskBlobStore::get(std::string_view sha256) {
  if (!valid_sha256(sha256)) return make_error(Errc::not_found, "no such blob");
  return read_file(path_of(sha256));
}

Result<std::string> DiskBlobStore::read_range(std::string_view sha256, std::uint64_t offset,
                                              std::uint64_t length) {
  if (!valid_sha256(sha256)) return make_error(Errc::not_found, "no such blob");
  return read_file(path_of(sha256), offset, length);
}

Result<std::unique_ptr<BlobReader>> DiskBlobStore::open_range(std::string_view sha256,
                                                              std::uint64_t offset,
                                                              std::uint64_t length) {
  if (!valid_sha256(sha256)) return make_error(Errc::not_found, "no such blob");
  auto file = FileReader::open(path_of(sha256), offset, length);
  if (!file) return file.error();
  return std::unique_ptr<BlobReader>(std::move(file).value());
}

Result<BlobInfo> DiskBlobStore::stat(std::string_view sha256) {
  if (!valid_sha256(sha256)) return make_error(Errc::not_found, "no such blob");
  struct stat st {};
  if (::stat(path_of(sha256).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return make_error(Errc::not_found, "no such blob");
  }
  return BlobInfo{std::string(sha256), static_cast<std::uint64_t>(st.st_size)};
}

bool DiskBlobStore::exists(std::string_view sha256) { return stat(sha256).ok(); }

}  // namespace parley::media
