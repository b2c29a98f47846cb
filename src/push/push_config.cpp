#include "push/push_config.h"

#include <boost/json/value.hpp>

namespace parley::push {
namespace json = boost::json;

namespace {

Error bad(const std::string& key, const char* what) {
  return make_error(Errc::bad_request, "config: push." + key + " must be " + what);
}

template <class T>
Status number(const json::value& v, const std::string& key, T& out) {
  if (!v.is_int64() || v.get_int64() < 0) return bad(key, "a non-negative integer");
  out = static_cast<T>(v.get_int64());
  return ok_status();
}

Status string(const json::value& v, const std::string& key, std::string& out) {
  if (!v.is_string()) return bad(key, "a string");
  out = std::string(v.get_string());
  return ok_status();
}

Status boolean(const json::value& v, const std::string& key, bool& out) {
  if (!v.is_bool()) return bad(key, "true or false");
  out = v.get_bool();
  return ok_status();
}

Status apns(const json::value& v, ApnsConfig& c) {
  if (!v.is_object()) return bad("apns", "an object");
  for (const auto& [k, x] : v.get_object()) {
    std::string key = "apns." + std::string(k);
    Status s = k == "base_url"   ? string(x, key, c.base_url)
               : k == "key_file" ? string(x, key, c.key_file)
               : k == "key_id"   ? string(x, key, c.key_id)
               : k == "team_id"  ? string(x, key, c.team_id)
               : k == "topic"    ? string(x, key, c.topic)
                                 : Status(make_error(Errc::bad_request, "config: unknown key push." + key));
    if (!s) return s;
  }
  return ok_status();
}

Status fcm(const json::value& v, FcmConfig& c) {
  if (!v.is_object()) return bad("fcm", "an object");
  for (const auto& [k, x] : v.get_object()) {
    std::string key = "fcm." + std::string(k);
    Status s = k == "base_url"            ? string(x, key, c.base_url)
               : k == "project_id"        ? string(x, key, c.project_id)
               : k == "access_token"      ? string(x, key, c.access_token)
               : k == "access_token_file" ? string(x, key, c.access_token_file)
                                          : Status(make_error(Errc::bad_request, "config: unknown key push." + key));
    if (!s) return s;
  }
  return ok_status();
}

}  // namespace

Status load_push_config(const json::value& v, PushConfig& c) {
  if (!v.is_object()) return make_error(Errc::bad_request, "config: push must be an object");
  for (const auto& [k, x] : v.get_object()) {
    std::string key(k);
    Status s = ok_status();
    if (key == "enabled") s = boolean(x, key, c.enabled);
    else if (key == "collapse_ms") s = number(x, key, c.collapse_ms);
    else if (key == "preview") s = boolean(x, key, c.preview);
    else if (key == "preview_chars") s = number(x, key, c.preview_chars);
    else if (key == "workers") s = number(x, key, c.workers);
    else if (key == "max_queue") s = number(x, key, c.max_queue);
    else if (key == "timeout_ms") s = number(x, key, c.timeout_ms);
    else if (key == "max_attempts") s = number(x, key, c.max_attempts);
    else if (key == "retry_base_ms") s = number(x, key, c.retry_base_ms);
    else if (key == "ttl_s") s = number(x, key, c.ttl_s);
    else if (key == "allow_loopback_http") s = boolean(x, key, c.allow_loopback_http);
    else if (key == "devices_url") s = string(x, key, c.devices_url);
    else if (key == "vapid_key_file") s = string(x, key, c.vapid_key_file);
    else if (key == "vapid_subject") s = string(x, key, c.vapid_subject);
    else if (key == "apns") s = apns(x, c.apns);
    else if (key == "fcm") s = fcm(x, c.fcm);
    else s = make_error(Errc::bad_request, "config: unknown key push." + key);
    if (!s) return s;
  }
  if (c.workers == 0) return bad("workers", "at least 1");
  if (c.max_attempts < 1) return bad("max_attempts", "at least 1");
  return ok_status();
}

}  // namespace parley::push
