#pragma once
// Uploaded bytes, content-addressed by SHA-256: the same bytes uploaded twice
// (by anyone) are stored once. Who may read them and what they are is the
// catalog's business (media_catalog.h); a blob is just bytes.
//
// Implementations are safe to call from several threads and several
// processes sharing the same storage (gateways of a cluster on one folder).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace parley::media {

struct BlobInfo {
  std::string sha256;  // lowercase hex, 64 characters: the blob's address
  std::uint64_t size = 0;
};

// Part of a blob, read piece by piece: downloads of any size in bounded
// memory. Reads block (disk): callers keep them off the event loop. The
// bytes are those of the blob when it was opened (blobs never change).
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  // All the bytes read() gives, from the opened offset.
  virtual std::uint64_t size() const = 0;
  // Up to max bytes into out; 0 at the end.
  virtual Result<std::size_t> read(char* out, std::size_t max) = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Stores bytes; when put returns, they are durable and complete for every
  // reader. Storing bytes that exist already writes nothing.
  virtual Result<BlobInfo> put(std::string_view bytes) = 0;
  // The whole blob; not_found for an unknown (or malformed) address.
  virtual Result<std::string> get(std::string_view sha256) = 0;
  // Up to length bytes from offset (fewer at the end; none past it).
  virtual Result<std::string> read_range(std::string_view sha256, std::uint64_t offset,
                                         std::uint64_t length) = 0;
  // A reader of up to length bytes from offset (fewer at the end; none
  // past it); not_found for an unknown address. Opening is cheap (no data
  // is read yet).
  virtual Result<std::unique_ptr<BlobReader>> open_range(std::string_view sha256,
                                                         std::uint64_t offset,
                                                         std::uint64_t length) = 0;
  // not_found for an unknown address.
  virtual Result<BlobInfo> stat(std::string_view sha256) = 0;
  virtual bool exists(std::string_view sha256) = 0;
};

// 64 lowercase hex digits: only such an address ever reaches a file path.
bool valid_sha256(std::string_view s) noexcept;

}  // namespace parley::media
