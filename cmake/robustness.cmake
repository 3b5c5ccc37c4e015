# Sanitizer builds of the C side (scripts/test.sh --sanitize configures them; see its usage).
#
#   SWISH_SANITIZE=ON   every C and C++ program and test is compiled and linked with
#                       -fsanitize=address,undefined (use clang: its runtimes match the ones the Swift
#                       toolchain links into an AddressSanitizer build of libswish.so). Pair it with a
#                       SwiftPM build of the library under AddressSanitizer:
#                         -DSWISH_SWIFT_SCRATCH=<root>/.build-asan -DSWISH_SWIFT_FLAGS=--sanitize=address
#                       (scripts/test.sh --sanitize uses the release configuration, RelWithDebInfo)
#                       libswish.so then leaves the __asan_* symbols to the program's ASan runtime.
#   SWISH_SWIFT_SANITIZE  the -sanitize= value for programs that swiftc compiles in tests (the README's
#                       Swift example), so they link with the same instrumented engine objects.
#
# Included by CMakeLists.txt before any program is defined, so the flags reach every target.
if(SWISH_SANITIZE)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(WARNING "SWISH_SANITIZE with ${CMAKE_C_COMPILER_ID}: the sanitizer runtimes may not match the Swift "
                    "toolchain's; configure with -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # A UB finding stops the program (exit code non-zero), so ctest counts it as a failure.
  set(SWISH_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_compile_options(${SWISH_SANITIZE_FLAGS})
  add_link_options(-fsanitize=address,undefined)
  set(SWISH_SWIFT_SANITIZE "address" CACHE STRING "-sanitize= for swiftc-compiled test programs")
else()
  set(SWISH_SANITIZE_FLAGS "")
  set(SWISH_SWIFT_SANITIZE "" CACHE STRING "-sanitize= for swiftc-compiled test programs")
endif()

# The fuzzers' inputs as ordinary tests (scripts/fuzz.sh builds the fuzzers themselves): the
# call-sequence harness linked with a plain main() replays the committed corpus and every regression
# input (one file per crash or hang a fuzzer found) in every build, under the sanitizers in theirs.
# The safetensors inputs are replayed by the Swift test FuzzCorpusTests.
add_executable(fuzz_replay_call_sequence "${CMAKE_CURRENT_SOURCE_DIR}/fuzz/call_sequence_fuzzer.c"
                                         "${CMAKE_CURRENT_SOURCE_DIR}/fuzz/replay_main.c")
target_link_libraries(fuzz_replay_call_sequence PRIVATE swish m)
target_compile_options(fuzz_replay_call_sequence PRIVATE -Wall -Wextra -Werror)
add_test(NAME fuzz_replay_call_sequence
         COMMAND fuzz_replay_call_sequence "${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/call_sequence"
                 "${CMAKE_CURRENT_SOURCE_DIR}/fuzz/regressions/call_sequence")
set_tests_properties(fuzz_replay_call_sequence PROPERTIES TIMEOUT 600)
