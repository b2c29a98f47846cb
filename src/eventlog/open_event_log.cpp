#include "eventlog/open_event_log.h"

#include <filesystem>

#include "eventlog/jetstream/jetstream_event_log.h"
#include "eventlog/local/local_event_log.h"
#include "eventlog/memory/memory_event_log.h"

namespace parley::eventlog {

namespace {

template <class T>
Result<std::unique_ptr<EventLog>> widen(Result<std::unique_ptr<T>> r) {
  if (!r) return std::move(r).error();
  return std::unique_ptr<EventLog>(std::move(r).value());
}

}  // namespace

Result<std::unique_ptr<EventLog>> open_event_log(const std::string& url,
                                                 const std::string& data_dir) {
  if (url.starts_with("nats://") || url.starts_with("tls://")) {
    return widen(JetStreamEventLog::open(url));
  }
  if (url.empty() || url == "local") {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    return widen(LocalEventLog::open((std::filesystem::path(data_dir) / "events.db").string()));
  }
  if (url.starts_with("file:")) return widen(LocalEventLog::open(url.substr(5)));
  if (url == "memory") return std::unique_ptr<EventLog>(std::make_unique<MemoryEventLog>());
  return make_error(Errc::internal, "unknown event log URL (want nats://, local, file:PATH or memory)");
}

}  // namespace parley::eventlog
