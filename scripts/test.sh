#!/usr/bin/env bash
# Builds Swish and runs all its tests: `swift test` (the engine, in Swift) and `ctest` (the C programs,
# the header and README checks). Installs missing system packages first (see scripts/common.sh).
# Prints both summaries and a total; exits non-zero if anything failed or did not build.
# With --sanitize, the same under AddressSanitizer, UndefinedBehaviorSanitizer (C) and LeakSanitizer.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
    cat <<USAGE
usage: scripts/test.sh [--release | --debug | --sanitize] [--tsan] [--fuzz SECONDS] [-j N]

  --release   SwiftPM's release configuration, for swift test and the C programs alike (default):
              one optimized build of the engine serves both, and the C training programs run fast
  --debug     the debug configuration (quicker to rebuild after a change)
  --sanitize  the release configuration under sanitizers, in its own build folders (.build-asan,
              build/sanitize): the engine and the Swift tests with -sanitize=address, the C programs
              and tests with clang's -fsanitize=address,undefined, LeakSanitizer on (suppressions:
              scripts/lsan.supp). Any finding fails the run; the summary counts them
  --tsan      afterwards, the thread tests (tests-c/threads_*.c) under ThreadSanitizer: the engine
              built with -sanitize=thread (.build-tsan), the tests with clang -fsanitize=thread; any
              report fails the run
  --fuzz S    afterwards, run each fuzzer of fuzz/ for S seconds (scripts/fuzz.sh S)
  -j N        parallel jobs for the build and ctest (default: the number of cores)
USAGE
}

config=release
fuzz_seconds=0
tsan=0
jobs="$(nproc 2>/dev/null || echo 2)"
while [ $# -gt 0 ]; do
    case "$1" in
        --release) config=release ;;
        --debug) config=debug ;;
        --sanitize) config=sanitize ;;
        --tsan) tsan=1 ;;
        --fuzz) fuzz_seconds="${2:?--fuzz needs a number of seconds}"; shift ;;
        -j) jobs="${2:?-j needs a number}"; shift ;;
        -j*) jobs="${1#-j}" ;;
        -h | --help) usage; exit 0 ;;
        *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

cd "$SWISH_ROOT"
swish_require_tools || exit 1
if [ "$config" = sanitize ]; then
    swish_require_clang || exit 1
    swish_sanitizer_environment # ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS for everything below
fi

logs="$SWISH_ROOT/build/$config/logs"
mkdir -p "$logs"
read -r -a swift_flags <<<"$(swish_swift_flags "$config")"
swift_configuration=$(swish_swift_configuration "$config")
seconds() { date +%s; }

# 1. One SwiftPM build of everything (engine, libswish.so, tests).
echo "== swift build -c $swift_configuration --build-tests ${swift_flags[*]}"
t0=$(seconds)
swift build -c "$swift_configuration" --build-tests -j "$jobs" "${swift_flags[@]}"
build_rc=$?
build_time=$(($(seconds) - t0))

# 2. swift test on that build. Counts come from its xUnit reports (XCTest and Swift Testing).
swift_passed=0 swift_failed=0 swift_rc=1 swift_time=0
if [ $build_rc -eq 0 ]; then
    echo "== swift test -c $swift_configuration ${swift_flags[*]}"
    rm -f "$logs"/swift-test*.xml
    t0=$(seconds)
    swift test -c "$swift_configuration" --skip-build "${swift_flags[@]}" \
        --xunit-output "$logs/swift-test.xml" 2>&1 | tee "$logs/swift-test.log"
    swift_rc=${PIPESTATUS[0]}
    swift_time=$(($(seconds) - t0))
    attribute_sum() { # attribute_sum NAME FILES...: sum of NAME="N" over every <testsuite> element
        local name="$1"; shift
        cat "$@" 2>/dev/null | grep -o '<testsuite [^>]*>' | sed -n "s/.* $name=\"\([0-9]*\)\".*/\1/p" |
            awk '{ s += $1 } END { print s + 0 }'
    }
    reports=("$logs"/swift-test*.xml)
    tests=$(attribute_sum tests "${reports[@]}")
    swift_failed=$(($(attribute_sum failures "${reports[@]}") + $(attribute_sum errors "${reports[@]}")))
    skipped=$(attribute_sum skipped "${reports[@]}")
    swift_passed=$((tests - swift_failed - skipped))
    if [ $swift_rc -ne 0 ] && [ $swift_failed -eq 0 ]; then
        swift_failed=1 # it crashed or failed before writing its report
    fi
fi

