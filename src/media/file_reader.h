#pragma once
// A BlobReader over one file: an open descriptor and pread, so the bytes
// stay readable even if the file is renamed over meanwhile (a blob written
// again by another gateway) and nothing but one chunk is ever in memory.
#include <filesystem>
#include <memory>

#include "media/blob_store.h"

namespace parley::media {

class FileReader final : public BlobReader {
 public:
  // up to length bytes from offset, clamped to the file's size now;
  // not_found when the file does not exist.
  static Result<std::unique_ptr<FileReader>> open(const std::filesystem::path& path,
                                                  std::uint64_t offset, std::uint64_t length);
  ~FileReader() override;
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  std::uint64_t size() const override { return size_; }
  Result<std::size_t> read(char* out, std::size_t max) override;

 private:
  FileReader(int fd, std::uint64_t offset, std::uint64_t size)
      : fd_(fd), next_(offset), size_(size), left_(size) {}

  int fd_;
  std::uint64_t next_;  // file offset of the next read
  std::uint64_t size_;
  std::uint64_t left_;
};

}  // namespace parley::media
