#pragma once
// A group of REST routes beside the core ones (media, search, push devices):
// RestApi authenticates the caller, then offers the request to each module
// in turn before its own routes. Keeps each feature's routes in its own file.
#include <functional>
#include <cstddef>
#include <string>
#include <string_view>

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
  // The largest body this module takes for a request, when it needs more
  // than the gateway's default (uploads); 0: the default. Asked before the
  // body is read, so only the method and target are known.
  virtual std::size_t body_limit(std::string_view method, const Target& target) const {
    return 0;
  }
  // True when this request may carry its token as ?token= instead of an
  // Authorization header: GETs a browser makes by itself (<img src>). Off
  // unless a module asks, since a token in a URL may end up in history.
  virtual bool token_in_query(const gateway::HttpRequest& request, const Target& target) const {
    return false;
  }
};

}  // namespace parley::api
