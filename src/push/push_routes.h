#pragma once
// The push REST routes (docs/protocol.md, "Push notifications"), as a
// module of the REST API (api/route_module.h):
//   POST   /api/devices                 register (201 new, 200 known again)
//   GET    /api/devices                 the caller's devices
//   DELETE /api/devices/{id}
//   GET|PUT|DELETE /api/conversations/{id}/mute   members only, else 404
//   GET    /api/push/vapid              the VAPID public key for PushManager.subscribe
// Runs on the event loop; the registry calls are short local writes.
#include <string>

#include "api/route_module.h"
#include "push/device_registry.h"
#include "push/endpoint_policy.h"
#include "store/store.h"

namespace parley::push {

struct RouteOptions {
  EndpointPolicy policy;
  std::string vapid_public_key;  // base64url; empty: Web Push is off
  std::size_t max_devices_per_user = 20;
};

class PushRoutes final : public api::RouteModule {
 public:
  PushRoutes(DeviceRegistry& registry, store::Store& store, RouteOptions options)
      : registry_(registry), store_(store), options_(std::move(options)) {}
  bool handle(const api::AuthedRequest& request,
              const std::function<void(gateway::HttpResponse)>& respond) override;

 private:
  gateway::HttpResponse add_device(const api::AuthedRequest& r);
  gateway::HttpResponse list_devices(const api::AuthedRequest& r);
  gateway::HttpResponse mute(const api::AuthedRequest& r, const std::string& conversation_id);

  DeviceRegistry& registry_;
  store::Store& store_;
  RouteOptions options_;
};

}  // namespace parley::push
