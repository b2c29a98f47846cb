#pragma once
// Push, assembled from its config: providers, dispatcher, notifier and REST
// routes over a device registry. The composition root builds one and plugs
// it in with two lines:
//   rest_options.modules.push_back(&push->routes());
//   log.consume("push", [&](const eventlog::Event& e) { return push->stage(e); },
//               [&] { return push->flush(); });
#include <memory>
#include <string>

#include "api/route_module.h"
#include "eventlog/event_log.h"
#include "presence/presence.h"
#include "push/device_registry.h"
#include "push/push_config.h"
#include "push/push_dispatcher.h"
#include "push/push_notifier.h"
#include "push/push_routes.h"
#include "store/store.h"

namespace parley::push {

class PushSystem {
 public:
  // Reads (or creates) the VAPID key and the APNs key; an Error for a
  // misconfiguration, to be reported at start-up. store and presence are
  // not owned and must outlive this.
  static Result<std::unique_ptr<PushSystem>> create(const PushConfig& config,
                                                    const std::string& data_dir,
                                                    std::unique_ptr<DeviceRegistry> registry,
                                                    store::Store& store,
                                                    presence::Presence& presence);
  ~PushSystem();

  api::RouteModule& routes() { return *routes_; }
  // The event log consumer's handler (eventlog::Handler), one event alone.
  Status handle(const eventlog::Event& event) { return notifier_->handle(event); }
  // Batched: the consumer's handler and its eventlog::Flush
  // (push_notifier.h).
  Status stage(const eventlog::Event& event) { return notifier_->stage(event); }
  Status flush() { return notifier_->flush(); }
  PushDispatcher& dispatcher() { return *dispatcher_; }
  DeviceRegistry& registry() { return *registry_; }
  // Stops the workers (queued pushes are dropped: the log has them acked,
  // and a push is a hint, not the message).
  void stop() { dispatcher_->stop(); }

 private:
  PushSystem() = default;

  std::unique_ptr<DeviceRegistry> registry_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<Provider> webpush_, unifiedpush_, apns_, fcm_;
  std::unique_ptr<PushDispatcher> dispatcher_;
  std::unique_ptr<PushNotifier> notifier_;
  std::unique_ptr<PushRoutes> routes_;
};

}  // namespace parley::push
