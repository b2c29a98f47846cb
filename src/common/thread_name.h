#pragma once
#include <string_view>

namespace parley {

// Names the calling thread for `top -H`, perf and gdb ("parley" otherwise for
// every thread). Linux keeps 15 characters; longer names are cut.
void name_this_thread(std::string_view name) noexcept;

}  // namespace parley
