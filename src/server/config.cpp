#include "server/config.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <boost/json/parse.hpp>

namespace parley::server {
namespace json = boost::json;

namespace {

template <class T>
Status read_number(const json::value& v, const char* key, T& out) {
  if (!v.is_int64() || v.get_int64() < 0)
    return make_error(Errc::bad_request, std::string("config: ") + key + " must be a non-negative integer");
  out = static_cast<T>(v.get_int64());
  return ok_status();
}

Status read_string(const json::value& v, const char* key, std::string& out) {
  if (!v.is_string()) return make_error(Errc::bad_request, std::string("config: ") + key + " must be a string");
  out = std::string(v.get_string());
  return ok_status();
}

// A list is a JSON array of strings or one comma-separated string.
Status read_list(const json::value& v, const char* key, std::vector<std::string>& out) {
  if (v.is_string()) {
    out = split_list(std::string(v.get_string()));
    return ok_status();
  }
  auto bad = make_error(Errc::bad_request, std::string("config: ") + key + " must be a string or an array of strings");
  if (!v.is_array()) return bad;
  out.clear();
  for (const auto& item : v.get_array()) {
    if (!item.is_string()) return bad;
    out.emplace_back(item.get_string());
  }
  return ok_status();
}

}  // namespace

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Status parse_listen(const std::string& text, Config& config) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return make_error(Errc::bad_request, "listen must be HOST:PORT");
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string port = text.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoi(port) > 65535)
    return make_error(Errc::bad_request, "listen port must be 0-65535");
  config.listen_host = host;
  config.listen_port = static_cast<std::uint16_t>(std::stoi(port));
  return ok_status();
}

