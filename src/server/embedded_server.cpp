#include "server/embedded_server.h"

#include <csignal>
#include <filesystem>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "api/rest_api.h"
#include "auth/composite_verifier.h"
#include "auth/hs256.h"
#include "auth/jwks_verifier.h"
#include "common/clock.h"
#include "common/log.h"
#include "eventlog/notifying_store.h"
#include "eventlog/open_event_log.h"
#include "eventlog/outbox_relay.h"
#include "gateway/gateway.h"
#include "media/binding_store.h"
#include "media/disk_blob_store.h"
#include "media/disk_media_catalog.h"
#include "media/media_routes.h"
#include "push/open_device_registry.h"
#include "push/push_system.h"
#include "search/open_search_index.h"
#include "search/search_indexer.h"
#include "search/search_routes.h"
#include "server/backends.h"
#include "server/readiness.h"
#include "service/chat_service.h"
#include "service/group_committer.h"

namespace parley::server {
namespace net = boost::asio;

namespace {

service::ServiceOptions service_options(const Config& c) {
  service::ServiceOptions o;
  o.limits.max_content_bytes = c.max_content_bytes;
  o.typing_interval_ms = c.typing_interval_ms;
  o.presence_debounce_ms = c.presence_debounce_ms;
  o.max_group_members = c.max_group_members;
  o.heartbeat_ms = c.heartbeat_ms;
  o.retransmit_ms = c.retransmit_ms;
  o.max_replay = c.max_replay;
  o.max_unacked = c.max_unacked;
  o.reorder_window_ms = c.reorder_window_ms;
  o.membership_ttl_ms = c.membership_ttl_ms;
  o.max_connections_per_user = c.max_connections_per_user;
  o.user_sends = {static_cast<double>(c.user_sends_per_minute) / 60.0,
                  static_cast<double>(c.user_send_burst)};
  o.conversation_sends = {static_cast<double>(c.conversation_sends_per_minute) / 60.0,
                          static_cast<double>(c.conversation_send_burst)};
  return o;
}

// HS256 with the secret always (it signs `parley token` and dev logins);
// RS256/EdDSA when a JWKS file is configured. iss/aud rules bind both.
Result<std::unique_ptr<auth::TokenVerifier>> make_verifier(const Config& c, const std::string& secret) {
  auth::ClaimRules rules{c.jwt_issuer, c.jwt_audience};
  std::unique_ptr<auth::TokenVerifier> jwks;
  if (!c.jwks_file.empty()) {
    auto keys = auth::Jwks::load_file(c.jwks_file);
    if (!keys) return std::move(keys).error();
    component_logger("server")->info("JWKS: {} key(s) from {}", keys->size(), c.jwks_file);
    jwks = std::make_unique<auth::JwksVerifier>(std::move(*keys), rules);
  }
  return std::unique_ptr<auth::TokenVerifier>(std::make_unique<auth::CompositeVerifier>(
      std::make_unique<auth::Hs256Verifier>(secret, rules), std::move(jwks)));
}

gateway::GatewayOptions gateway_options(const Config& c) {
  gateway::GatewayOptions o;
  o.heartbeat = std::chrono::milliseconds(c.heartbeat_ms);
  o.max_frame_bytes = c.max_frame_bytes;
  o.max_body_bytes = c.max_body_bytes;
  o.max_queue_frames = c.max_queue_frames;
  o.max_queue_bytes = c.max_queue_bytes;
  o.limits.max_content_bytes = c.max_content_bytes;
  o.allowed_origins = c.allowed_origins;
  o.handshake_timeout = std::chrono::milliseconds(c.handshake_timeout_ms);
  o.http_idle_timeout = std::chrono::milliseconds(c.http_idle_timeout_ms);
  return o;
}

}  // namespace

int run_embedded(const Config& config, const std::function<void(const std::string&)>& on_listening) {
  auto log = component_logger("server");
  auto secret = resolve_jwt_secret(config, /*create=*/true);
  if (!secret) {
    log->error("{}", secret.error().message);
    return 2;
  }
  std::error_code fs_ec;
  std::filesystem::create_directories(config.data_dir, fs_ec);
  if (fs_ec) {
    log->error("cannot create data directory {}: {}", config.data_dir, fs_ec.message());
    return 2;
  }
  net::io_context ioc(1);
  auto backends = open_backends(config, ioc.get_executor());
  if (!backends) {
    log->error("{}", backends.error().message);
    return 2;
  }
  // The event log, fed from each store's (each shard's) transactional
  // outbox by a relay thread; the store wrapper wakes the relays after every
  // commit so events go out at once instead of at the next poll.
  std::unique_ptr<eventlog::EventLog> event_log;
  std::vector<std::unique_ptr<eventlog::OutboxRelay>> relays;
  if (config.eventlog_url != "off") {
    auto opened = eventlog::open_event_log(config.eventlog_url, config.data_dir);
    if (!opened) {
      log->error("event log: {}", opened.error().message);
      return 2;
    }
    event_log = std::move(opened).value();
    backends->dependencies.push_back(
        {"eventlog", [l = event_log.get()] { return l->healthy(); }, /*required=*/false});
    for (store::Store* s : backends->store->outboxes())
      relays.push_back(std::make_unique<eventlog::OutboxRelay>(*s, *event_log));
  }
  eventlog::NotifyingStore notifying_store(*backends->store, [&relays] {
    for (auto& r : relays) r->notify();
  });
  // Media: blobs and their records in one folder that every gateway may
  // share; readable by the uploader and members of where it was sent.
  // A message's media is bound when the message commits and unbound when
  // it is deleted, by the store wrapper below (media/binding_store.h).
  const std::filesystem::path media_root = config.media_dir.empty()
                                               ? std::filesystem::path(config.data_dir) / "media"
                                               : std::filesystem::path(config.media_dir);
  media::DiskBlobStore media_blobs(media_root);
  media::DiskMediaCatalog media_catalog(media_root);
  service::ChatService* chat_for_media = nullptr;  // set once the service exists
  media::MediaLibrary media_library(
      media_blobs, media_catalog,
      [&chat_for_media](const std::string& user, const std::string& conversation) {
        return chat_for_media && chat_for_media->read_conversation(user, conversation).ok();
      },
      {config.max_media_bytes});
  media::BindingStore binding_store(notifying_store, media_library);
  store::Store& store = binding_store;
  Readiness readiness(backends->dependencies, std::chrono::milliseconds(1000));
  auto verifier = make_verifier(config, *secret);
  if (!verifier) {
    log->error("{}", verifier.error().message);
    return 2;
  }
  service::GroupCommitter committer(store, ioc.get_executor(), {config.commit_batch, 100'000});
  auto options = service_options(config);
  options.cluster = backends->cluster;
  if (backends->cluster && options.membership_ttl_ms == 0) options.membership_ttl_ms = 10'000;
  options.attach_media = [&media_library](const std::string& user, const std::string& conversation,
                                          const std::string& kind, const protocol::MediaRef& ref) {
    return media_library.attach(user, conversation, kind, ref.media_id, ref.name);
  };
  service::ChatService chat(ioc.get_executor(),
                            {store, *backends->bus, *backends->presence, committer, **verifier},
                            options);
  chat_for_media = &chat;
  auto files = config.web_root.empty()
                   ? web::embedded_files()
                   : web::disk_files(config.web_root, (std::filesystem::path(config.web_root) / ".." /
                                                       "clients" / "js").string());
  api::RestOptions rest_options;
  rest_options.files = files.get();
  if (config.dev_mode) {
    log->warn("--dev: anyone can sign in as anyone through POST /api/dev/token");
    rest_options.dev_token = [secret = *secret](const std::string& user) {
      auth::Claims claims;
      claims.sub = user;
      claims.iat = now_ms() / 1000;
      claims.exp = claims.iat + 24 * 3600;
      return auth::sign_hs256(claims, secret);
    };
  }
  rest_options.readiness = [&readiness] { return std::pair{readiness.ready(), readiness.body()}; };
  // Search: SQLite FTS5 beside the store in embedded mode; in cluster mode the
  // PostgreSQL index the `search` worker writes (search/README.md).
  auto search_index = search::open_search_index(
      !config.search_url.empty() || !backends->cluster || config.store_urls.empty()
          ? config.search_url
          : config.store_urls.front(),
      config.data_dir);
  if (!search_index) {
    log->error("{}", search_index.error().message);
    return 2;
  }
  search::SearchRoutes search_routes(chat, **search_index);
  // Embedded mode indexes and pushes in process, off the hot path, as durable
  // consumers of the event log; cluster mode leaves that to `parley worker
  // search` and `parley worker push`. Declared after what they use, so they
  // stop first.
  std::unique_ptr<eventlog::Consumer> search_consumer;
  if (event_log && !backends->cluster) {
    // Batched: one index commit per cursor save; per event, the index's
    // fsyncs held it to ~600 events/s under load (docs/performance.md).
    search::SearchIndexer indexer(**search_index, search::SearchIndexer::Mode::batched);
    auto c = event_log->consume("search", indexer, indexer.flusher());
    if (!c) {
      log->error("search consumer: {}", c.error().message);
      return 2;
    }
    search_consumer = std::move(c).value();
  }
  rest_options.modules.push_back(&search_routes);
  media::MediaRoutes media_routes(
      media_library,
      backends->cluster ? media::MediaRoutes::Offload([&chat](auto work, auto done) {
        chat.run_request<gateway::HttpResponse>(
            [work = std::move(work)] { return Result<gateway::HttpResponse>(work()); },
            [done = std::move(done)](Result<gateway::HttpResponse> r) { done(std::move(*r)); });
      })
                        : nullptr);
  rest_options.modules.push_back(&media_routes);
  // Push: devices in <data_dir>/push.db, in cluster mode the first store
  // shard; providers run on the push system's own threads (push/README.md).
  std::unique_ptr<push::PushSystem> push_system;
  if (config.push.enabled && backends->cluster && config.push.vapid_key_file.empty())
    log->warn("push.vapid_key_file is not set: this gateway hands out a VAPID key of its own; "
              "gateways and `parley worker push` must share one for Web Push to work");
  if (config.push.enabled) {
    auto devices = push::open_device_registry(
        config.push.devices_url.empty() && backends->cluster && !config.store_urls.empty()
            ? config.store_urls.front()
            : config.push.devices_url,
        config.data_dir);
    auto created = devices ? push::PushSystem::create(config.push, config.data_dir, std::move(*devices),
                                                      store, *backends->presence)
                           : Result<std::unique_ptr<push::PushSystem>>(devices.error());
    if (!created) {
      log->error("{}", created.error().message);
      return 2;
    }
    push_system = std::move(*created);
    rest_options.modules.push_back(&push_system->routes());
  }
  std::unique_ptr<eventlog::Consumer> push_consumer;
  if (push_system && event_log && !backends->cluster) {
    auto c = event_log->consume(
        "push", [p = push_system.get()](const eventlog::Event& e) { return p->stage(e); },
        [p = push_system.get()] { return p->flush(); });
    if (!c) {
      log->error("push consumer: {}", c.error().message);
      return 2;
    }
    push_consumer = std::move(c).value();
  }
  api::RestApi rest(chat, std::move(rest_options));
  gateway::Gateway gateway(ioc, chat, rest, gateway_options(config));

  auto bound = gateway.listen(config.listen_host, config.listen_port);
  if (!bound) {
    log->error("{}", bound.error().message);
    return 2;
  }
  std::string where = (bound->host.find(':') != std::string::npos ? "[" + bound->host + "]" : bound->host) +
                      ":" + std::to_string(bound->port);
  on_listening(where);
  log->info("{} mode: {}", backends->cluster ? "cluster" : "embedded", backends->describe);

  // Shutdown: stop accepting, let queued commits finish (their acks go
  // out), tell each client when to come back, close every socket with 1001.
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  bool stopping = false;
  std::function<void(const boost::system::error_code&, int)> on_signal;
  on_signal = [&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (stopping) {  // a second signal: leave now
      ioc.stop();
      return;
    }
    stopping = true;
    log->info("signal {}: draining", sig);
    gateway.stop_accepting();
    chat.stop_accepting_writes();
    committer.drain([&] {
      chat.announce_reconnect(config.reconnect_jitter_ms);
      gateway.close_all(1001, std::chrono::milliseconds(config.shutdown_grace_ms), [&] {
        chat.cancel_timers();
        gateway.stop_ticking();
        ioc.stop();
      });
    });
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);

  ioc.run();
  // Before the search routes and index go: a query may still run off the loop.
  chat.join_lanes();
  log->info("stopped");
  return 0;
}

}  // namespace parley::server
