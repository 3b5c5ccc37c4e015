#!/usr/bin/env bash
# Instructions per training step of one benchmark workload, counted by callgrind: repeatable on a busy
# machine where timings are not. Run scripts/bench.sh once first (it builds build/bench/bench).
#
#   scripts/profile.sh WORKLOAD [STEPS] [--annotate]
#
# Prints `profile <workload> instructions_per_step=<N>`; with --annotate also the functions that
# cost the most, inclusive, demangled.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
workload="${1:?usage: scripts/profile.sh WORKLOAD [STEPS] [--annotate]}"
steps="${2:-200}"
out="build/bench/callgrind.$workload"
OPENBLAS_NUM_THREADS=1 valgrind --tool=callgrind --collect-atstart=no --toggle-collect=profiled_steps \
    --callgrind-out-file="$out" build/bench/bench --only "$workload" --steps "$steps" >/dev/null 2>&1
total=$(callgrind_annotate "$out" | sed -n 's/^ *\([0-9,]*\) (100.0%) *PROGRAM TOTALS.*/\1/p' | tr -d ,)
echo "profile $workload instructions_per_step=$((total / steps))"
if [ "${3:-}" = --annotate ]; then
    callgrind_annotate --inclusive=yes "$out" | sed -n '/PROGRAM TOTALS/,$p' | grep -v '^-' | head -70 |
        swift demangle --simplified | cut -c1-180
fi
