#pragma once
// A group of REST routes beside the core ones (media, search, push devices):
// RestApi authenticates the caller, then offers the request to each module
// in turn before its own routes. Keeps each feature's routes in its own file.
#include <functional>
#include <string>

#include "common/url.h"
#include "gateway/http_handler.h"

namespace parley::api {

struct AuthedRequest {
  const std::string& user;  // the authenticated caller
  const gateway::HttpRequest& req;
  const Target& target;  // target.segments[0] == "api"
};

class RouteModule {
 public:
  virtual ~RouteModule() = default;
  // False when the path is not this module's; otherwise it answers through
  // respond (exactly once, possibly later, on the event loop).
  virtual bool handle(const AuthedRequest& request,
                      const std::function<void(gateway::HttpResponse)>& respond) = 0;
};

}  // namespace parley::api
