#!/bin/bash
# Regenerates the committed ABI baseline abi/plexus.abi from a build, after an
# intended ABI change (new functions, appended status codes). Review the diff
# before committing: a removed or changed function is a break (new soname).
# usage: tests/abi/update-baseline.sh [BUILD_DIR]   (default: build)
# The build must have debug info (the default buildtype debugoptimized does).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
ninja -C "$build"   # a stale library would record a stale ABI
lib=$(readlink -f "$build/lib/libplexus.so")
mkdir -p "$root/abi"
"$root/tests/abi/abi-dump.sh" "$lib" "$root/include/plexus" "$root/abi/plexus.abi"
echo "wrote abi/plexus.abi from $lib"
git -C "$root" diff --stat -- abi/plexus.abi 2>/dev/null || true
