#pragma once
// BlobStore on a folder: <root>/blobs/<first two hex digits>/<sha256>, written
// through <root>/tmp (same filesystem) so a blob appears whole or not at all.
// Several processes may share the folder (NFS or a local disk): a blob's name
// is its content, so two writers of the same bytes agree whoever wins.
#include <filesystem>

#include "media/blob_store.h"

namespace parley::media {

class DiskBlobStore final : public BlobStore {
 public:
  explicit DiskBlobStore(std::filesystem::path root) : root_(std::move(root)) {}

  Result<BlobInfo> put(std::string_view bytes) override;
  Result<std::string> get(std::string_view sha256) override;
  Result<std::string> read_range(std::string_view sha256, std::uint64_t offset,
                                 std::uint64_t length) override;
  Result<std::unique_ptr<BlobReader>> open_range(std::string_view sha256, std::uint64_t offset,
                                                 std::uint64_t length) override;
  Result<BlobInfo> stat(std::string_view sha256) override;
  bool exists(std::string_view sha256) override;

  // Where a blob lives (for tests and operators).
  std::filesystem::path path_of(std::string_view sha256) const;

 private:
  std::filesystem::path root_;
};

}  // namespace parley::media
