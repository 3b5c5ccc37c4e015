#!/usr/bin/env bash
# Builds the fuzzers of fuzz/ and runs each for the given number of seconds (libFuzzer, at low priority):
#   safetensors_fuzzer     Safetensors.decode on arbitrary bytes (fuzz/safetensors_fuzzer.swift)
#   call_sequence_fuzzer   bytes decoded into sequences of C API calls (fuzz/call_sequence_fuzzer.c)
# The engine is built once for both with -sanitize=fuzzer,address (SwiftPM release configuration, in
# .build-fuzz); the C harness adds -fsanitize=undefined. Each fuzzer starts from the committed corpus
# (fuzz/corpus/NAME) and writes what it finds to build/fuzz/corpus/NAME, so the committed one stays small;
# a crash is saved as build/fuzz/artifacts/NAME/crash-*, and makes this script exit non-zero. Turn every
# crash into a regression input: fix it, then copy the file to fuzz/regressions/NAME/ (replayed by the
# fuzz_replay_call_sequence ctest and the Swift test FuzzCorpusTests in every build).
#
#   scripts/fuzz.sh SECONDS [--jobs N] [--only NAME] [--merge]      (SECONDS 0 with --merge: merge only)
#     --jobs N    run N processes per fuzzer (libFuzzer -fork=N); default 1
#     --only NAME run only that fuzzer (safetensors or call_sequence)
#     --merge     afterwards, add to fuzz/corpus/NAME (to commit) the inputs of build/fuzz/corpus/NAME
#                 that reach edges it does not
# Prints "fuzz: NAME: N executions in S s (R/s), K crashes" per fuzzer, from libFuzzer's final stats.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seconds="${1:?usage: scripts/fuzz.sh SECONDS [--jobs N] [--only NAME] [--merge]}"
shift
jobs=1 only="" merge=0
while [ $# -gt 0 ]; do
    case "$1" in
        --jobs) jobs="${2:?}"; shift ;;
        --only)
            only="${2:?}"
            case "$only" in
                safetensors | call_sequence) ;;
                *) echo "unknown fuzzer: $only (safetensors or call_sequence)" >&2; exit 2 ;;
            esac
            shift ;;
        --merge) merge=1 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done

cd "$SWISH_ROOT"
swish_require_tools || exit 1
swish_require_clang || exit 1

scratch="$SWISH_ROOT/.build-fuzz"
out="$SWISH_ROOT/build/fuzz"
mkdir -p "$out"

# 1. The engine, instrumented for coverage and AddressSanitizer. libswish.so leaves the __asan_* and
#    __sanitizer_cov_* symbols to the fuzzer program, which brings libFuzzer and the ASan runtime.
# One -sanitize flag naming both: given `--sanitize=fuzzer --sanitize=address`, SwiftPM passes two flags
# in an order that changes from run to run and the Swift driver keeps only the last, so a build got either
# coverage or AddressSanitizer, never both (seen in CI; checked below).
echo "== swift build -c release --product swish -Xswiftc -sanitize=fuzzer,address (.build-fuzz)"
swift build -c release --product swish --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address 2>&1 |
    grep -v "Cannot export local symbol" || true
lib="$scratch/release/libswish.so"
[ -f "$lib" ] || { echo "error: the fuzzing build of libswish.so failed" >&2; exit 1; }
libdir="$(dirname "$lib")"
swish_soname_link "$lib"
# Fuzzing without coverage or without AddressSanitizer would still look like fuzzing: make sure the
# engine's objects carry both. (The symbol list is read whole: grep -q under pipefail could fail on
# nm's broken pipe.)
symbols=$(nm "$libdir"/Swish.build/Tensor.swift.o 2>/dev/null)
for mark in __sanitizer_cov __asan_; do
    if ! grep -q -- "$mark" <<<"$symbols"; then
        echo "error: the engine's objects in .build-fuzz lack the $mark instrumentation;" \
            "remove .build-fuzz and run again" >&2
        exit 1
    fi
done

# 2. The harnesses.
echo "== building the fuzzers"
rm -f "$out/call_sequence_fuzzer" "$out/safetensors_fuzzer"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Wall -Wextra -Werror \
    -I include fuzz/call_sequence_fuzzer.c "$lib" "-Wl,-rpath,$libdir" -lm -rdynamic \
    -o "$out/call_sequence_fuzzer" 2>&1 | grep -v "Cannot export local symbol"
