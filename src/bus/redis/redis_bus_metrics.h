#pragma once
// Every metric of the Redis bus, in one place.
#include "common/metrics.h"

namespace parley::bus::metric {

inline metrics::Counter redis_publish_dropped{
    "parley_bus_redis_publish_dropped_total",
    "envelopes dropped because a node's publish queue was full (clients repair by seq)"};
inline metrics::Counter redis_bad_payloads{"parley_bus_redis_bad_payloads_total",
                                           "pub/sub payloads that did not decode"};
inline metrics::Counter redis_error_replies{"parley_bus_redis_error_replies_total",
                                            "error replies from Redis to bus commands"};

}  // namespace parley::bus::metric
