#pragma once
// The REST API (docs/protocol.md, "REST"): routes HTTP requests to the chat
// service and shapes its answers as JSON.
#include "gateway/http_handler.h"
#include "service/chat_service.h"

namespace parley::api {

class RestApi final : public gateway::HttpHandler {
 public:
  explicit RestApi(service::ChatService& service) : service_(service) {}
  void on_http(gateway::HttpRequest request,
               std::function<void(gateway::HttpResponse)> respond) override;

 private:
  service::ChatService& service_;
};

}  // namespace parley::api
