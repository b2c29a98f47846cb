#pragma once
// Push settings: the "push" object of the config file (docs/protocol.md,
// "Push notifications"; every key optional).
#include <cstdint>
#include <string>

#include <boost/json/fwd.hpp>

#include "common/result.h"

namespace parley::push {

struct ApnsConfig {
  std::string base_url = "https://api.push.apple.com";  // sandbox: https://api.sandbox.push.apple.com
  std::string key_file;  // the .p8 signing key (PKCS#8 PEM); empty: APNs off
  std::string key_id;    // its 10-character key id (the JWT's kid)
  std::string team_id;   // the JWT's iss
  std::string topic;     // the app's bundle id (apns-topic)
};

struct FcmConfig {
  std::string base_url = "https://fcm.googleapis.com";
  std::string project_id;  // empty: FCM off
  // An OAuth 2 access token for the FCM scope, or a file holding one (read
  // again every minute, so a sidecar can refresh it). Minting it from a
  // service-account key is not built in.
  std::string access_token;
  std::string access_token_file;
};

struct PushConfig {
  bool enabled = true;
  // At most one push per (user, conversation) per window; later messages in
  // the window collapse into one push of the latest, sent when it ends.
  std::int64_t collapse_ms = 10'000;
  // Payloads carry ids only; true adds the first characters of the text.
  bool preview = false;
  std::size_t preview_chars = 100;
  std::size_t workers = 4;           // provider calls in flight at once
  std::size_t max_queue = 10'000;    // pushes waiting; beyond it new ones are dropped
  std::int64_t timeout_ms = 10'000;  // one provider request, connect to answer
  int max_attempts = 4;              // per device and push (5xx, 429, no answer)
  std::int64_t retry_base_ms = 1'000;  // doubled per attempt; Retry-After wins when longer
  std::int64_t ttl_s = 24 * 3600;      // how long a push service keeps an undelivered push
  // Lets devices register http://127.0.0.1 / localhost endpoints and lets
  // pushes connect to loopback. For tests with fake push services only.
  bool allow_loopback_http = false;
  // Where devices and mutes live: empty means <data_dir>/push.db (SQLite) in
  // embedded mode, the first store URL (PostgreSQL) in cluster mode.
  std::string devices_url;
  // Empty: <data_dir>/vapid_private.pem, created once. A cluster's gateways
  // and push workers must all use the same key file.
  std::string vapid_key_file;
  std::string vapid_subject = "mailto:admin@localhost";  // contact for push services
  ApnsConfig apns;
  FcmConfig fcm;
};

// Reads the "push" object over config; unknown keys are an error.
Status load_push_config(const boost::json::value& v, PushConfig& config);

}  // namespace parley::push
