#pragma once
// Configuration of `parley serve`: defaults, then the config file (JSON),
// then command-line flags and the environment, each overriding the last.
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace parley::server {

struct Config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string data_dir = "./data";
  std::string jwt_secret;  // empty: read or create <data_dir>/jwt_secret
  std::string log_level = "info";
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
  std::size_t max_group_members = 10'000;
  std::size_t max_queue_frames = 4096;
  std::size_t max_queue_bytes = 8 * 1024 * 1024;
  std::size_t commit_batch = 512;
};

// Reads a JSON config file over `config` (unknown keys are an error, so a
// typo does not pass silently).
Status load_config_file(const std::string& path, Config& config);

// "HOST:PORT" (or "[v6]:PORT") into the config.
Status parse_listen(const std::string& text, Config& config);

// The secret to sign and verify tokens with: the configured one, else the
// one kept in <data_dir>/jwt_secret, created (0600) when create is true.
Result<std::string> resolve_jwt_secret(const Config& config, bool create);

}  // namespace parley::server
