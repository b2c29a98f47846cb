#include "common/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace parley {

void make_this_thread_background() noexcept {
  // On Linux the nice value belongs to the thread (the task), not the
  // process: this lowers only the caller, and threads it starts inherit it.
  auto tid = static_cast<id_t>(syscall(SYS_gettid));
  errno = 0;
  int now = getpriority(PRIO_PROCESS, tid);
  if (now == -1 && errno != 0) return;
  setpriority(PRIO_PROCESS, tid, std::min(19, now + kBackgroundNiceIncrement));
}

}  // namespace parley
