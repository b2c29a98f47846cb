#include "common/thread_name.h"

#include <pthread.h>

#include <string>

namespace parley {

void name_this_thread(std::string_view name) noexcept {
  std::string cut(name.substr(0, 15));
  pthread_setname_np(pthread_self(), cut.c_str());  // best effort: a name is a debugging aid
}

}  // namespace parley
