#pragma once
// FUZZ_CHECK: an invariant a fuzz target asserts. Unlike assert() it stays on
// in every build type and prints what broke before aborting, so libFuzzer
// saves the input as a crash.
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                              \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

#include <string_view>

// A token part that could be real: 16 or more base64url characters. Shorter
// or other text may match the fixed words of an error reason by chance (the
// fuzzer copies them in), which is no leak.
inline bool looks_like_token_part(std::string_view s) {
  if (s.size() < 16) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_'))
      return false;
  return true;
}
