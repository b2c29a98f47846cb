#include "push/push_system.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/base64url.h"
#include "common/log.h"
#include "push/apns_provider.h"
#include "push/curl_http_client.h"
#include "push/fcm_provider.h"
#include "push/unifiedpush_provider.h"
#include "push/vapid.h"
#include "push/webpush_provider.h"

namespace parley::push {

PushSystem::~PushSystem() {
  if (dispatcher_) dispatcher_->stop();
}

Result<std::unique_ptr<PushSystem>> PushSystem::create(const PushConfig& config,
                                                       const std::string& data_dir,
                                                       std::unique_ptr<DeviceRegistry> registry,
                                                       store::Store& store,
                                                       presence::Presence& presence) {
  auto log = component_logger("push");
  std::unique_ptr<PushSystem> s(new PushSystem());
  s->registry_ = std::move(registry);
  EndpointPolicy policy{config.allow_loopback_http};
  if (policy.allow_loopback_http)
    log->warn("push.allow_loopback_http: devices may register http://127.0.0.1 endpoints (tests only)");
  s->http_ = std::make_unique<CurlHttpClient>(policy);
  std::chrono::milliseconds timeout(config.timeout_ms);

  std::string vapid_path = config.vapid_key_file.empty()
                               ? (std::filesystem::path(data_dir) / "vapid_private.pem").string()
                               : config.vapid_key_file;
  auto vapid = load_or_create_vapid_key(vapid_path);
  if (!vapid) return vapid.error();
  std::string vapid_public = auth::base64url_encode(vapid->public_point());
  s->webpush_ = std::make_unique<WebPushProvider>(
      *s->http_, *vapid, WebPushOptions{config.vapid_subject, config.ttl_s, timeout});
  s->unifiedpush_ =
      std::make_unique<UnifiedPushProvider>(*s->http_, UnifiedPushOptions{config.ttl_s, timeout});

  if (!config.apns.key_file.empty()) {
    std::ifstream in(config.apns.key_file);
    std::stringstream pem;
    pem << in.rdbuf();
    auto key = EcKey::from_pem(pem.str());
    if (!key) return make_error(Errc::bad_request, "push.apns.key_file: " + key.error().message);
    if (config.apns.key_id.empty() || config.apns.team_id.empty() || config.apns.topic.empty())
      return make_error(Errc::bad_request, "push.apns needs key_id, team_id and topic with key_file");
    s->apns_ = std::make_unique<ApnsProvider>(*s->http_, std::move(*key), config.apns, timeout);
  }
  if (!config.fcm.project_id.empty()) {
    if (config.fcm.access_token.empty() && config.fcm.access_token_file.empty())
      return make_error(Errc::bad_request, "push.fcm needs access_token or access_token_file");
    s->fcm_ = std::make_unique<FcmProvider>(*s->http_, config.fcm, timeout);
  }

  PushDispatcher::Providers providers{s->webpush_.get(), s->unifiedpush_.get(), s->apns_.get(),
                                      s->fcm_.get()};
  DispatcherOptions d;
  d.workers = config.workers;
  d.max_queue = config.max_queue;
  d.collapse = std::chrono::milliseconds(config.collapse_ms);
  d.max_attempts = config.max_attempts;
  d.retry_base = std::chrono::milliseconds(config.retry_base_ms);
  s->dispatcher_ = std::make_unique<PushDispatcher>(*s->registry_, providers, d);
  s->notifier_ = std::make_unique<PushNotifier>(
      store, presence, *s->dispatcher_, NotifierOptions{config.preview, config.preview_chars});
  RouteOptions routes;
  routes.policy = policy;
  routes.vapid_public_key = vapid_public;
  s->routes_ = std::make_unique<PushRoutes>(*s->registry_, store, routes);
  log->info("push: webpush, unifiedpush{}{}", s->apns_ ? ", apns" : "", s->fcm_ ? ", fcm" : "");
  return s;
}

}  // namespace parley::push
