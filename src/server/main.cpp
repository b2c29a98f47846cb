// parley: `serve` runs the chat server, `token` mints a JWT for a user.
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "auth/hs256.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/ids.h"
#include "server/bench_command.h"
#include "server/chat_command.h"
#include "worker/worker_command.h"
#include "server/config.h"
#include "server/duration.h"
#include "server/embedded_server.h"

namespace {

using parley::server::Config;

int fail(const std::string& message) {
  std::cerr << "parley: " << message << "\n";
  return 2;
}

// Flags and environment override the config file, which overrides defaults.
struct CommonFlags {
  std::string config_file, listen, data, jwt_secret, log_level, log_format;

  void add_to(CLI::App* cmd, bool with_listen) {
    cmd->add_option("--config", config_file, "JSON config file");
    if (with_listen) cmd->add_option("--listen", listen, "HOST:PORT to listen on (port 0: any free port)");
    cmd->add_option("--data", data, "data directory (default ./data)");
    cmd->add_option("--jwt-secret", jwt_secret, "HS256 secret (or env PARLEY_JWT_SECRET)");
    cmd->add_option("--log-level", log_level, "trace|debug|info|warn|error");
    cmd->add_option("--log-format", log_format, "text|json (json: one object per line)");
  }

  parley::Result<Config> resolve() const {
    Config c;
    if (!config_file.empty())
      if (auto s = parley::server::load_config_file(config_file, c); !s) return s.error();
    if (const char* env = std::getenv("PARLEY_JWT_SECRET"); env && *env) c.jwt_secret = env;
    if (!jwt_secret.empty()) c.jwt_secret = jwt_secret;
    if (!data.empty()) c.data_dir = data;
    if (!log_level.empty()) c.log_level = log_level;
    if (!log_format.empty()) c.log_format = log_format;
    if (!listen.empty())
      if (auto s = parley::server::parse_listen(listen, c); !s) return s.error();
    return c;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Parley: a real-time chat server"};
  app.require_subcommand(1);

  CommonFlags serve_flags;
  std::int64_t heartbeat_ms = -1, debounce_ms = -1, retransmit_ms = -1, max_replay = -1,
               jitter_ms = -1;
  auto* serve = app.add_subcommand("serve", "run the chat server (embedded mode, or a cluster gateway with --store/--bus/--presence)");
  serve_flags.add_to(serve, true);
  serve->add_option("--heartbeat-ms", heartbeat_ms, "WebSocket ping period (ms)");
  serve->add_option("--presence-debounce-ms", debounce_ms, "delay before a user is shown offline (ms)");
  serve->add_option("--retransmit-ms", retransmit_ms, "resend unacknowledged messages after (ms)");
  serve->add_option("--max-replay", max_replay, "most messages a sync replays per conversation");
  serve->add_option("--reconnect-jitter-ms", jitter_ms, "spread of reconnect hints on shutdown (ms)");
  std::int64_t max_connections_per_user = -1;
  serve->add_option("--max-connections-per-user", max_connections_per_user,
                    "WebSocket connections one user may hold on this gateway");
  std::string web_root;
  bool dev = false;
  serve->add_option("--web-root", web_root, "serve the web client from this folder (default: built in)");
  serve->add_flag("--dev", dev, "development sign-in: POST /api/dev/token gives anyone a token");
  std::string store_urls, bus_urls, presence_url, eventlog_url, gateway_id;
  std::string jwks_file, jwt_issuer, jwt_audience;
  serve->add_option("--jwks", jwks_file, "JWKS file of RS256/EdDSA public keys (tokens besides HS256)");
  serve->add_option("--jwt-issuer", jwt_issuer, "required iss claim of every token");
  serve->add_option("--jwt-audience", jwt_audience, "required aud claim of every token");
  serve->add_option("--store", store_urls, "cluster store: postgres://...[,postgres://...] (default: SQLite in --data)");
  serve->add_option("--bus", bus_urls, "cluster fan-out: redis://...[,redis://...] (default: in-process)");
  serve->add_option("--presence", presence_url, "cluster presence: redis://... (default: in-process)");
  serve->add_option("--eventlog", eventlog_url, "event log: nats://... (JetStream; default: in-process)");
  serve->add_option("--gateway-id", gateway_id, "this gateway's unique name in a cluster (default: host-pid-random)");

  CommonFlags token_flags;
  std::string user, ttl = "1h";
  auto* token = app.add_subcommand("token", "print an HS256 JWT for USER");
  token->add_option("user", user, "user id (the token's sub)")->required();
  token->add_option("--ttl", ttl, "lifetime: 90s, 30m, 1h, 7d (negative: already expired)");
  token_flags.add_to(token, false);

  parley::server::ChatCommand chat(app);
  parley::worker::WorkerCommand worker(app);
  parley::server::BenchCommand bench(app);

  CLI11_PARSE(app, argc, argv);

  if (chat.chosen()) return chat.run();
  if (worker.chosen()) return worker.run();
  if (bench.chosen()) return bench.run();

  if (*serve) {
    auto config = serve_flags.resolve();
    if (!config) return fail(config.error().message);
    if (heartbeat_ms >= 0) config->heartbeat_ms = heartbeat_ms;
    if (debounce_ms >= 0) config->presence_debounce_ms = debounce_ms;
    if (retransmit_ms >= 0) config->retransmit_ms = retransmit_ms;
    if (max_replay >= 0) config->max_replay = max_replay;
    if (jitter_ms >= 0) config->reconnect_jitter_ms = jitter_ms;
    if (max_connections_per_user >= 0)
      config->max_connections_per_user = static_cast<std::size_t>(max_connections_per_user);
    if (!web_root.empty()) config->web_root = web_root;
    if (dev) config->dev_mode = true;
    if (!store_urls.empty()) config->store_urls = parley::server::split_list(store_urls);
    if (!bus_urls.empty()) config->bus_urls = parley::server::split_list(bus_urls);
    if (!presence_url.empty()) config->presence_url = presence_url;
    if (!eventlog_url.empty()) config->eventlog_url = eventlog_url;
    if (!gateway_id.empty()) config->gateway_id = gateway_id;
    if (!jwks_file.empty()) config->jwks_file = jwks_file;
    if (!jwt_issuer.empty()) config->jwt_issuer = jwt_issuer;
    if (!jwt_audience.empty()) config->jwt_audience = jwt_audience;
    if (config->heartbeat_ms < 100) return fail("--heartbeat-ms must be at least 100");
    auto level = parley::parse_log_level(config->log_level);
    if (!level) return fail("--log-level must be trace, debug, info, warn, error, critical or off");
    auto format = parley::parse_log_format(config->log_format);
    if (!format) return fail("--log-format must be text or json");
    parley::configure_logging(*level, *format);
    return parley::server::run_embedded(*config, [](const std::string& where) {
      std::cout << "listening on " << where << std::endl;
    });
  }

  auto config = token_flags.resolve();
  if (!config) return fail(config.error().message);
  if (!parley::valid_user_id(user)) return fail("user id must be 1-128 characters of A-Za-z0-9_.@:-");
  auto seconds = parley::server::parse_duration_s(ttl);
  if (!seconds) return fail(seconds.error().message);
  auto secret = parley::server::resolve_jwt_secret(*config, /*create=*/false);
  if (!secret) return fail(secret.error().message);
  parley::auth::Claims claims;
  claims.sub = user;
  claims.iat = parley::now_ms() / 1000;
  claims.exp = claims.iat + *seconds;
  std::cout << parley::auth::sign_hs256(claims, *secret) << std::endl;
  return 0;
}
