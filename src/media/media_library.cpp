#include "media/media_library.h"

#include <boost/json/parse.hpp>

#include "common/clock.h"
#include "common/ids.h"
#include "media/content_sniffer.h"
#include "media/image_size.h"
#include "media/media_metrics.h"
#include "protocol/json_writer.h"

namespace parley::media {

std::string sanitize_name(std::string_view name) {
  if (auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  // Invalid UTF-8 is dropped too: the name goes into JSON and PostgreSQL text.
  std::string out;
  for (std::size_t i = 0; i < name.size();) {
    const auto u = static_cast<unsigned char>(name[i]);
    const std::size_t n = utf8_length(name, i);
    if (n == 0 || u < 0x20 || u == 0x7F) {
      ++i;
      continue;
    }
    out.append(name.substr(i, n));
    i += n;
  }
  if (out.size() > 255) {
    std::size_t cut = 255;
    // Back up over continuation bytes so a character is not split.
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  if (out.empty() || out == "." || out == "..") return "file";
  return out;
}

namespace {

void write_fields(protocol::JsonWriter& w, const MediaRecord& r, std::string_view name) {
  w.field("media_id", r.media_id)
      .field("url", "/api/media/" + r.media_id)
      .field("name", name)
      .field("size", static_cast<std::int64_t>(r.size))
      .field("content_type", r.content_type);
  if (r.image()) {
    w.field("width", static_cast<std::int64_t>(r.width))
        .field("height", static_cast<std::int64_t>(r.height));
  }
}

}  // namespace

std::string message_media_json(const MediaRecord& r, std::string_view name) {
  protocol::JsonWriter w(160);
  w.begin_object();
  write_fields(w, r, name);
  w.end_object();
  return w.take();
}

std::string upload_json(const MediaRecord& r) { return message_media_json(r, r.name); }

Result<MediaRecord> MediaLibrary::upload(const std::string& user_id, std::string_view bytes,
                                         std::string_view name) {
  if (bytes.size() > options_.max_bytes) {
    metric::refused_uploads.inc();
    return make_error(Errc::too_large,
                      "media is over " + std::to_string(options_.max_bytes) + " bytes");
  }
  auto type = sniff(bytes);
  if (!type) {
    metric::refused_uploads.inc();
    return make_error(Errc::unsupported_media_type,
                      "content is not an allowed type (PNG, JPEG, GIF, WebP, PDF, plain text, "
                      "MP4, WebM, Ogg)");
  }
  MediaRecord r;
  if (type->image) {
    auto size = image_size(type->content_type, bytes);
    if (!size) {
      metric::refused_uploads.inc();
      return make_error(Errc::unsupported_media_type, "image header is unreadable");
    }
    r.width = size->width;
    r.height = size->height;
  }
  auto blob = blobs_.put(bytes);
  if (!blob) return blob.error();
  r.media_id = new_id("md_");
  r.uploader = user_id;
  r.content_type = type->content_type;
  r.sha256 = blob->sha256;
  r.name = sanitize_name(name);
  r.size = blob->size;
  r.created_at = now_ms();
  if (auto s = catalog_.put(r); !s) return s.error();
  metric::uploads.inc();
  metric::upload_bytes.inc(r.size);
  return r;
}

Result<std::string> MediaLibrary::attach(const std::string& user_id,
                                         const std::string& conversation_id,
                                         std::string_view kind, std::string_view media_id,
                                         std::string_view name) {
  auto record = catalog_.get(media_id);
  if (!record) {
    if (record.error().code != Errc::not_found) return record.error();
    return make_error(Errc::bad_request, "media_id is not one of your uploads");
  }
  if (record->uploader != user_id) {
    return make_error(Errc::bad_request, "media_id is not one of your uploads");
  }
  if (kind == "image" && !record->image()) {
    return make_error(Errc::bad_request, "kind image needs an image (PNG, JPEG, GIF, WebP)");
  }
  const std::string shown = name.empty() ? record->name : sanitize_name(name);
  return message_media_json(*record, shown);
}

Status MediaLibrary::bind_message(std::string_view media_id, std::string_view conversation_id,
                                  std::string_view message_id) {
  return catalog_.bind(media_id, conversation_id, message_id);
}

Status MediaLibrary::unbind_message(std::string_view media_id, std::string_view conversation_id,
                                    std::string_view message_id) {
  return catalog_.unbind(media_id, conversation_id, message_id);
}

std::string media_id_of(std::string_view media_json) {
  if (media_json.empty()) return {};
  boost::system::error_code ec;
  auto v = boost::json::parse(media_json, ec);
  if (ec || !v.is_object()) return {};
  const auto* id = v.get_object().if_contains("media_id");
  return id && id->is_string() ? std::string(id->get_string()) : std::string();
}

Result<MediaRecord> MediaLibrary::open(const std::string& user_id, std::string_view media_id) {
  auto record = catalog_.get(media_id);
  if (!record) return record.error();
  if (record->uploader == user_id) return record;
  auto bound = catalog_.conversations(media_id);
  if (!bound) return bound.error();
  for (const auto& conversation : *bound) {
    if (is_member_(user_id, conversation)) return record;
  }
  return make_error(Errc::not_found, "no such media");
}

}  // namespace parley::media
