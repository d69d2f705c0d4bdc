#!/bin/bash
# Starts a private nginx (bench/nginx.conf.in, through the test harness
# tests/integration/with_nginx.sh) and runs bench_pipeline against it: a
# 3-step pipeline over 1M records at 64 in flight vs raw curl_multi, and
# the batch runner's peak RSS at 100k and 1M records.
#
#   bench/bench_pipeline.sh [bench_pipeline options...]   e.g. --records 200000 --json
#
# Environment: BUILD=DIR (meson build dir with bench/bench_pipeline; default
# build, else /tmp/build-bench) or BENCH_PIPELINE=PATH; NGINX=PATH;
# PIN=0|1 (pin nginx to the last CPU and the client to CPU 0, default 1
# with >= 2 CPUs). Exit status: bench_pipeline's (1: some request failed).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

bench=${BENCH_PIPELINE:-}
if [ -z "$bench" ]; then
    for d in ${BUILD:-} "$root/build" /tmp/build-bench; do
        case $d in /*) ;; *) d=$root/$d ;; esac
        if [ -x "$d/bench/bench_pipeline" ]; then
            bench=$d/bench/bench_pipeline
            break
        fi
    done
fi
if [ -z "$bench" ] || [ ! -x "$bench" ]; then
    echo "bench_pipeline.sh: bench_pipeline not found; build it first:" >&2
    echo "  meson setup /tmp/build-bench -Dbuildtype=release && ninja -C /tmp/build-bench" >&2
    exit 2
fi

if [ "${1:-}" = --inside-harness ]; then
    shift
    client_cmd=()
    [ -n "${CLIENT_CPU:-}" ] && client_cmd=(taskset -c "$CLIENT_CPU")
    exec "${client_cmd[@]}" "$BENCH_PIPELINE" --url "$PLX_TEST_HTTP_URL" "$@"
fi

ncpu=$(nproc 2>/dev/null || echo 1)
pin=${PIN:-1}
if [ "$ncpu" -lt 2 ] || ! command -v taskset >/dev/null 2>&1; then
    pin=0
fi
if [ "$pin" = 1 ]; then
    export NGINX_WRAP="taskset -c $((ncpu - 1))" CLIENT_CPU=0
    echo "bench_pipeline.sh: nginx pinned to CPU $((ncpu - 1)), client to CPU 0" >&2
fi
export PLX_NGINX_CONF="$here/nginx.conf.in" BENCH_PIPELINE="$bench"
exec "$root/tests/integration/with_nginx.sh" "$here/bench_pipeline.sh" --inside-harness "$@"