[ -x "$out/call_sequence_fuzzer" ] || { echo "error: call_sequence_fuzzer did not build" >&2; exit 1; }
read -r -a openblas_cflags <<<"$(pkg-config --cflags openblas)"
xcc=()
for f in "${openblas_cflags[@]}"; do xcc+=(-Xcc "$f"); done
# The engine's object files themselves (libswish.so exports only the C API), built with the same
# instrumentation, linked into the program.
read -r -a openblas_libs <<<"$(pkg-config --libs openblas)"
swiftc -O -sanitize=fuzzer,address -parse-as-library fuzz/safetensors_fuzzer.swift \
    -I "$libdir/Modules" -Xcc "-fmodule-map-file=$SWISH_ROOT/Sources/COpenBLAS/module.modulemap" \
    -Xcc "-fmodule-map-file=$SWISH_ROOT/Sources/_SwishShims/include/module.modulemap" "${xcc[@]}" \
    "$libdir"/Swish.build/*.o "$libdir"/_SwishShims.build/*.o "${openblas_libs[@]}" -o "$out/safetensors_fuzzer" 2>&1 |
    grep -v "Cannot export local symbol"
[ -x "$out/safetensors_fuzzer" ] || { echo "error: safetensors_fuzzer did not build" >&2; exit 1; }

# 3. The runs. LeakSanitizer stays off while fuzzing (libFuzzer's own -detect_leaks reports a leak only
#    if it reproduces); the ctests and scripts/test.sh --sanitize check for leaks.
failed=0
for name in safetensors call_sequence; do
    [ -n "$only" ] && [ "$only" != "$name" ] && continue
    work="$out/corpus/$name" artifacts="$out/artifacts/$name"
    mkdir -p "$work" "$artifacts" "fuzz/corpus/$name" "fuzz/regressions/$name"
    log="$out/$name.log"
    echo "== fuzzing $name for $seconds s (log: build/fuzz/$name.log)"
    fork=()
    [ "$jobs" -gt 1 ] && fork=(-fork="$jobs")
    if [ "$seconds" -le 0 ]; then # --merge alone
        rc=0
        : >"$log"
    else
        ASAN_OPTIONS="detect_leaks=0:halt_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
            nice -n 10 "$out/${name}_fuzzer" "${fork[@]}" -max_total_time="$seconds" -print_final_stats=1 \
            -timeout=10 -rss_limit_mb=4096 -max_len=8192 -artifact_prefix="$artifacts/" \
            "$work" "fuzz/corpus/$name" "fuzz/regressions/$name" >"$log" 2>&1
        rc=$?
    fi
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | awk '{s += $1} END {print s + 0}')
    if [ "$jobs" -gt 1 ]; then # -fork prints the total in its status lines instead
        execs=$(grep -o '#[0-9]*' "$log" | tail -1 | tr -d '#')
        execs=${execs:-0}
    fi
    crashes=$(find "$artifacts" -type f -newer "$out/${name}_fuzzer" | wc -l)
    echo "fuzz: $name: $execs executions in $seconds s ($((execs / (seconds > 0 ? seconds : 1)))/s), $crashes crashes" \
        "(exit $rc)"
    if [ $rc -ne 0 ] || [ "$crashes" -ne 0 ]; then
        failed=1
        grep -E 'ERROR|==[0-9]+==|Fatal error|invariant broken|SUMMARY' "$log" | head -20
    fi
    if [ $merge -eq 1 ]; then
        # Adds to the committed corpus only the inputs that reach something it does not yet reach (its
        # named seeds stay), on edge coverage alone (no hit counters, no value profile), so it stays small.
        echo "== merging what build/fuzz/corpus/$name adds into fuzz/corpus/$name"
        ASAN_OPTIONS=detect_leaks=0 nice -n 10 "$out/${name}_fuzzer" -merge=1 -use_counters=0 \
            -use_value_profile=0 -timeout=10 -rss_limit_mb=4096 "fuzz/corpus/$name" "$work" \
            >"$out/$name.merge.log" 2>&1
        echo "fuzz: $name: committed corpus now $(ls "fuzz/corpus/$name" | wc -l) files," \
            "$(du -sk "fuzz/corpus/$name" | cut -f1) KiB"
    fi
done
exit $failed
