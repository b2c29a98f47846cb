#include "fault_report.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace parley::fault_test {

namespace {

std::string field(const char* name, std::int64_t v) {
  return std::string(",\"") + name + "\":" + std::to_string(v);
}

std::string report_path() {
  const char* env = std::getenv("PARLEY_FAULT_REPORT");
  return env && *env ? env : PARLEY_FAULT_REPORT_DEFAULT;
}

}  // namespace

std::string to_json_line(const Outcome& o) {
  // Scenario and target are our own identifiers (no quotes or backslashes).
  auto unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  return "{\"scenario\":\"" + o.scenario + "\",\"target\":\"" + o.target + "\"" +
         field("sent", o.sent) + field("acked", o.acked) + field("never_acked", o.never_acked) +
         field("refused", o.refused) + field("lost", o.lost) + field("duplicates", o.duplicates) +
         field("order_violations", o.order_violations) + field("outage_ms", o.outage_ms) +
         field("recovery_ms", o.recovery_ms) + field("tail_probes", o.tail_probes) +
         field("stream_missing", o.stream_missing) +
         field("stream_duplicates", o.stream_duplicates) +
         field("stream_order_violations", o.stream_order_violations) + field("at_ms", unix_ms) +
         "}";
}

void report(const Outcome& o) {
  auto path = report_path();
  std::ofstream(path, std::ios::app) << to_json_line(o) << "\n";
  static bool header = false;
  char row[256];
  if (!header) {
    std::snprintf(row, sizeof row, "%-16s %-18s %6s %6s %5s %7s %4s %4s %5s %8s %8s %6s %6s\n",
                  "scenario", "target", "sent", "acked", "unack", "refused", "lost", "dup",
                  "order", "outage", "recovery", "probes", "stream");
    std::cout << "fault report -> " << path << "\n" << row;
    header = true;
  }
  std::string stream = o.stream_missing < 0 ? "-"
                       : (o.stream_missing == 0 && o.stream_duplicates == 0 &&
                          o.stream_order_violations == 0)
                           ? "ok"
                           : "BAD";
  std::snprintf(row, sizeof row, "%-16s %-18s %6lld %6lld %5lld %7lld %4lld %4lld %5lld %6lldms %6lldms %6lld %6s\n",
                o.scenario.c_str(), o.target.c_str(), static_cast<long long>(o.sent),
                static_cast<long long>(o.acked), static_cast<long long>(o.never_acked),
                static_cast<long long>(o.refused), static_cast<long long>(o.lost),
                static_cast<long long>(o.duplicates), static_cast<long long>(o.order_violations),
                static_cast<long long>(o.outage_ms), static_cast<long long>(o.recovery_ms),
                static_cast<long long>(o.tail_probes), stream.c_str());
  std::cout << row << std::flush;
}

}  // namespace parley::fault_test
