#!/usr/bin/env bash
# Builds Swish (release) and runs the demo, examples-c/train_mnist.c: an MLP 784-256-256-10 trained with
# Adam on the bundled 5000-image MNIST subset, from C through libswish.so. It prints a progress line per
# epoch, then the test accuracy and the training time, and writes training.svg (loss and accuracy per
# epoch) into the current directory. Arguments are passed to the demo (`scripts/demo.sh --help` lists
# them). Installs missing system packages first.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

demo=train_mnist
config=release
jobs="$(nproc 2>/dev/null || echo 2)"
here="$PWD"

cd "$SWISH_ROOT"
swish_require_tools || exit 1
echo "== building ($config)"
dir=$(swish_cmake_build "$config" "$jobs" "$demo") || { echo "error: the build failed" >&2; exit 1; }
echo "== running $demo $*"
cd "$here"
exec "$dir/$demo" "$@"
