#pragma once
// The workers `parley worker NAME` can run: each is a durable consumer of the
// event log (eventlog/event_log.h) whose handler a factory builds from what
// handlers need. Registering one is one line in worker/builtin_workers.cpp.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "eventlog/event_log.h"
#include "store/store.h"

namespace parley::worker {

// What a handler may use. Everything outlives the handler.
struct WorkerContext {
  std::string name;                          // the worker's (and consumer's) name
  eventlog::EventLog& log;
  store::Store* store = nullptr;             // null unless --store was given
  std::string data_dir;                      // --data
  std::string file;                          // --file (e.g. events-file's output)
  std::map<std::string, std::string> params;  // --param key=value
  // Set by a factory whose handler batches its writes: the consumer calls it
  // before it acknowledges what was handled (eventlog::Flush).
  eventlog::Flush flush;
};

// Builds the handler; an Error is a misconfiguration (exit code 2). A handler
// returning an error gets the same event again later (at-least-once); it is
// called on the consumer's thread, one event at a time.
using HandlerFactory = std::function<Result<eventlog::Handler>(WorkerContext&)>;

struct WorkerSpec {
  std::string name;  // also the durable consumer's name: letters, digits, - and _
  std::string description;
  HandlerFactory make;
};

class WorkerRegistry {
 public:
  // Every built-in worker registered (builtin_workers.cpp).
  static const WorkerRegistry& builtin();

  // false when the name is taken.
  bool add(WorkerSpec spec);
  const WorkerSpec* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, WorkerSpec> specs_;
};

// Registers the built-in workers into r: the one place that lists them.
void register_builtin_workers(WorkerRegistry& r);

}  // namespace parley::worker
