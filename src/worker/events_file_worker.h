#pragma once
// The `events-file` worker: appends each event once, as one JSON line
// (eventlog/event_codec.h), to the file given by --file. Idempotent by event
// id across redeliveries and restarts: the ids already in the file are read
// at start. Each line is flushed to disk (fdatasync) before the event is
// acknowledged, so an acknowledged event is in the file. What it is for:
// proving, in tests and audits, that the log carries exactly the committed
// events in per-conversation order.
#include <cstdio>
#include <set>
#include <string>

#include "common/result.h"
#include "eventlog/event_log.h"
#include "worker/worker_registry.h"

namespace parley::worker {

class EventsFile {
 public:
  // Opens (creates) path for appending and loads the ids it holds. A last
  // line cut short by a crash is ignored (its event comes again).
  static Result<std::unique_ptr<EventsFile>> open(const std::string& path);
  ~EventsFile();
  EventsFile(const EventsFile&) = delete;
  EventsFile& operator=(const EventsFile&) = delete;

  Status append(const eventlog::Event& e);
  std::size_t size() const { return ids_.size(); }

 private:
  explicit EventsFile(std::FILE* f) : f_(f) {}
  std::FILE* f_;
  std::set<std::string, std::less<>> ids_;
};

WorkerSpec events_file_worker();

}  // namespace parley::worker
