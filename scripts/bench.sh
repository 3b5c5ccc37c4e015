#!/usr/bin/env bash
# Benchmarks Swish against its BLAS floor and PyTorch (docs/performance.md explains the figures).
#
#   scripts/bench.sh [--reps N] [--only NAME] [--no-torch] [--flush-denormal]
#
# Builds libswish.so in release mode (its own build folder, .build-bench, without the tests'
# -enable-testing), compiles bench/bench.c against it and runs, in one invocation on this machine:
#   - each workload through Swish's C API and its BLAS floor (bench/bench.c),
#   - the same workloads in PyTorch when `python3 -c "import torch"` works (bench/torch_reference.py),
#   - the wide workload alone in a fresh process for its peak resident memory,
#   - the MNIST demo for its training time.
# and prints one line per workload: bench <name> swish_us=<median> floor_us=<median> torch_us=<median|NA>,
# followed by the ratios: swish/floor is the median of the per-round ratios of Swish and its floor timed
# in alternation (bench/bench.c), swish/torch the ratio of the two medians (PyTorch runs afterwards).
# --flush-denormal runs Swish and PyTorch with subnormal floats flushed to zero (swish_set_flush_denormal,
# torch.set_flush_denormal); the default is IEEE arithmetic, both libraries' default.
# Not part of CI: the figures depend on the machine and its load.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$SWISH_ROOT"

reps=7 only="" torch=1 flush=()
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) reps="$2"; shift ;;
        --only) only="$2"; shift ;;
        --no-torch) torch=0 ;;
        --flush-denormal) flush=(--flush-denormal) ;;
        -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done
swish_require_tools

scratch="$SWISH_ROOT/.build-bench"
out="$SWISH_ROOT/build/bench"
mkdir -p "$out"
echo "== building libswish.so (release)" >&2
# DWARF 4 for the C target's debug information: valgrind 3.19 (Debian 12), which scripts/profile.sh runs
# on this build, cannot read clang's default DWARF 5 and gives up on the whole library.
swift build -c release --product swish --scratch-path "$scratch" -Xcc -gdwarf-4 >&2
lib="$scratch/release"
# libswish.so carries a versioned SONAME (libswish.so.MAJOR.MINOR); programs linked against it look for
# that name, so give it one next to SwiftPM's output, as CMakeLists.txt does in the build tree.
soname=$(readelf -d "$lib/libswish.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ -n "$soname" ] && [ "$soname" != libswish.so ] && ln -sf libswish.so "$lib/$soname"
cc -O2 -std=c11 -Wall -Wextra -Iinclude $(pkg-config --cflags openblas) bench/bench.c -o "$out/bench" \
    -L"$lib" -lswish -Wl,-rpath,"$lib" $(pkg-config --libs openblas) -lm

threads=$(nproc)
export OPENBLAS_NUM_THREADS="$threads"
only_args=()
[ -n "$only" ] && only_args=(--only "$only")

echo "== Swish and the BLAS floor (OpenBLAS $threads threads)" >&2
"$out/bench" --reps "$reps" "${only_args[@]}" "${flush[@]}" | tee "$out/swish.txt" >&2

: >"$out/torch.txt"
if [ $torch -eq 1 ] && python3 -c "import torch" 2>/dev/null; then
    echo "== PyTorch ($threads threads)" >&2
    python3 bench/torch_reference.py --threads "$threads" --reps "$reps" "${only_args[@]}" "${flush[@]}" | tee "$out/torch.txt" >&2
else
    echo "== PyTorch: not importable, torch_us=NA" >&2
fi

# One line per workload, with the ratios.
while read -r _ name swish floor ratio; do
    s=${swish#swish_us=} f=${floor#floor_us=} q=${ratio#swish/floor=}
    t=$(sed -n "s/^bench $name torch_us=//p" "$out/torch.txt")
    t=${t:-NA}
    ratios=$(awk -v s="$s" -v q="$q" -v t="$t" 'BEGIN {
        r = sprintf("swish/floor=%.2f", q);
        if (t != "NA") r = r sprintf(" swish/torch=%.2f", s / t);
        print r }')
    echo "bench $name swish_us=$s floor_us=$f torch_us=$t   ($ratios)"
done < <(grep '^bench [a-z_0-9]* swish_us=' "$out/swish.txt")

if [ -z "$only" ] || [ "$only" = wide_mlp_b256_adam ]; then
    rss=$("$out/bench" --only wide_mlp_b256_adam --reps 1 --min-seconds 0 --peak-rss | sed -n 's/^bench peak_rss_mb swish=//p')
    echo "bench wide_peak_rss_mb swish=$rss"
fi

demo="$SWISH_ROOT/build/release/train_mnist"
if [ -z "$only" ] && [ -f examples-c/train_mnist.c ]; then
    dir=$(swish_cmake_build release "$threads" train_mnist)
    t=$("$dir/train_mnist" --quiet | sed -n 's/^train time: \([0-9.]*\) s$/\1/p')
    echo "bench demo_train_s swish=${t:-NA}"
fi
