#!/usr/bin/env bash
# Builds the DocC documentation of the Swift module Swish with the toolchain's own docc, without a
# package plugin: swift-symbolgraph-extract writes the module's symbol graph (public
# API only), and `docc convert` joins it with the catalog Sources/Swish/Swish.docc (the module page and
# the Getting Started article). Any docc warning (a broken ``link``, a doc comment naming a symbol that
# is not public) fails the build. The C API is documented in include/swish.h and docs/c-api.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
    cat <<USAGE
usage: scripts/docs.sh [--debug | --release] [--swift-flags FLAGS] [-o DIR]

  --debug     use (and if needed build) SwiftPM's debug configuration (default: quickest to rebuild)
  --release   use the release configuration scripts/test.sh builds, with the same flags
  --swift-flags FLAGS  the flags of the SwiftPM build to reuse (default: those scripts/test.sh uses
              for the configuration; CMake's docs_swift test passes its SWISH_SWIFT_FLAGS)
  -o DIR      where to write Swish.doccarchive (default: build/docs)

To read the result: python3 -m http.server -d DIR/Swish.doccarchive 8000, then open
http://localhost:8000/documentation/swish in a browser.
USAGE
}

config=debug
flags_given=false
output="$SWISH_ROOT/build/docs"
while [ $# -gt 0 ]; do
    case "$1" in
        --debug) config=debug ;;
        --release) config=release ;;
        --swift-flags) swift_flags_text="${2?--swift-flags needs a value}"; flags_given=true; shift ;;
        -o) output="${2:?-o needs a folder}"; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

cd "$SWISH_ROOT"
swift_bin="$(dirname "$(command -v swift)")"
docc="$(command -v docc || echo "$swift_bin/docc")"
if [ ! -x "$docc" ]; then
    echo "error: docc is not on PATH nor beside swift ($swift_bin); it ships with Swift toolchains since 5.6" >&2
    exit 1
fi

# 1. The Swish module, built with the configuration's usual flags (a no-op after scripts/test.sh or
# CMake built it), and its symbol graph: public API only. swift-symbolgraph-extract is called directly
# as SwiftPM's dump-symbol-graph calls it, because that command also wants the test modules and fails
# unless they are built.
$flags_given || swift_flags_text="$(swish_swift_flags "$config")"
read -r -a swift_flags <<<"$swift_flags_text"
swift build -c "$config" "${swift_flags[@]}" --target Swish
bin="$(swift build -c "$config" "${swift_flags[@]}" --show-bin-path)"
triple="$(swift -print-target-info | sed -n 's/^ *"triple": "\(.*\)",*$/\1/p' | head -1)"
read -r -a openblas_includes <<<"$(pkg-config --cflags-only-I openblas)"
symbols="$output/symbol-graphs"
rm -rf "$symbols" "$output/Swish.doccarchive"
mkdir -p "$symbols"
"$swift_bin/swift-symbolgraph-extract" -module-name Swish -target "$triple" \
    -module-cache-path "$bin/ModuleCache" -I "$bin/Modules" \
    -Xcc "-fmodule-map-file=$SWISH_ROOT/Sources/COpenBLAS/module.modulemap" \
    -Xcc "-fmodule-map-file=$SWISH_ROOT/Sources/_SwishShims/include/module.modulemap" "${openblas_includes[@]}" \
    -minimum-access-level public -omit-extension-block-symbols -output-dir "$symbols"

# 3. The archive.
"$docc" convert Sources/Swish/Swish.docc \
    --additional-symbol-graph-dir "$symbols" \
    --fallback-display-name Swish --fallback-bundle-identifier swish.Swish \
    --output-path "$output/Swish.doccarchive" \
    --warnings-as-errors
echo "docs: $output/Swish.doccarchive (open documentation/swish/index.html through a web server)"
