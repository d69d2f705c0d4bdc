#!/bin/bash
# Starts a private nginx whose receivers answer after set delays
# (bench/notify_nginx.conf.in, through tests/integration/with_nginx.sh) and
# runs bench_notify against it: plx_notify fan-out to five webhooks vs the
# slowest one alone and vs one after another, and client CPU per delivered
# notification.
#
#   bench/notify.sh [bench_notify options...]   e.g. --delays 0,20,50,100,200 --json
#
# Environment: BUILD=DIR (meson build dir with bench/bench_notify; default
# build, else /tmp/build-bench) or BENCH_NOTIFY=PATH; NGINX=PATH;
# ECHO_MODULE=PATH (nginx's echo module, default Debian's); PIN=0|1 (pin
# nginx to the last CPU and the client to CPU 0, default 1 with >= 2 CPUs).
# Exit status: bench_notify's (1: a delivery failed), 2 when something is
# missing.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

if [ "${1:-}" = --inside-harness ]; then
    shift
    client_cmd=()
    [ -n "${CLIENT_CPU:-}" ] && client_cmd=(taskset -c "$CLIENT_CPU")
    exec "${client_cmd[@]}" "$BENCH_NOTIFY" --url "$PLX_TEST_HTTP_URL" "$@"
fi

bench=${BENCH_NOTIFY:-}
if [ -z "$bench" ]; then
    for d in ${BUILD:-} "$root/build" /tmp/build-bench; do
        case $d in /*) ;; *) d=$root/$d ;; esac
        if [ -x "$d/bench/bench_notify" ]; then
            bench=$d/bench/bench_notify
            break
        fi
    done
fi
if [ -z "$bench" ] || [ ! -x "$bench" ]; then
    echo "notify.sh: bench_notify not found; build it first:" >&2
    echo "  meson setup /tmp/build-bench -Dbuildtype=release && ninja -C /tmp/build-bench" >&2
    exit 2
fi
module=${ECHO_MODULE:-/usr/lib/nginx/modules/ngx_http_echo_module.so}
if [ ! -f "$module" ]; then
    echo "notify.sh: nginx's echo module is missing ($module):" \
         "apt-get install libnginx-mod-http-echo, or set ECHO_MODULE" >&2
    exit 2
fi

conf=$(mktemp "${TMPDIR:-/tmp}/plexus-notify-nginx.XXXXXX") || exit 2
trap 'rm -f "$conf"' EXIT
sed "s|@ECHO_MODULE@|$module|" "$here/notify_nginx.conf.in" > "$conf"

ncpu=$(nproc 2>/dev/null || echo 1)
pin=${PIN:-1}
if [ "$ncpu" -lt 2 ] || ! command -v taskset >/dev/null 2>&1; then
    pin=0
fi
if [ "$pin" = 1 ]; then
    export NGINX_WRAP="taskset -c $((ncpu - 1))" CLIENT_CPU=0
    echo "notify.sh: nginx pinned to CPU $((ncpu - 1)), client to CPU 0" >&2
fi
export PLX_NGINX_CONF="$conf" BENCH_NOTIFY="$bench"
"$root/tests/integration/with_nginx.sh" "$here/notify.sh" --inside-harness "$@"
