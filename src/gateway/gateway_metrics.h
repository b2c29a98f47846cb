#pragma once
// Every metric of the network layer, in one place (docs/operations: /metrics).
#include "common/metrics.h"

namespace parley::gateway::metric {

inline metrics::Gauge connections_open{"parley_ws_connections", "open WebSocket connections"};
inline metrics::Counter connections_total{"parley_ws_connections_total",
                                          "WebSocket connections accepted"};
inline metrics::Counter frames_in{"parley_ws_frames_in_total", "text frames received"};
inline metrics::Counter frames_out{"parley_ws_frames_out_total", "frames written"};
inline metrics::Counter writes{"parley_ws_writes_total",
                               "gathered socket writes (frames_out / writes = coalescing)"};
inline metrics::Counter slow_disconnects{"parley_slow_client_disconnects_total",
                                         "connections closed with 4008 (queue overflow)"};
inline metrics::Counter protocol_errors{"parley_ws_protocol_errors_total",
                                        "connections closed for a framing error or an oversized frame"};
inline metrics::Counter auth_failures{"parley_auth_failures_total",
                                      "upgrades refused for a missing or bad token"};
inline metrics::Counter http_requests{"parley_http_requests_total", "HTTP requests (not upgrades)"};

}  // namespace parley::gateway::metric
