#pragma once
// Configuration of `parley serve`: defaults, then the config file (JSON),
// then command-line flags and the environment, each overriding the last.
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "push/push_config.h"

namespace parley::server {

struct Config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string data_dir = "./data";
  std::string jwt_secret;  // empty: read or create <data_dir>/jwt_secret
  std::string log_level = "info";
  std::string log_format = "text";  // "text" | "json" (one object per line)
  std::string web_root;    // empty: the web client compiled into the binary
  bool dev_mode = false;
  std::vector<std::string> allowed_origins;  // browser origins besides the server's own   // POST /api/dev/token signs anyone in: never in production

  std::int64_t heartbeat_ms = 25'000;
  std::int64_t presence_debounce_ms = 5'000;
  std::int64_t typing_interval_ms = 3'000;
  std::int64_t shutdown_grace_ms = 5'000;
  std::int64_t reconnect_jitter_ms = 5'000;  // spread of the drain's reconnect hints
  std::int64_t retransmit_ms = 10'000;
  std::int64_t max_replay = 1000;
  std::size_t max_unacked = 4096;
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t max_content_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  // Media (media/README.md): uploads up to max_media_bytes, kept in media_dir
  // (empty: <data_dir>/media; in cluster mode a folder every gateway shares).
  std::string media_dir;
  std::size_t max_media_bytes = 25 * 1024 * 1024;
  std::size_t max_group_members = 10'000;
  std::size_t max_queue_frames = 4096;
  std::size_t max_queue_bytes = 8 * 1024 * 1024;
  std::size_t commit_batch = 512;

  // Tokens besides HS256 (docs/protocol.md "Authentication").
  std::string jwks_file;     // RS256/EdDSA public keys (JWKS); empty: HS256 only
  std::string jwt_issuer;    // required `iss` when set
  std::string jwt_audience;  // required in `aud` when set

  // Limits against abuse (docs/protocol.md "Limits"); 0 turns one off.
  std::size_t max_connections_per_user = 20;
  std::int64_t user_sends_per_minute = 0;  // token bucket per sender
  std::int64_t user_send_burst = 60;
  std::int64_t conversation_sends_per_minute = 0;  // token bucket per conversation
  std::int64_t conversation_send_burst = 300;
  std::int64_t handshake_timeout_ms = 10'000;  // a request's headers must arrive within this
  std::int64_t http_idle_timeout_ms = 30'000;  // an idle keep-alive connection closes after this

  // Cluster mode: each empty means the embedded backend (server/backends.h).
  std::vector<std::string> store_urls;  // postgres:// shards; order names them
  std::vector<std::string> bus_urls;    // redis:// nodes for pub/sub fan-out
  std::string presence_url;             // redis:// for presence and sessions
  std::string eventlog_url;             // nats:// (JetStream); empty: in-process
  // Search index (search/open_search_index.h): empty means <data_dir>/search.db
  // in embedded mode, the first store URL (PostgreSQL) in cluster mode.
  std::string search_url;
  std::string gateway_id;               // unique per process; empty: host-pid-random
  std::int64_t reorder_window_ms = 50;  // wait this long for a missing seq from another gateway
  std::int64_t membership_ttl_ms = 0;   // 0: cached until invalidated (cluster default 10 s)
  push::PushConfig push;                // the "push" object (push/push_config.h)
};

// "a,b,c" -> {"a","b","c"}, empty items dropped.
std::vector<std::string> split_list(const std::string& text);

// Reads a JSON config file over `config` (unknown keys are an error, so a
// typo does not pass silently).
Status load_config_file(const std::string& path, Config& config);

// "HOST:PORT" (or "[v6]:PORT") into the config.
Status parse_listen(const std::string& text, Config& config);

// The secret to sign and verify tokens with: the configured one, else the
// one kept in <data_dir>/jwt_secret, created (0600) when create is true.
Result<std::string> resolve_jwt_secret(const Config& config, bool create);

}  // namespace parley::server
