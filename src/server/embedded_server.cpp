#include "server/embedded_server.h"

#include <csignal>
#include <filesystem>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "api/rest_api.h"
#include "auth/hs256.h"
#include "bus/local/local_bus.h"
#include "common/clock.h"
#include "common/log.h"
#include "gateway/gateway.h"
#include "presence/local/local_presence.h"
#include "service/chat_service.h"
#include "service/group_committer.h"
#include "store/sqlite/sqlite_store.h"

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
  return o;
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
  auto db_path = (std::filesystem::path(config.data_dir) / "parley.db").string();
  auto store = store::SqliteStore::open(db_path);
  if (!store) {
    log->error("cannot open store {}: {}", db_path, store.error().message);
    return 2;
  }

  net::io_context ioc(1);
  bus::LocalBus bus;
  presence::LocalPresence presence;
  auth::Hs256Verifier verifier(*secret);
  service::GroupCommitter committer(**store, ioc.get_executor(), {config.commit_batch, 100'000});
  service::ChatService chat(ioc.get_executor(), {**store, bus, presence, committer, verifier},
                            service_options(config));
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
  log->info("embedded mode, data in {}", config.data_dir);

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
  log->info("stopped");
  return 0;
}

}  // namespace parley::server
