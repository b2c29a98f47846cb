#pragma once
// What one fault scenario measured, and where it is written: one JSON line
// per scenario appended to $PARLEY_FAULT_REPORT (default: the build
// directory's fault_report.jsonl) and one row of a table on stdout, so runs
// can be collected into docs/reliability.md.
#include <cstdint>
#include <string>

namespace parley::fault_test {

struct Outcome {
  std::string scenario;  // e.g. "redis_kill9"
  std::string target;    // what was hit, e.g. "gateway 1", "redis :56379"
  std::int64_t sent = 0;         // sends issued (load and tail probes)
  std::int64_t acked = 0;        // sends the server acknowledged
  std::int64_t never_acked = 0;  // sends still unacknowledged at the end
  std::int64_t refused = 0;      // errors the clients got for sends (retried)
  std::int64_t lost = 0;         // acked messages missing from a member or from history
  std::int64_t duplicates = 0;   // deliveries (after client de-dup) or rows of one send, repeated
  std::int64_t order_violations = 0;  // a member's seqs not strictly increasing
  std::int64_t outage_ms = 0;    // fault injected -> heal done (service back)
  std::int64_t recovery_ms = -1;  // heal done -> every earlier send acked and at every member
  std::int64_t tail_probes = 0;  // messages sent after the load to reveal trailing gaps
  // Event log scenarios: the JetStream stream against the store (-1: not checked).
  std::int64_t stream_missing = -1;
  std::int64_t stream_duplicates = -1;
  std::int64_t stream_order_violations = -1;
};

std::string to_json_line(const Outcome& o);
// Appends to the report file; prints the table header once per process and the row.
void report(const Outcome& o);

}  // namespace parley::fault_test
