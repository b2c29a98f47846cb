// The workers `parley worker NAME` knows. Adding one: a WorkerSpec from its
// component (a function returning it) and one line here, plus its library in
// worker/CMakeLists.txt.
#include "push/push_worker.h"
#include "search/search_worker.h"
#include "worker/events_file_worker.h"
#include "worker/worker_registry.h"

namespace parley::worker {

void register_builtin_workers(WorkerRegistry& r) {
  r.add(events_file_worker());
  r.add(search::search_worker());
  r.add(push::push_worker());
}

}  // namespace parley::worker
