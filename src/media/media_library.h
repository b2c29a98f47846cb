#pragma once
// What media means: uploads checked and recorded, attachments to messages
// checked and bound to their conversation, and who may read what. Knows no
// HTTP (media_routes.h) and no store: membership is asked through IsMember.
// Thread: the event loop, except bind_message and unbind_message, which run
// on the group committer's writer (binding_store.h); the catalog and blob
// store keep no state in memory, so that is safe. Every call does blocking
// file I/O on small files (records, bindings) and on the upload itself.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "media/blob_store.h"
#include "media/media_catalog.h"

namespace parley::media {

struct MediaOptions {
  std::uint64_t max_bytes = 25 * 1024 * 1024;
};

class MediaLibrary {
 public:
  // True when user_id is a member of conversation_id now.
  using IsMember =
      std::function<bool(const std::string& user_id, const std::string& conversation_id)>;

  MediaLibrary(BlobStore& blobs, MediaCatalog& catalog, IsMember is_member, MediaOptions options)
      : blobs_(blobs), catalog_(catalog), is_member_(std::move(is_member)), options_(options) {}

  // too_large over max_bytes; unsupported_media_type unless the bytes sniff
  // as an allowed type (and, for images, their size can be read).
  Result<MediaRecord> upload(const std::string& user_id, std::string_view bytes,
                             std::string_view name);

  // For a message of `kind` ("image" or "file") sent by user_id: the
  // message's media object as JSON text (message_media_json), filled from
  // the record. bad_request when the media is unknown or not the sender's
  // (one answer for both, so ids cannot be probed), or when an "image"
  // message names a non-image. Binds nothing: the message is not committed
  // yet (bind_message, once it is; see binding_store.h).
  Result<std::string> attach(const std::string& user_id, const std::string& conversation_id,
                             std::string_view kind, std::string_view media_id,
                             std::string_view name);

  // The committed message_id carries media_id in conversation_id: its
  // members may read the media. Idempotent.
  Status bind_message(std::string_view media_id, std::string_view conversation_id,
                      std::string_view message_id);
  // The message was deleted: it no longer gives access (other messages
  // carrying the same media still do). Idempotent.
  Status unbind_message(std::string_view media_id, std::string_view conversation_id,
                        std::string_view message_id);

  // The record, if user_id may read it: its uploader, or a member of a
  // conversation it was sent in. not_found otherwise, as for an unknown id,
  // so existence is not revealed.
  Result<MediaRecord> open(const std::string& user_id, std::string_view media_id);

  BlobStore& blobs() { return blobs_; }
  const MediaOptions& options() const { return options_; }

 private:
  BlobStore& blobs_;
  MediaCatalog& catalog_;
  IsMember is_member_;
  MediaOptions options_;
};

// A file name safe to store and show: the last path component, control
// characters dropped, at most 255 bytes (cut at a UTF-8 boundary); "file"
// when nothing is left.
std::string sanitize_name(std::string_view name);

// The media object of a message (docs/protocol.md): media_id, url, name,
// size, content_type, and width and height for images.
std::string message_media_json(const MediaRecord& r, std::string_view name);

// The answer to an upload: the same fields.
std::string upload_json(const MediaRecord& r);

// The media_id of a message's media object (message_media_json); empty when
// there is none.
std::string media_id_of(std::string_view media_json);

}  // namespace parley::media
