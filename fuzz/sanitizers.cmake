# Compile flags of the fuzz configuration, included by the top-level
# CMakeLists before the libraries the fuzz targets link, so the code under
# test is instrumented for coverage (fuzzer-no-link) and checked by ASan and
# UBSan. Only the fuzz executables link libFuzzer itself (fuzz/CMakeLists.txt).
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "PARLEY_FUZZ needs clang for libFuzzer: -DCMAKE_CXX_COMPILER=clang++-14")
endif()
# -O1 after the build type's flags: fast enough to fuzz, still debuggable.
# Every UBSan finding aborts, so libFuzzer records it as a crash.
add_compile_options(-O1 -g -fno-omit-frame-pointer
                    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all)
add_link_options(-fsanitize=address,undefined)
# Bounds checks in std::string / std::vector operator[] (ABI unchanged).
add_compile_definitions(_GLIBCXX_ASSERTIONS)
