#pragma once
// Every metric of push, in one place.
#include "common/metrics.h"

namespace parley::push::metric {

inline metrics::Counter sent{"parley_push_sent_total", "pushes a provider accepted (per device)"};
inline metrics::Counter failed{"parley_push_failed_total",
                               "pushes given up: refused, out of attempts, or unreadable device"};
inline metrics::Counter dropped{"parley_push_dropped_total",
                                "pushes not queued: queue full or no provider for the platform"};
inline metrics::Counter collapsed{"parley_push_collapsed_total",
                                  "messages folded into a push already waiting (same user and conversation)"};
inline metrics::Counter muted{"parley_push_muted_total", "pushes skipped: conversation muted"};
inline metrics::Counter retries{"parley_push_retries_total", "provider calls scheduled again (5xx, 429, no answer)"};
inline metrics::Counter gone{"parley_push_gone_total", "devices removed because their provider said gone"};
inline metrics::Gauge queued{"parley_push_queue_depth", "pushes and provider calls waiting"};
inline metrics::Histogram request_latency{"parley_push_request_seconds", "one provider request"};

}  // namespace parley::push::metric
