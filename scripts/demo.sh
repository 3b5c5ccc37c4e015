#!/usr/bin/env bash
# Builds Swish (release) and runs the demo: for now examples-c/autograd_basics.c, a forward and backward
# pass checked against gradients worked out by hand. Installs missing system packages first.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

demo=autograd_basics
config=release
jobs="$(nproc 2>/dev/null || echo 2)"

cd "$SWISH_ROOT"
swish_require_tools || exit 1
echo "== building ($config)"
dir=$(swish_cmake_build "$config" "$jobs" "$demo") || { echo "error: the build failed" >&2; exit 1; }
echo "== running $demo"
exec "$dir/$demo"