Status load_config_file(const std::string& path, Config& config) {
  std::ifstream in(path);
  if (!in) return make_error(Errc::not_found, "cannot read config file " + path);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  auto doc = json::parse(text.str(), ec);
  if (ec || !doc.is_object()) return make_error(Errc::bad_request, "config file is not a JSON object");
  for (const auto& [key, v] : doc.get_object()) {
    Status s = ok_status();
    if (key == "listen") {
      std::string l;
      s = read_string(v, "listen", l);
      if (s) s = parse_listen(l, config);
    } else if (key == "data") s = read_string(v, "data", config.data_dir);
    else if (key == "jwt_secret") s = read_string(v, "jwt_secret", config.jwt_secret);
    else if (key == "log_level") s = read_string(v, "log_level", config.log_level);
    else if (key == "log_format") s = read_string(v, "log_format", config.log_format);
    else if (key == "web_root") s = read_string(v, "web_root", config.web_root);
    else if (key == "allowed_origins") {
      if (!v.is_array()) s = make_error(Errc::bad_request, "config: allowed_origins must be an array of strings");
      for (const auto& o : v.is_array() ? v.get_array() : json::array{}) {
        if (!o.is_string()) s = make_error(Errc::bad_request, "config: allowed_origins must be an array of strings");
        else config.allowed_origins.emplace_back(o.get_string());
      }
    } else if (key == "dev") {
      if (!v.is_bool()) s = make_error(Errc::bad_request, "config: dev must be true or false");
      else config.dev_mode = v.get_bool();
    }
    else if (key == "heartbeat_ms") s = read_number(v, "heartbeat_ms", config.heartbeat_ms);
    else if (key == "presence_debounce_ms") s = read_number(v, "presence_debounce_ms", config.presence_debounce_ms);
    else if (key == "typing_interval_ms") s = read_number(v, "typing_interval_ms", config.typing_interval_ms);
    else if (key == "shutdown_grace_ms") s = read_number(v, "shutdown_grace_ms", config.shutdown_grace_ms);
    else if (key == "max_frame_bytes") s = read_number(v, "max_frame_bytes", config.max_frame_bytes);
    else if (key == "max_content_bytes") s = read_number(v, "max_content_bytes", config.max_content_bytes);
    else if (key == "max_body_bytes") s = read_number(v, "max_body_bytes", config.max_body_bytes);
    else if (key == "media_dir") s = read_string(v, "media_dir", config.media_dir);
    else if (key == "max_media_bytes") s = read_number(v, "max_media_bytes", config.max_media_bytes);
    else if (key == "max_group_members") s = read_number(v, "max_group_members", config.max_group_members);
    else if (key == "max_queue_frames") s = read_number(v, "max_queue_frames", config.max_queue_frames);
    else if (key == "max_queue_bytes") s = read_number(v, "max_queue_bytes", config.max_queue_bytes);
    else if (key == "commit_batch") s = read_number(v, "commit_batch", config.commit_batch);
    else if (key == "reconnect_jitter_ms") s = read_number(v, "reconnect_jitter_ms", config.reconnect_jitter_ms);
    else if (key == "retransmit_ms") s = read_number(v, "retransmit_ms", config.retransmit_ms);
    else if (key == "max_replay") s = read_number(v, "max_replay", config.max_replay);
    else if (key == "max_unacked") s = read_number(v, "max_unacked", config.max_unacked);
    else if (key == "store") s = read_list(v, "store", config.store_urls);
    else if (key == "bus") s = read_list(v, "bus", config.bus_urls);
    else if (key == "presence") s = read_string(v, "presence", config.presence_url);
    else if (key == "eventlog") s = read_string(v, "eventlog", config.eventlog_url);
    else if (key == "search") s = read_string(v, "search", config.search_url);
    else if (key == "gateway_id") s = read_string(v, "gateway_id", config.gateway_id);
    else if (key == "reorder_window_ms") s = read_number(v, "reorder_window_ms", config.reorder_window_ms);
    else if (key == "membership_ttl_ms") s = read_number(v, "membership_ttl_ms", config.membership_ttl_ms);
    else if (key == "jwks_file") s = read_string(v, "jwks_file", config.jwks_file);
    else if (key == "jwt_issuer") s = read_string(v, "jwt_issuer", config.jwt_issuer);
    else if (key == "jwt_audience") s = read_string(v, "jwt_audience", config.jwt_audience);
    else if (key == "max_connections_per_user") s = read_number(v, "max_connections_per_user", config.max_connections_per_user);
    else if (key == "user_sends_per_minute") s = read_number(v, "user_sends_per_minute", config.user_sends_per_minute);
    else if (key == "user_send_burst") s = read_number(v, "user_send_burst", config.user_send_burst);
    else if (key == "conversation_sends_per_minute") s = read_number(v, "conversation_sends_per_minute", config.conversation_sends_per_minute);
    else if (key == "conversation_send_burst") s = read_number(v, "conversation_send_burst", config.conversation_send_burst);
    else if (key == "handshake_timeout_ms") s = read_number(v, "handshake_timeout_ms", config.handshake_timeout_ms);
    else if (key == "http_idle_timeout_ms") s = read_number(v, "http_idle_timeout_ms", config.http_idle_timeout_ms);
    else if (key == "push") s = push::load_push_config(v, config.push);
    else s = make_error(Errc::bad_request, "config: unknown key " + std::string(key));
    if (!s) return s;
  }
  return ok_status();
}

Result<std::string> resolve_jwt_secret(const Config& config, bool create) {
  if (!config.jwt_secret.empty()) return config.jwt_secret;
  namespace fs = std::filesystem;
  fs::path file = fs::path(config.data_dir) / "jwt_secret";
  if (std::ifstream in(file); in) {
    std::string secret;
    std::getline(in, secret);
    if (!secret.empty()) return secret;
  }
  if (!create)
    return make_error(Errc::not_found, "no JWT secret: pass --jwt-secret, set PARLEY_JWT_SECRET, or run `parley serve` once with this --data");
  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  std::random_device rd;
  static constexpr char hex[] = "0123456789abcdef";
  std::string secret;
  for (int i = 0; i < 64; ++i) secret.push_back(hex[rd() & 0xf]);
  {
    std::ofstream out(file, std::ios::trunc);
    if (!out) return make_error(Errc::internal, "cannot write " + file.string());
    out << secret << "\n";
  }
  ::chmod(file.c_str(), 0600);
  return secret;
}

}  // namespace parley::server
