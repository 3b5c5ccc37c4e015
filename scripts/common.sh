# Shared by scripts/test.sh and scripts/demo.sh (sourced, not run): the system packages Swish needs and
# how a configuration is built. Both scripts build into the same places, so the engine is compiled once.
#
# One SwiftPM build per configuration (.build/debug or .build/release) serves `swift test` and CMake
# (build/debug or build/release), because both are given the same flags. Release needs
# -enable-testing for the tests' `@testable import Swish`; CMake passes the same flag to its
# `swift build --product swish`, so it finds the build up to date instead of compiling it again.

SWISH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The sanitizer configuration ("sanitize", scripts/test.sh --sanitize) is SwiftPM's release configuration
# under AddressSanitizer in its own scratch folder (.build-asan), and a CMake folder (build/sanitize,
# RelWithDebInfo) whose C programs clang builds with -fsanitize=address,undefined against that library.
# Release, because the training programs (train_mnist) take over ten minutes in a debug build under
# AddressSanitizer; the sanitizers' checks are the same.
SWISH_ASAN_SCRATCH="$SWISH_ROOT/.build-asan"

# SwiftPM flags of a configuration (debug, release or sanitize).
swish_swift_flags() {
    case "$1" in
        release) echo "-Xswiftc -enable-testing" ;;
        sanitize) echo "-Xswiftc -enable-testing --sanitize=address --scratch-path $SWISH_ASAN_SCRATCH" ;;
    esac
}

# SwiftPM's -c value for a configuration.
swish_swift_configuration() {
    if [ "$1" = debug ]; then echo debug; else echo release; fi
}

# CMake's build type for a configuration.
swish_cmake_build_type() {
    case "$1" in
        release) echo Release ;;
        sanitize) echo RelWithDebInfo ;;
        *) echo Debug ;;
    esac
}

# Extra CMake settings of a configuration.
swish_cmake_flags() {
    if [ "$1" = sanitize ]; then
        echo "-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSWISH_SANITIZE=ON" \
            "-DSWISH_SWIFT_SCRATCH=$SWISH_ASAN_SCRATCH"
    fi
}

# The sanitizers' run-time options: every finding stops the program with a non-zero exit and a stack
# trace; LeakSanitizer runs at exit with the suppressions of scripts/lsan.supp (the toolchain's own
# allocations, each justified there). Exported, so every test program and swift test inherit them.
# Not strict_string_checks: it makes every strtol scan the whole rest of its buffer, so the demos' CSV
# parsing turns quadratic (train_mnist ran over 20 minutes).
swish_sanitizer_environment() {
    export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
    export LSAN_OPTIONS="suppressions=$SWISH_ROOT/scripts/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
}

# The sanitizer runtimes that libswish.so built with -sanitize=address expects are those of the Swift
# toolchain's clang: make sure that clang is the one on PATH.
swish_require_clang() {
    local swift_dir clang_path
    swift_dir="$(dirname "$(readlink -f "$(command -v swift)")")"
    clang_path="$(command -v clang 2>/dev/null)"
    if [ -z "$clang_path" ] || [ "$(dirname "$(readlink -f "$clang_path")")" != "$swift_dir" ]; then
        if [ -x "$swift_dir/clang" ]; then
            export PATH="$swift_dir:$PATH"
        else
            echo "error: the sanitizer builds need the Swift toolchain's clang (not found in $swift_dir)" >&2
            return 1
        fi
    fi
}

