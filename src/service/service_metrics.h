#pragma once
// Every metric of the chat service, in one place.
#include "common/metrics.h"

namespace parley::service::metric {

inline metrics::Counter sends{"parley_sends_total", "messages committed (acks sent, duplicates excluded)"};
inline metrics::Counter duplicate_sends{"parley_duplicate_sends_total",
                                        "sends answered with the original ack"};
inline metrics::Counter deliveries{"parley_deliveries_total", "message frames queued to devices"};
inline metrics::Counter retransmits{"parley_retransmits_total", "message frames sent again"};
inline metrics::Counter replayed{"parley_sync_replayed_total", "message frames replayed by sync"};
inline metrics::Counter write_refusals{"parley_write_refusals_total",
                                       "writes refused: queue full or shutting down"};
inline metrics::Histogram send_to_deliver{
    "parley_send_to_deliver_seconds",
    "from a send frame's arrival to its message queued on every local device"};
inline metrics::Histogram commit_latency{"parley_store_commit_seconds",
                                         "one group commit (a batch) in the store"};
inline metrics::Gauge commit_queue{"parley_commit_queue_depth", "writes waiting for the store"};
inline metrics::Counter commit_batches{"parley_commit_batches_total", "group commits"};
inline metrics::Counter catch_ups{
    "parley_catch_ups_total",
    "conversations where a new subscriber's device was sent messages that live fan-out missed"};
inline metrics::Counter reorder_gaps{
    "parley_reorder_gaps_total",
    "times a conversation's messages went out after the reorder window with a seq still missing"};
inline metrics::Counter fan_out_unread{
    "parley_fan_out_unread_total",
    "messages not fanned out here because the conversation's members could not be read"};

}  // namespace parley::service::metric
