#pragma once
// Every metric of the event log and the outbox relay, in one place.
#include "common/metrics.h"

namespace parley::eventlog::metric {

inline metrics::Gauge outbox_depth{
    "parley_outbox_depth",
    "outbox rows waiting to be published (every relay; a full read counts as its batch size)"};
inline metrics::Counter outbox_published{"parley_outbox_published_total",
                                         "events the relay handed to the event log"};
inline metrics::Counter outbox_failures{"parley_outbox_publish_failures_total",
                                        "relay rounds that failed (log or store) and were retried"};
inline metrics::Gauge eventlog_up{"parley_eventlog_up",
                                  "1 while the relay's last publish succeeded, else 0"};
inline metrics::Counter consumer_handled{"parley_eventlog_consumer_events_total",
                                         "events handled and acknowledged by consumers"};

}  // namespace parley::eventlog::metric