# Makes sure the tools and libraries the build needs are there. Installs the missing Debian packages
# with apt-get when running as root; otherwise prints the command and returns 1.
swish_require_tools() {
    if ! command -v swift >/dev/null 2>&1; then
        echo "error: the Swift toolchain (6.2 or later; tested with 6.3.1) is not on PATH; install it from swift.org first." >&2
        return 1
    fi
    local missing=()
    command -v cmake >/dev/null 2>&1 || missing+=(cmake)
    command -v make >/dev/null 2>&1 || missing+=(make)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    command -v nm >/dev/null 2>&1 || missing+=(binutils)
    if ! command -v cc >/dev/null 2>&1 && ! command -v gcc >/dev/null 2>&1 && ! command -v clang >/dev/null 2>&1; then
        missing+=(gcc)
    fi
    if ! command -v c++ >/dev/null 2>&1 && ! command -v g++ >/dev/null 2>&1 && ! command -v clang++ >/dev/null 2>&1; then
        missing+=(g++)
    fi
    if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists openblas; then
        missing+=(libopenblas-dev)
    fi
    [ ${#missing[@]} -eq 0 ] && return 0

    local install="apt-get install -y --no-install-recommends ${missing[*]}"
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "error: missing packages: ${missing[*]}" >&2
        echo "install them with:  sudo apt-get update && sudo $install" >&2
        echo "(or your system's equivalent), then run this script again." >&2
        return 1
    fi
    echo "== installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && $install || {
        echo "error: apt-get could not install ${missing[*]}" >&2
        return 1
    }
}

# Configures and builds the C side of a configuration with CMake: libswish.so (through SwiftPM, up to
# date if `swift build` ran with the same flags) and the C programs and tests, or only the CMake target
# given as third argument. Prints the build folder.
swish_cmake_build() {
    local config="$1" jobs="$2" target=()
    [ $# -ge 3 ] && target=(--target "$3")
    local dir="$SWISH_ROOT/build/$config" extra=()
    read -r -a extra <<<"$(swish_cmake_flags "$config")"
    local swift_flags
    swift_flags="$(swish_swift_flags "$config")"
    # The scratch path is its own CMake setting (swish_cmake_flags).
    [ "$config" = sanitize ] && swift_flags="-Xswiftc -enable-testing --sanitize=address"
    cmake -S "$SWISH_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE="$(swish_cmake_build_type "$config")" \
        -DSWISH_SWIFT_FLAGS="$swift_flags" "${extra[@]}" >&2 &&
        cmake --build "$dir" -j "$jobs" "${target[@]}" >&2 &&
        echo "$dir"
}

# Programs linked with libswish.so ask the loader for its SONAME (libswish.so.0.MINOR): puts that link
# beside a library SwiftPM built outside CMake (CMake's build makes its own).
swish_soname_link() {
    local lib="$1" soname
    soname="$(readelf -d "$lib" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
    [ -n "$soname" ] && [ "$soname" != "$(basename "$lib")" ] && ln -sf "$(basename "$lib")" "$(dirname "$lib")/$soname"
    return 0
}

# Builds the engine under ThreadSanitizer (.build-tsan) and each tests-c/threads_*.c against it with
# clang -fsanitize=thread, runs them, and leaves a log per test in the folder given (tsan-NAME.log).
# Returns non-zero if a build failed or a test failed or reported anything.
swish_tsan_tests() {
    local logs="$1" scratch="$SWISH_ROOT/.build-tsan" out="$SWISH_ROOT/build/tsan" rc=0
    swift build --product swish --scratch-path "$scratch" --sanitize=thread 2>&1 | grep -v "Cannot export local symbol"
    local lib="$scratch/debug/libswish.so"
    [ -f "$lib" ] || { echo "error: the ThreadSanitizer build of libswish.so failed" >&2; return 1; }
    swish_soname_link "$lib"
    # The toolchain's TSan runtime intercepts libdispatch, so the programs link it and BlocksRuntime.
    local swift_lib
    swift_lib="$(dirname "$(readlink -f "$(command -v swift)")")/../lib/swift/linux"
    mkdir -p "$out"
    local src name
    for src in "$SWISH_ROOT"/tests-c/threads_*.c; do
        name="$(basename "$src" .c)"
        rm -f "$out/$name"
        clang -g -O1 -fsanitize=thread -Wall -Wextra -Werror -I "$SWISH_ROOT/include" "$src" "$lib" \
            "-Wl,-rpath,$(dirname "$lib")" -L"$swift_lib" -ldispatch -lBlocksRuntime "-Wl,-rpath,$swift_lib" \
            -lm -lpthread -o "$out/$name" 2>&1 | grep -v "Cannot export local symbol"
        if [ ! -x "$out/$name" ]; then
            echo "$name: did not build"
            rc=1
            continue
        fi
        TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}" "$out/$name" \
            >"$logs/tsan-$name.log" 2>&1
        local code=$? reports
        reports=$(grep -c '^WARNING: ThreadSanitizer' "$logs/tsan-$name.log")
        echo "$name under ThreadSanitizer: exit $code, $reports reports"
        [ $code -ne 0 ] || [ "$reports" -ne 0 ] && rc=1
    done
    return $rc
}
