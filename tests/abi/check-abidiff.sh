#!/bin/bash
# Compares the ABI of the built libplexus with the committed baseline
# abi/plexus.abi. abidiff's exit status is a bit field: 1 tool error, 2 usage
# error, 4 ABI change (added functions, changed enum values ...), 8
# incompatible change (removed functions, changed signatures). Any of them
# fails: an intended change is recorded by running tests/abi/update-baseline.sh
# and committing the reviewed abi/plexus.abi.
# usage: check-abidiff.sh LIBPLEXUS_SO SOURCE_ROOT
set -euo pipefail
lib=$1 root=$2
here=$(dirname "$0")
command -v abidw >/dev/null && command -v abidiff >/dev/null ||
    { echo "1..0 # SKIP abidiff/abidw not installed (apt-get install abigail-tools)"; exit 77; }
# Without DWARF (e.g. buildtype=release) abidw sees symbols only: nothing to compare.
sections=$(readelf -S -W "$lib")
[[ $sections == *.debug_info* ]] ||
    { echo "1..0 # SKIP $lib has no debug info (use a buildtype with -g)"; exit 77; }
[ -f "$root/abi/plexus.abi" ] || { echo "missing baseline $root/abi/plexus.abi: run tests/abi/update-baseline.sh"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/abi-dump.sh" "$lib" "$root/include/plexus" "$work/current.abi"
rc=0
abidiff --suppressions "$here/abidiff.suppr" --no-show-locs \
    "$root/abi/plexus.abi" "$work/current.abi" || rc=$?
if [ $rc -eq 0 ]; then
    echo "ok - ABI identical to abi/plexus.abi"
    exit 0
fi
(( rc & 3 )) && echo "not ok - abidiff failed to run (exit $rc)"
(( rc & 8 )) && echo "not ok - INCOMPATIBLE ABI change (exit $rc): this needs a new soname"
(( rc & 12 )) && echo "not ok - the ABI differs from abi/plexus.abi (exit $rc); if intended, run" \
    "tests/abi/update-baseline.sh and commit the reviewed abi/plexus.abi"
exit 1
