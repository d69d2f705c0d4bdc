#!/bin/bash
# Starts a private nginx on a free 127.0.0.1 port (bench/nginx.conf.in),
# runs bench_http against it, stops nginx.
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
#   KEEP=1          keep the temporary nginx prefix
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

nginx=${NGINX:-/usr/sbin/nginx}
[ -x "$nginx" ] || nginx=$(command -v nginx 2>/dev/null || true)
if [ -z "$nginx" ] || [ ! -x "$nginx" ]; then
    echo "run.sh: nginx not found (apt-get install nginx-light); set NGINX=/path/to/nginx" >&2
    exit 77
fi

prefix=$(mktemp -d "${TMPDIR:-/tmp}/plexus-bench.XXXXXX") || exit 1
mkdir -p "$prefix/tmp" || exit 1
nginx_pid=

stop_nginx() {
    [ -n "$nginx_pid" ] || return 0
    kill -TERM "$nginx_pid" 2>/dev/null
    wait "$nginx_pid" 2>/dev/null
    nginx_pid=
}
cleanup() {
    stop_nginx
    if [ "${KEEP:-0}" = 1 ]; then
        echo "run.sh: kept $prefix" >&2
    else
        rm -rf "$prefix"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ncpu=$(nproc 2>/dev/null || echo 1)
pin=${PIN:-1}
if [ "$ncpu" -lt 2 ] || ! command -v taskset >/dev/null 2>&1; then
    pin=0
fi
server_cpu=$((ncpu - 1))
nginx_cmd=("$nginx")
client_cmd=()
if [ "$pin" = 1 ]; then
    nginx_cmd=(taskset -c "$server_cpu" "$nginx")
    client_cmd=(taskset -c 0)
fi

user_directive=
if [ "$(id -u)" -eq 0 ]; then
    user_directive="user $(id -un) $(id -gn);"
fi

probe() {
    exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
    printf 'GET /instance HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    timeout 2 cat <&3
    exec 3<&-
}

start_nginx() {
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    instance=$$-$RANDOM
    sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$port|g" -e "s|@INSTANCE@|$instance|g" \
        -e "s|@USER_DIRECTIVE@|$user_directive|g" "$here/nginx.conf.in" > "$prefix/nginx.conf" ||
        return 1
    : > "$prefix/error.log"
    "${nginx_cmd[@]}" -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/error.log" \
        </dev/null >>"$prefix/nginx.out" 2>&1 &
    nginx_pid=$!
    for _ in $(seq 100); do
        if ! kill -0 "$nginx_pid" 2>/dev/null; then
            wait "$nginx_pid" 2>/dev/null
            nginx_pid=
            return 1
        fi
        if grep -q 'bind()' "$prefix/error.log"; then
            stop_nginx
            return 1
        fi
        if probe "$port" 2>/dev/null | grep -q "$instance"; then
            return 0
        fi
        sleep 0.05
    done
    stop_nginx
    return 1
}

started=
for _ in 1 2 3 4 5 6 7 8 9 10; do
    if start_nginx; then
        started=1
        break
    fi
done
if [ -z "$started" ]; then
    echo "run.sh: nginx did not start; its log:" >&2
    cat "$prefix/nginx.out" "$prefix/error.log" >&2
    exit 1
fi

# The worker's pid, so bench_http can report nginx's CPU per request too.
master=$(cat "$prefix/nginx.pid" 2>/dev/null)
worker=
if [ -n "$master" ]; then
    worker=$(ps -o pid= --ppid "$master" 2>/dev/null | head -n 1 | tr -d ' ')
fi
server_args=()
[ -n "$worker" ] && server_args=(--server-pid "$worker")

unset http_proxy https_proxy all_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

if [ "$pin" = 1 ]; then
    echo "run.sh: nginx $port pinned to CPU $server_cpu, client to CPU 0" >&2
fi
# shellcheck disable=SC2086
"${client_cmd[@]}" ${WRAP:-} "$bench" --url "http://127.0.0.1:$port" "${server_args[@]}" "$@"
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "run.sh: bench_http exited $rc; nginx error log:" >&2
    tail -n 20 "$prefix/error.log" >&2
fi
exit "$rc"