# 3. The C side: CMake reuses the SwiftPM build above, builds the C programs, ctest runs them.
ctest_passed=0 ctest_failed=0 ctest_total=0 ctest_rc=1 ctest_time=0 cmake_rc=1
if [ $build_rc -eq 0 ]; then
    echo "== cmake ($config) and ctest"
    t0=$(seconds)
    if dir=$(swish_cmake_build "$config" "$jobs"); then
        cmake_rc=0
        (cd "$dir" && ctest --output-on-failure -j "$jobs") 2>&1 | tee "$logs/ctest.log"
        ctest_rc=${PIPESTATUS[0]}
        line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$logs/ctest.log" | tail -1)
        if [ -n "$line" ]; then
            ctest_failed=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/')
            ctest_total=$(echo "$line" | sed -E 's/.* out of ([0-9]+).*/\1/')
            ctest_passed=$((ctest_total - ctest_failed))
        fi
        if [ $ctest_rc -ne 0 ] && [ "$ctest_failed" -eq 0 ]; then ctest_failed=1; fi
        if [ "$ctest_total" -eq 0 ]; then ctest_failed=1; fi # no test ran: that is a failure too
        measurements=$(grep -h -E '^rss_flat: (resident|built with)' "$dir/Testing/Temporary/LastTest.log" 2>/dev/null)
    fi
    ctest_time=$(($(seconds) - t0))
fi

# 4. Optionally, the thread tests under ThreadSanitizer.
tsan_reports=0 tsan_rc=0 tsan_time=0
if [ $tsan -eq 1 ]; then
    echo "== ThreadSanitizer: swift build --product swish --sanitize=thread (.build-tsan) and tests-c/threads_*.c"
    t0=$(seconds)
    swish_require_clang && swish_tsan_tests "$logs" 2>&1 | tee "$logs/tsan.log"
    tsan_rc=${PIPESTATUS[0]}
    tsan_reports=$(grep -c '^WARNING: ThreadSanitizer' "$logs"/tsan-*.log 2>/dev/null | awk -F: '{ s += $NF } END { print s + 0 }')
    tsan_time=$(($(seconds) - t0))
fi

# 5. Optionally, a short run of each fuzzer (its own build; see scripts/fuzz.sh).
fuzz_rc=0
if [ "$fuzz_seconds" -gt 0 ]; then
    echo "== scripts/fuzz.sh $fuzz_seconds"
    "$SWISH_ROOT/scripts/fuzz.sh" "$fuzz_seconds" 2>&1 | tee "$logs/fuzz.log"
    fuzz_rc=${PIPESTATUS[0]}
fi

# Sanitizer reports in everything above (each also fails its test; counted here for the summary).
findings=0
if [ "$config" = sanitize ]; then
    findings=$(cat "$logs/swift-test.log" "$logs/ctest.log" "$SWISH_ROOT/build/sanitize/Testing/Temporary/LastTest.log" \
        2>/dev/null | grep -c -E '^==[0-9]+==ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:')
fi

echo
echo "== Summary ($config; logs in build/$config/logs)"
if [ $build_rc -ne 0 ]; then
    echo "swift build: FAILED (exit $build_rc)"
else
    echo "swift build: ok (${build_time} s)"
    echo "swift test: $swift_passed passed, $swift_failed failed (${swift_time} s)"
    if [ $cmake_rc -ne 0 ]; then
        echo "cmake: FAILED to configure or build the C programs"
    else
        echo "ctest: $ctest_passed/$ctest_total passed (${ctest_time} s)"
        [ -n "${measurements:-}" ] && echo "$measurements"
    fi
fi
if [ "$config" = sanitize ]; then
    echo "sanitizer findings (AddressSanitizer, LeakSanitizer, UndefinedBehaviorSanitizer): $findings"
fi
if [ $tsan -eq 1 ]; then
    echo "ThreadSanitizer (tests-c/threads_*.c): $tsan_reports reports (${tsan_time} s)$([ $tsan_rc -ne 0 ] && echo ", FAILED")"
fi
if [ "$fuzz_seconds" -gt 0 ]; then
    grep -E '^fuzz:' "$logs/fuzz.log" 2>/dev/null
    [ $fuzz_rc -eq 0 ] && echo "fuzzers: ok" || echo "fuzzers: FAILED (exit $fuzz_rc)"
fi
failed=$((swift_failed + ctest_failed + findings + tsan_reports))
[ $tsan_rc -ne 0 ] && failed=$((failed + 1))
[ $fuzz_rc -ne 0 ] && failed=$((failed + 1))
[ $build_rc -ne 0 ] && failed=$((failed + 1))
[ $build_rc -eq 0 ] && [ $cmake_rc -ne 0 ] && failed=$((failed + 1))
echo "total: $((swift_passed + ctest_passed)) passed, $failed failed"
[ $failed -eq 0 ]
