#include "media/disk_media_catalog.h"

#include <algorithm>

#include <boost/json.hpp>

#include "media/atomic_file.h"

namespace parley::media {
namespace fs = std::filesystem;
namespace json = boost::json;

bool valid_media_id(std::string_view id) noexcept {
  constexpr std::string_view kPrefix = "md_";
  if (id.size() != kPrefix.size() + 24 || id.substr(0, 3) != kPrefix) return false;
  for (char c : id.substr(3)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string record_json(const MediaRecord& r) {
  json::object o;
  o["media_id"] = r.media_id;
  o["uploader"] = r.uploader;
  o["content_type"] = r.content_type;
  o["sha256"] = r.sha256;
  o["name"] = r.name;
  o["size"] = r.size;
  o["width"] = r.width;
  o["height"] = r.height;
  o["created_at"] = r.created_at;
  return json::serialize(o);
}

Result<MediaRecord> parse_record_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return make_error(Errc::internal, "media record is not a JSON object");
  const auto& o = v.get_object();
  auto str = [&o](const char* k) {
    auto* f = o.if_contains(k);
    return f && f->is_string() ? std::string(f->get_string()) : std::string();
  };
  auto num = [&o](const char* k) -> std::int64_t {
    auto* f = o.if_contains(k);
    if (!f) return 0;
    if (f->is_int64()) return f->get_int64();
    if (f->is_uint64()) return static_cast<std::int64_t>(f->get_uint64());
    return 0;
  };
  MediaRecord r;
  r.media_id = str("media_id");
  r.uploader = str("uploader");
  r.content_type = str("content_type");
  r.sha256 = str("sha256");
  r.name = str("name");
  r.size = static_cast<std::uint64_t>(num("size"));
  r.width = static_cast<std::uint32_t>(num("width"));
  r.height = static_cast<std::uint32_t>(num("height"));
  r.created_at = num("created_at");
  if (r.media_id.empty() || r.uploader.empty() || r.sha256.empty() || r.content_type.empty()) {
    return make_error(Errc::internal, "media record lacks a field");
  }
  return r;
}

Status DiskMediaCatalog::put(const MediaRecord& record) {
  if (!valid_media_id(record.media_id)) return make_error(Errc::bad_request, "bad media id");
  return write_file_atomically(root_ / "meta" / (record.media_id + ".json"), record_json(record),
                               root_ / "tmp");
}

Result<MediaRecord> DiskMediaCatalog::get(std::string_view media_id) {
  if (!valid_media_id(media_id)) return make_error(Errc::not_found, "no such media");
  auto text = read_file(root_ / "meta" / (std::string(media_id) + ".json"));
  if (!text) {
    if (text.error().code == Errc::not_found) return make_error(Errc::not_found, "no such media");
    return text.error();
  }
  return parse_record_json(*text);
}

fs::path DiskMediaCatalog::binding_path(std::string_view media_id,
                                        std::string_view conversation_id,
                                        std::string_view message_id) const {
  // Ids may hold characters no file name should (':', '.'), so the file is
  // named by their hash and holds the conversation id itself.
  std::string key(conversation_id);
  key += '\0';
  key += message_id;
  return root_ / "bound" / std::string(media_id) / sha256_hex(key);
}

Status DiskMediaCatalog::bind(std::string_view media_id, std::string_view conversation_id,
                              std::string_view message_id) {
  if (!valid_media_id(media_id)) return make_error(Errc::not_found, "no such media");
  const fs::path marker = binding_path(media_id, conversation_id, message_id);
  std::error_code ec;
  if (fs::exists(marker, ec)) return ok_status();
  return write_file_atomically(marker, conversation_id, root_ / "tmp");
}

Status DiskMediaCatalog::unbind(std::string_view media_id, std::string_view conversation_id,
                                std::string_view message_id) {
  if (!valid_media_id(media_id)) return ok_status();  // never bound
  std::error_code ec;
  fs::remove(binding_path(media_id, conversation_id, message_id), ec);
  if (ec) return make_error(Errc::internal, "remove media binding: " + ec.message());
  return ok_status();
}

Result<std::vector<std::string>> DiskMediaCatalog::conversations(std::string_view media_id) {
  std::vector<std::string> out;
  if (!valid_media_id(media_id)) return out;
  std::error_code ec;
  fs::directory_iterator it(root_ / "bound" / std::string(media_id), ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return out;
    return make_error(Errc::internal, "list media bindings: " + ec.message());
  }
  // increment(ec), not ++: the loop must not throw on the message path.
  for (fs::directory_iterator end; it != end; it.increment(ec)) {
    // A file removed by an unbind since the listing reads as not_found: skipped.
    auto id = read_file(it->path(), 0, 1024);
    if (id && !id->empty()) out.push_back(std::move(*id));
  }
  if (ec) return make_error(Errc::internal, "list media bindings: " + ec.message());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace parley::media
