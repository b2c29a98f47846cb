#pragma once
// MediaCatalog as files beside the blobs, so a shared folder is all that
// gateways need to share:
//   <root>/meta/<media_id>.json            the record (written once, atomically)
//   <root>/bound/<media_id>/<sha256(conv NUL message)>
//                                          one file per message, holding the conversation id
// A binding is its own file, not a list inside the record: two gateways
// binding the same media at once each create a file, and neither
// read-modify-write can lose the other's; deleting a message removes its
// file only. (Files named <sha256(conv)>, from before bindings were per
// message, still count for their conversation and are never removed.)
#include <filesystem>

#include "media/media_catalog.h"

namespace parley::media {

class DiskMediaCatalog final : public MediaCatalog {
 public:
  explicit DiskMediaCatalog(std::filesystem::path root) : root_(std::move(root)) {}

  Status put(const MediaRecord& record) override;
  Result<MediaRecord> get(std::string_view media_id) override;
  Status bind(std::string_view media_id, std::string_view conversation_id,
              std::string_view message_id) override;
  Status unbind(std::string_view media_id, std::string_view conversation_id,
                std::string_view message_id) override;
  Result<std::vector<std::string>> conversations(std::string_view media_id) override;

 private:
  std::filesystem::path binding_path(std::string_view media_id, std::string_view conversation_id,
                                     std::string_view message_id) const;

  std::filesystem::path root_;
};

// The record as its sidecar JSON, and back (bad JSON: internal).
std::string record_json(const MediaRecord& r);
Result<MediaRecord> parse_record_json(std::string_view text);

}  // namespace parley::media
