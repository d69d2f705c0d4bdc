#!/bin/bash
# Starts a private nginx on a free 127.0.0.1 port with bench/nginx.conf.in
# (through the test harness tests/integration/with_nginx.sh), runs
# bench_http against it, stops nginx.
#
#   bench/run.sh [bench_http options...]      e.g. --seconds 5 --json
#
# Environment:
#   BUILD=DIR       meson build dir holding bench/bench_http (default: build,
#                   else /tmp/build-bench); or BENCH_HTTP=/path/to/bench_http
#   NGINX=PATH      nginx binary (default /usr/sbin/nginx, else from PATH)
#   PIN=0|1         pin nginx to the last CPU and the client to CPU 0 with
#                   taskset (default 1 when there are >= 2 CPUs)
#   WRAP="cmd ..."  run the client under a wrapper (valgrind, perf record)
#   KEEP=1          keep the temporary nginx prefix (PLX_TEST_KEEP=1)
# Exit status: bench_http's (1 when any request failed: the run is invalid).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

bench=${BENCH_HTTP:-}
if [ -z "$bench" ]; then
    for d in ${BUILD:-} "$root/build" /tmp/build-bench; do
        case $d in /*) ;; *) d=$root/$d ;; esac
        if [ -x "$d/bench/bench_http" ]; then
            bench=$d/bench/bench_http
            break
        fi
    done
fi
if [ -z "$bench" ] || [ ! -x "$bench" ]; then
    echo "run.sh: bench_http not found; build it first:" >&2
    echo "  meson setup /tmp/build-bench -Dbuildtype=release && ninja -C /tmp/build-bench" >&2
    echo "  (or set BUILD=DIR or BENCH_HTTP=PATH)" >&2
    exit 2
fi

# Inside the harness: nginx runs, PLX_TEST_HTTP_URL points at it.
if [ "${1:-}" = --inside-harness ]; then
    shift
    # The worker's pid, so bench_http can report nginx's CPU per request too.
    master=$(cat "$PLX_TEST_NGINX_PREFIX/nginx.pid" 2>/dev/null)
    worker=
    [ -n "$master" ] && worker=$(ps -o pid= --ppid "$master" 2>/dev/null | head -n 1 | tr -d ' ')
    server_args=()
    [ -n "$worker" ] && server_args=(--server-pid "$worker")
    client_cmd=()
    [ -n "${CLIENT_CPU:-}" ] && client_cmd=(taskset -c "$CLIENT_CPU")
    # shellcheck disable=SC2086
    exec "${client_cmd[@]}" ${WRAP:-} "$bench" --url "$PLX_TEST_HTTP_URL" "${server_args[@]}" "$@"
fi

ncpu=$(nproc 2>/dev/null || echo 1)
pin=${PIN:-1}
if [ "$ncpu" -lt 2 ] || ! command -v taskset >/dev/null 2>&1; then
    pin=0
fi
if [ "$pin" = 1 ]; then
    export NGINX_WRAP="taskset -c $((ncpu - 1))" CLIENT_CPU=0
    echo "run.sh: nginx pinned to CPU $((ncpu - 1)), client to CPU 0" >&2
fi
export PLX_NGINX_CONF="$here/nginx.conf.in" PLX_TEST_KEEP=${KEEP:-0} BENCH_HTTP="$bench"
exec "$root/tests/integration/with_nginx.sh" "$here/run.sh" --inside-harness "$@"
