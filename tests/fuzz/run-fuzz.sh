#!/bin/bash
# Runs one libFuzzer target briefly for meson test (suite 'fuzz'). The
# committed seed corpus is read-only: libFuzzer writes new inputs only to the
# first corpus directory, a temporary one here. Crash reproducers go to the
# build dir (<target>-crash-*), where a failing run leaves them.
# libFuzzer exits 77 on a finding by default, which meson counts as a skip:
# -error_exitcode=1 makes a crash, leak or timeout a failure.
# usage: run-fuzz.sh FUZZER SEED_DIR [LIBFUZZER_FLAGS...]
set -euo pipefail
fuzzer=$1 seeds=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
exec_dir=$(dirname "$fuzzer")
"$fuzzer" -artifact_prefix="$exec_dir/$(basename "$fuzzer")-" -print_final_stats=1 \
    -error_exitcode=1 -timeout_exitcode=1 "$@" "$work" "$seeds"
