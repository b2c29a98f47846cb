#pragma once
// The REST API (docs/protocol.md, "REST"): routes HTTP requests to the chat
// service and shapes its answers as JSON.
#include <vector>

#include "api/route_module.h"
#include "gateway/http_handler.h"
#include "service/chat_service.h"
#include "web/static_files.h"

namespace parley::api {

struct RestOptions {
  // The browser client's files, served at "/"; none: not served.
  const web::StaticFiles* files = nullptr;
  // Development sign-in (`serve --dev`): mints a token for any user id.
  std::function<std::string(const std::string& user_id)> dev_token;
  // Feature routes (media, search, devices), tried in order before the core
  // routes; not owned.
  std::vector<RouteModule*> modules;
  // GET /readyz: {ready, JSON body}; none: ready whenever /healthz is.
  std::function<std::pair<bool, std::string>()> readiness;
};

class RestApi final : public gateway::HttpHandler {
 public:
  RestApi(service::ChatService& service, RestOptions options)
      : service_(service), options_(std::move(options)) {}
  void on_http(gateway::HttpRequest request,
               std::function<void(gateway::HttpResponse)> respond) override;
  // The largest a module asks for (RouteModule::body_limit), else the default.
  std::size_t body_limit(std::string_view method, std::string_view target,
                         std::size_t default_limit) override;

 private:
  void serve_file(const gateway::HttpRequest& request, std::string_view path,
                  const std::function<void(gateway::HttpResponse)>& respond);
  void dev_sign_in(const gateway::HttpRequest& request,
                   const std::function<void(gateway::HttpResponse)>& respond);

  service::ChatService& service_;
  RestOptions options_;
};

}  // namespace parley::api
