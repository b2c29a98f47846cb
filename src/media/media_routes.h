#pragma once
// The REST routes of media (docs/protocol.md, "Media"), plugged into the
// RestApi as a RouteModule:
//   POST /api/media        upload (raw body, or multipart/form-data with one file)
//   GET  /api/media/{id}   download: Range, ETag / If-None-Match, ?token=
#include "api/route_module.h"
#include "media/media_library.h"

namespace parley::media {

class MediaRoutes final : public api::RouteModule {
 public:
  // Runs `work` (an upload or a download's file I/O and membership check,
  // all safe on any thread) somewhere, then `done(response)` on the event
  // loop. Cluster mode passes the chat service's request lane: the
  // membership check is a database round trip and an upload writes up to
  // max_bytes, neither of which may hold up the gateway's connections. Null:
  // both run at once, on the loop (embedded mode, a local disk).
  using Offload = std::function<void(std::function<gateway::HttpResponse()> work,
                                     std::function<void(gateway::HttpResponse)> done)>;
  explicit MediaRoutes(MediaLibrary& library, Offload offload = nullptr)
      : library_(library), offload_(std::move(offload)) {}

  bool handle(const api::AuthedRequest& request,
              const std::function<void(gateway::HttpResponse)>& respond) override;
  // An upload may be max_bytes plus the multipart framing around it; the
  // library refuses what is over max_bytes with a clean 413.
  std::size_t body_limit(std::string_view method, const Target& target) const override;
  // GET /api/media/{id}: browsers load <img src> without an Authorization header.
  bool token_in_query(const gateway::HttpRequest& request, const Target& target) const override;

 private:
  gateway::HttpResponse upload(const api::AuthedRequest& request);
  gateway::HttpResponse download(const api::AuthedRequest& request, const std::string& media_id);

  // Runs work through offload_ (or at once), answering with respond.
  void run(std::function<gateway::HttpResponse()> work,
           const std::function<void(gateway::HttpResponse)>& respond);

  MediaLibrary& library_;
  Offload offload_;
};

// True when an If-None-Match header names etag (or is "*"); weak
// validators compare equal to strong ones, as RFC 9110 asks for GET.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

// Content-Disposition for a download: inline for images, attachment for
// everything else, with an ASCII filename and an RFC 8187 filename*.
std::string content_disposition(const MediaRecord& record);

}  // namespace parley::media
