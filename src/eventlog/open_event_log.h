#pragma once
// The event log a URL names:
//   nats://host:port[,nats://...]  JetStream (cluster mode)
//   local | empty                  LocalEventLog at <data_dir>/events.db (embedded mode)
//   file:PATH                      LocalEventLog at PATH
//   memory                         MemoryEventLog (tests; nothing survives the process)
// Anything else is refused (internal: a misconfiguration, found at start-up).
#include <memory>
#include <string>

#include "common/result.h"
#include "eventlog/event_log.h"

namespace parley::eventlog {

Result<std::unique_ptr<EventLog>> open_event_log(const std::string& url,
                                                 const std::string& data_dir);

}  // namespace parley::eventlog
