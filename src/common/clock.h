#pragma once
#include <chrono>
#include <cstdint>

namespace parley {

// Wall-clock milliseconds since the epoch: timestamps shown to people.
// Never used for ordering; seq orders messages.
inline std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace parley
