#include "push/device_request.h"

#include <boost/json/parse.hpp>

#include "auth/base64url.h"
#include "push/ec_key.h"

namespace parley::push {
namespace json = boost::json;

namespace {

Error bad(std::string message) { return make_error(Errc::bad_request, std::move(message)); }

const json::string* string_at(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? &v->get_string() : nullptr;
}

Status webpush_keys(const json::object& body, Device& d) {
  auto* keys = body.if_contains("keys");
  if (!keys || !keys->is_object())
    return bad("keys must be an object {p256dh, auth} for webpush (PushSubscription.toJSON().keys)");
  auto* p256dh = string_at(keys->get_object(), "p256dh");
  auto* auth_secret = string_at(keys->get_object(), "auth");
  if (!p256dh) return bad("keys.p256dh must be a string");
  if (!auth_secret) return bad("keys.auth must be a string");
  auto point = auth::base64url_decode(std::string_view(*p256dh));
  if (!point || !EcKey::from_public(*point))
    return bad("keys.p256dh must be a base64url P-256 public key (65 bytes, uncompressed)");
  auto secret = auth::base64url_decode(std::string_view(*auth_secret));
  if (!secret || secret->size() != 16) return bad("keys.auth must be 16 bytes, base64url");
  // Stored canonical (unpadded), whatever padding the client sent.
  d.p256dh = auth::base64url_encode(*point);
  d.auth = auth::base64url_encode(*secret);
  return ok_status();
}

Status token_of(const json::object& body, Device& d) {
  auto* token = string_at(body, "token");
  if (!token || token->empty()) return bad("token must be a non-empty string for this platform");
  if (token->size() > 4096) return bad("token is longer than 4096 characters");
  for (char c : *token)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '/' || c == '?' || c == '#')
      return bad("token must not contain spaces, control characters, '/', '?' or '#'");
  if (d.platform == Platform::apns &&
      token->find_first_not_of("0123456789abcdefABCDEF") != json::string::npos)
    return bad("token must be the APNs device token in hex");
  d.token = std::string(*token);
  return ok_status();
}

}  // namespace

Result<Device> parse_device_request(std::string_view text, const EndpointPolicy& policy,
                                    bool webpush_enabled) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) return bad("body is not valid JSON");
  if (!v.is_object()) return bad("body must be a JSON object");
  const auto& body = v.get_object();
  auto* platform = string_at(body, "platform");
  auto parsed = platform ? parse_platform(std::string_view(*platform)) : std::nullopt;
  if (!parsed) return bad("platform must be one of webpush, unifiedpush, apns, fcm");
  Device d;
  d.platform = *parsed;
  if (d.platform == Platform::apns || d.platform == Platform::fcm) {
    if (auto s = token_of(body, d); !s) return s.error();
    return d;
  }
  if (d.platform == Platform::webpush && !webpush_enabled)
    return bad("webpush is not enabled on this server");
  auto* endpoint = string_at(body, "endpoint");
  if (!endpoint || endpoint->empty()) return bad("endpoint must be a URL string for this platform");
  if (auto s = check_endpoint_url(std::string_view(*endpoint), policy); !s) return s.error();
  d.endpoint = std::string(*endpoint);
  if (d.platform == Platform::webpush)
    if (auto s = webpush_keys(body, d); !s) return s.error();
  return d;
}

}  // namespace parley::push
