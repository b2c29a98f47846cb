#pragma once
// VAPID (RFC 8292): the application server's identity towards Web Push
// services. One P-256 key pair for the deployment, made once and kept (the
// browsers' subscriptions are bound to its public key: a new key orphans
// every subscription).
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "push/ec_key.h"

namespace parley::push {

// The key in the PEM file at path; generated and written (0600) when the
// file does not exist yet. Several gateways of a cluster must share the
// file (or its contents through config); processes creating it at once all
// end up with the one key that was written.
Result<EcKey> load_or_create_vapid_key(const std::string& path);

// "scheme://host[:port]" of an endpoint URL: the JWT's audience.
std::string url_origin(std::string_view url);

// The Authorization header value: "vapid t=<JWT>, k=<public key>", the JWT
// with aud = the endpoint's origin, exp = now + 12 h, sub = subject
// (a mailto: or https: contact for the push service's operators).
Result<std::string> vapid_authorization(const EcKey& key, std::string_view endpoint,
                                        std::string_view subject, std::int64_t now_s);

}  // namespace parley::push
