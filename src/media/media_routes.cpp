#include "media/media_routes.h"

#include "media/byte_range.h"
#include "media/media_metrics.h"
#include "media/multipart.h"
#include "protocol/server_frames.h"

namespace parley::media {
namespace {

using gateway::HttpResponse;

// Slack for the multipart framing around the file (boundaries, part headers).
constexpr std::size_t kMultipartSlack = 64 * 1024;

HttpResponse error_response(const Error& e) {
  return {http_status(e.code), protocol::encode_error_body(e)};
}

HttpResponse error_response(Errc code, std::string message) {
  return error_response(make_error(code, std::move(message)));
}

bool is_upload(std::string_view method, const Target& t) {
  return method == "POST" && t.segments.size() == 2 && t.segments[1] == "media";
}

bool is_download(std::string_view method, const Target& t) {
  return method == "GET" && t.segments.size() == 3 && t.segments[1] == "media";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        c == '.' || c == '-' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

// Headers every answer about one media item carries, 304 included.
void describe(HttpResponse& r, const MediaRecord& record, const std::string& etag) {
  r.content_type = record.content_type;
  r.headers = {
      {"ETag", etag},
      // Private: a shared cache must not hand one member's download to
      // someone else. The bytes of an id never change; access may, so the
      // browser asks again after a day.
      {"Cache-Control", "private, max-age=86400"},
      {"X-Content-Type-Options", "nosniff"},
      {"Accept-Ranges", "bytes"},
      {"Content-Disposition", content_disposition(record)},
      // Opened directly, the content runs nothing and loads nothing.
      {"Content-Security-Policy", "default-src 'none'; sandbox"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
  };
}

// A blob reader as the gateway's streamed body.
class BlobBody final : public gateway::BodySource {
 public:
  explicit BlobBody(std::unique_ptr<BlobReader> reader) : reader_(std::move(reader)) {}
  std::uint64_t size() const override { return reader_->size(); }
  Result<std::size_t> read(char* out, std::size_t max) override { return reader_->read(out, max); }

 private:
  std::unique_ptr<BlobReader> reader_;
};

}  // namespace

bool etag_matches(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view tag = trim(header.substr(0, comma));
    if (tag == "*") return true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

std::string content_disposition(const MediaRecord& record) {
  std::string ascii;
  for (char ch : record.name) {
    const auto c = static_cast<unsigned char>(ch);
    ascii += (c < 0x20 || c >= 0x7F || c == '"' || c == '\\' || c == ';') ? '_' : ch;
  }
  return std::string(record.image() ? "inline" : "attachment") + "; filename=\"" + ascii +
         "\"; filename*=UTF-8''" + percent_encode(record.name);
}

std::size_t MediaRoutes::body_limit(std::string_view method, const Target& target) const {
  if (!is_upload(method, target)) return 0;
  return static_cast<std::size_t>(library_.options().max_bytes) + kMultipartSlack;
}

bool MediaRoutes::token_in_query(const gateway::HttpRequest& request, const Target& target) const {
  return is_download(request.method, target);
}

bool MediaRoutes::handle(const api::AuthedRequest& request,
                         const std::function<void(HttpResponse)>& respond) {
  const auto& seg = request.target.segments;
  if (seg.size() < 2 || seg[1] != "media") return false;
  if (is_upload(request.req.method, request.target)) {
    // Copies of the request (the body too) for the work: what `request`
    // refers to may be gone by the time it runs.
    run([this, user = request.user, req = request.req, target = request.target] {
          return upload({user, req, target});
        },
        respond);
  } else if (is_download(request.req.method, request.target)) {
    run([this, user = request.user, req = request.req, target = request.target] {
          return download({user, req, target}, target.segments[2]);
        },
        respond);
  } else if (seg.size() <= 3) {
    respond(HttpResponse{
        405, protocol::encode_error_body(make_error(Errc::bad_request, "method not allowed"))});
  } else {
    respond(error_response(Errc::not_found, "no such route"));
  }
  return true;
}

void MediaRoutes::run(std::function<HttpResponse()> work,
                      const std::function<void(HttpResponse)>& respond) {
  if (!offload_) return respond(work());
  offload_(std::move(work), respond);
}

HttpResponse MediaRoutes::upload(const api::AuthedRequest& request) {
  std::string_view bytes = request.req.body;
  std::string name;
  if (auto boundary = multipart_boundary(request.req.content_type)) {
    auto part = parse_multipart(request.req.body, *boundary);
    if (!part) return error_response(part.error());
    bytes = part->bytes;
    name = std::move(part->filename);
  } else if (const std::string* n = request.target.param("name")) {
    name = *n;
  }
  if (bytes.empty()) return error_response(Errc::bad_request, "the upload is empty");
  auto record = library_.upload(request.user, bytes, name);
  if (!record) return error_response(record.error());
  return HttpResponse{201, upload_json(*record)};
}

HttpResponse MediaRoutes::download(const api::AuthedRequest& request, const std::string& media_id) {
  auto record = library_.open(request.user, media_id);
  if (!record) return error_response(record.error());
  const std::string etag = "\"" + record->sha256 + "\"";
  HttpResponse r;
  describe(r, *record, etag);
  if (!request.req.if_none_match.empty() && etag_matches(request.req.if_none_match, etag)) {
    r.status = 304;
    metric::not_modified.inc();
    return r;
  }
  const RangeDecision range = decide_range(request.req.range, record->size);
  if (range.kind == RangeDecision::unsatisfiable) {
    HttpResponse refused =
        error_response(Errc::range_not_satisfiable, "range is outside the content");
    refused.headers = {{"Content-Range", "bytes */" + std::to_string(record->size)}};
    return refused;
  }
  std::uint64_t first = 0, length = record->size;
  if (range.kind == RangeDecision::partial) {
    first = range.first;
    length = range.length();
    r.status = 206;
    r.headers.emplace_back("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                                std::to_string(range.last) + "/" +
                                                std::to_string(record->size));
  }
  // Opened here, read by the gateway chunk by chunk off the event loop: a
  // download holds one chunk in memory, not the file.
  auto reader = library_.blobs().open_range(record->sha256, first, length);
  if (!reader) {
    // The record without its blob: storage was tampered with or lost.
    if (reader.error().code == Errc::not_found) return error_response(Errc::internal, "media lost");
    return error_response(reader.error());
  }
  if ((*reader)->size() != length) return error_response(Errc::internal, "media lost");
  r.stream = std::make_shared<BlobBody>(std::move(reader).value());
  metric::downloads.inc();
  return r;
}

}  // namespace parley::media
