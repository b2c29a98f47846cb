#pragma once
// What is known about each upload, by media id: who uploaded it, what it
// is, where its bytes are, and in which conversations a message carried it
// (which is who may read it). Kept beside the blobs, not in a gateway's
// memory, so every gateway sharing the storage answers the same.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace parley::media {

struct MediaRecord {
  std::string media_id;      // "md_" + 24 hex digits
  std::string uploader;      // user id
  std::string content_type;  // sniffed (content_sniffer.h), never the client's
  std::string sha256;        // the blob (blob_store.h)
  std::string name;          // file name for display and download; sanitized
  std::uint64_t size = 0;
  std::uint32_t width = 0;   // images only; 0 otherwise
  std::uint32_t height = 0;
  std::int64_t created_at = 0;  // ms

  bool image() const { return width > 0; }
};

class MediaCatalog {
 public:
  virtual ~MediaCatalog() = default;
  // Records a new upload (written once, never changed).
  virtual Status put(const MediaRecord& record) = 0;
  // not_found for an unknown or malformed id.
  virtual Result<MediaRecord> get(std::string_view media_id) = 0;
  // Notes that message_id, carrying media_id, was committed in
  // conversation_id. Idempotent; safe against concurrent binders on other
  // gateways.
  virtual Status bind(std::string_view media_id, std::string_view conversation_id,
                      std::string_view message_id) = 0;
  // Forgets that binding (the message was deleted); the media stays bound
  // to the conversation through its other messages. Idempotent.
  virtual Status unbind(std::string_view media_id, std::string_view conversation_id,
                        std::string_view message_id) = 0;
  // The conversations with at least one bound message, each once, in no
  // particular order.
  virtual Result<std::vector<std::string>> conversations(std::string_view media_id) = 0;
};

// "md_" and 24 lowercase hex digits (common/ids.h new_id): only such an id
// ever reaches a file path.
bool valid_media_id(std::string_view id) noexcept;

}  // namespace parley::media
