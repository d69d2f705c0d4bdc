#!/bin/bash
# Every test of plexus, in one command (CI runs it through .ci/run):
#
#   tests/run-all.sh               all stages, in this order:
#     deps      .ci/install-deps (only what is missing)
#     build     gcc build with -Dwerror=true in build/, every suite
#     valgrind  unit and integration tests under valgrind memcheck
#     asan      ASan+UBSan build in build-asan/, every suite
#     fuzz      clang build with -Dfuzz=true in build-fuzz/, suite 'fuzz'
#   tests/run-all.sh asan fuzz     only the named stages
#
# A failing stage does not stop the later ones (except deps); the summary at
# the end lists them all, and the exit status is 1 if any failed. The peer
# servers of ../shared/peers (PLEXUS_PEERS), when present, run for the
# duration; without them the peer tests skip.
set -euo pipefail

# Peers (names for ../shared/peers/scripts/start.sh) the tests need besides
# the fault-injecting proxy and the TLS front, which are always started.
PEERS_NEEDED="prism-openai prism-anthropic mock-llm sse-anthropic sigv4-verify s3
    prism-slack prism-pagerduty prism-datadog prism-jira prism-kserve"

VALGRIND="valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite"
# Test harnesses that run "COMMAND ARGS...": valgrind goes on COMMAND, not on
# the shell script (bash itself leaks under memcheck, and that is not ours).
HARNESSES="with_nginx.sh with_moto.sh sigv4_botocore.sh with_mlserver.sh with_torchserve.sh test_cli.sh"

# Wrapper mode, used by the valgrind stage as meson test --wrap.
if [ "${1:-}" = --valgrind-wrap ]; then
    shift
    supp=$(dirname "$0")/valgrind.supp
    [ -f "$supp" ] && VALGRIND="$VALGRIND --suppressions=$supp"
    case " $HARNESSES " in
        *" $(basename "$1") "*) exec "$1" $VALGRIND "${@:2}" ;;
    esac
    exec $VALGRIND "$@"
fi

cd "$(dirname "$0")/.."
ROOT=$PWD
STAGES=${*:-deps build valgrind asan fuzz}
for s in $STAGES; do
    case $s in deps|build|valgrind|asan|fuzz) ;; *) sed -n '2,15p' "$0"; exit 2 ;; esac
done
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

banner() { printf '\n======== %s ========\n' "$*"; }
wants() { [[ " $STAGES " == *" $1 "* ]]; }

# configure DIR OPTION...: meson setup the first time, later just apply the
# options, so that reruns are incremental.
configure() {
    local dir=$1
    shift
    if [ -f "$dir/build.ninja" ]; then
        meson configure "$dir" "$@"
    else
        meson setup "$dir" "$@"
    fi
}

stage_deps() {
    .ci/install-deps
}

stage_build() {
    configure build -Dwerror=true
    ninja -C build
    meson test -C build --print-errorlogs
}

stage_valgrind() {
    [ -f build/build.ninja ] || configure build -Dwerror=true
    meson test -C build --suite unit --suite integration --suite cli --print-errorlogs \
        --timeout-multiplier 10 --wrap="$ROOT/tests/run-all.sh --valgrind-wrap"
}

stage_asan() {
    configure build-asan -Db_sanitize=address,undefined -Db_lundef=false
    ninja -C build-asan
    meson test -C build-asan --print-errorlogs --timeout-multiplier 3
}

stage_fuzz() {
    CC=clang CXX=clang++ configure build-fuzz -Dfuzz=true \
        -Db_sanitize=address,undefined -Db_lundef=false
    # Only the fuzzers: the rest of this build is covered by the stages above.
    ninja -C build-fuzz tests/fuzz/fuzz_config tests/fuzz/fuzz_request tests/fuzz/fuzz_reply \
        tests/fuzz/fuzz_llm_reply tests/fuzz/fuzz_predict \
        tests/fuzz/fuzz_sse tests/fuzz/fuzz_eventstream tests/fuzz/fuzz_sigv4 \
        tests/fuzz/fuzz_pipeline tests/fuzz/fuzz_notify tests/fuzz/fuzz_s3_xml
    meson test -C build-fuzz --no-rebuild --suite fuzz --print-errorlogs
}

# ---- peers ----------------------------------------------------------------
PEERS=${PLEXUS_PEERS:-$ROOT/../shared/peers}
peers_started=""
stop_peers() {
    [ -z "$peers_started" ] || "$PEERS/scripts/stop.sh" $peers_started || true
}
trap stop_peers EXIT

start_peers() {
    if [ ! -x "$PEERS/scripts/start.sh" ]; then
        peers_note="no peers kit at $PEERS (set PLEXUS_PEERS): peer tests skipped"
        echo "$peers_note"
        return 0
    fi
    "$PEERS/scripts/install.sh"
    local want out rc=0
    want=$(echo faults nginx-tls $PEERS_NEEDED)
    # The S3 peer (s3rver) makes its list continuation tokens with DES, which
    # Node's OpenSSL 3 only offers through the legacy provider: without it,
    # every truncated listing is an InternalError.
    out=$(NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--openssl-legacy-provider" \
          "$PEERS/scripts/start.sh" $want 2>&1) || rc=$?
    echo "$out"
    # Stop at exit only what this run started, not peers someone else runs.
    for n in $want; do
        grep -q "^ALREADY $n " <<<"$out" || peers_started="$peers_started $n"
    done
    [ $rc -eq 0 ] || { echo "peers failed to start (logs: \$PEERS_STATE/logs)"; return 1; }
    eval "$("$PEERS/scripts/env.sh")"
    peers_note="$want (started by this run:${peers_started:- none})"
}

# ---- run ------------------------------------------------------------------
summary=""
failed=""
# run_stage NAME: runs stage_NAME in a subshell with -e and records the result.
# It never fails itself: called in an `if` or `||`, bash would ignore -e inside.
run_stage() {
    local name=$1 start=$SECONDS rc=0 result=PASS
    wants "$name" || return 0
    banner "stage $name"
    set +e
    (set -e; "stage_$name")
    rc=$?
    set -e
    [ $rc -eq 0 ] || { result="FAIL (exit $rc)"; failed="$failed $name"; }
    summary+=$(printf '  %-9s %-14s %5ds' "$name" "$result" $((SECONDS - start)))$'\n'
    banner "stage $name: $result"
}

run_stage deps
[ -z "$failed" ] || { echo "installing the dependencies failed: nothing else can run"; exit 1; }
peers_note="(stages without peers)"
if wants build || wants valgrind || wants asan; then
    banner "peers"
    start_peers
fi
run_stage build
run_stage valgrind
run_stage asan
run_stage fuzz

banner "summary"
printf '%s' "$summary"
echo "  peers: $peers_note"
[ -z "$failed" ] || { echo "FAILED:$failed"; exit 1; }
echo "all stages passed"
