#!/bin/bash
# Runs COMMAND with a private nginx on 127.0.0.1 (see nginx.conf.in).
#
#   with_nginx.sh COMMAND ARGS...
#
# Exports PLX_TEST_HTTP_URL=http://127.0.0.1:PORT,
# PLX_TEST_HTTPS_URL=https://localhost:PORT2 (TLS, HTTP/2) and
# PLX_TEST_CA_FILE (the CA that signed its certificate), runs COMMAND, stops
# nginx and exits with COMMAND's status. Everything lives in a temporary
# prefix (kept when PLX_TEST_KEEP=1). Exits 77 (skip) without nginx or
# openssl. NGINX overrides the nginx binary; NGINX_WRAP is a command put in
# front of it (e.g. "taskset -c 1"); PLX_NGINX_CONF replaces nginx.conf.in
# (same @PLACEHOLDERS@; /ok must answer with the instance token).
set -u

if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND ARGS..." >&2
    exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
nginx=${NGINX:-/usr/sbin/nginx}
[ -x "$nginx" ] || nginx=$(command -v nginx 2>/dev/null || true)
if [ -z "$nginx" ] || [ ! -x "$nginx" ]; then
    echo "SKIP: nginx not found (apt-get install nginx-light); set NGINX=/path/to/nginx"
    exit 77
fi
if ! command -v openssl >/dev/null 2>&1; then
    echo "SKIP: openssl not found (needed for the test certificates)"
    exit 77
fi

prefix=$(mktemp -d "${TMPDIR:-/tmp}/plexus-nginx.XXXXXX") || exit 1
nginx_pid=

stop_nginx() {
    [ -n "$nginx_pid" ] || return 0
    kill -TERM "$nginx_pid" 2>/dev/null
    wait "$nginx_pid" 2>/dev/null
    nginx_pid=
}

cleanup() {
    [ -z "${cmd_pid:-}" ] || kill -TERM "$cmd_pid" 2>/dev/null
    stop_nginx
    if [ "${PLX_TEST_KEEP:-0}" = 1 ]; then
        echo "with_nginx.sh: kept $prefix" >&2
    else
        rm -rf "$prefix"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$prefix/logs" "$prefix/tmp" "$prefix/www" "$prefix/tls" || exit 1

# A CA and a server certificate for localhost and 127.0.0.1 (EC: fast).
make_certs() {
    local d=$prefix/tls
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 -subj "/CN=plexus test CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=localhost" &&
    printf '%s\n' "basicConstraints=CA:FALSE" \
        "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=serverAuth" \
        "subjectAltName=DNS:localhost,IP:127.0.0.1" > "$d/server.ext" &&
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
        -CAcreateserial -days 2 -extfile "$d/server.ext" -out "$d/server.pem"
}
if ! make_certs >"$prefix/logs/openssl.log" 2>&1; then
    cat "$prefix/logs/openssl.log" >&2
    echo "with_nginx.sh: could not generate the test certificates" >&2
    exit 1
fi

# 2 MiB of compressible text for /big, /big-gzip and /slow.
yes "plexus integration test payload 0123456789" | head -c 2097152 > "$prefix/www/big.bin"

user_directive=
if [ "$(id -u)" -eq 0 ]; then
    # As root, workers would run as nobody and could not read the prefix.
    user_directive="user $(id -un) $(id -gn);"
fi

random_port() {
    echo $((20000 + (RANDOM * 32768 + RANDOM) % 40000))
}

# GET /ok over plain HTTP with bash's /dev/tcp; prints the reply.
probe() {
    exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
    printf 'GET /ok HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    timeout 2 cat <&3
    exec 3<&-
}

fill() {
    sed -e "s|@PREFIX@|$prefix|g" -e "s|@HTTP_PORT@|$http_port|g" \
        -e "s|@HTTPS_PORT@|$https_port|g" -e "s|@INSTANCE@|$instance|g" \
        -e "s|@USER_DIRECTIVE@|$user_directive|g" "$1" > "$2"
}

# Starts nginx on random ports; returns 1 if it does not come up (a port in
# use), so the caller can try other ports.
start_nginx() {
    http_port=$(random_port)
    https_port=$(random_port)
    [ "$http_port" != "$https_port" ] || return 1
    instance=$$-$RANDOM
    fill "${PLX_NGINX_CONF:-$here/nginx.conf.in}" "$prefix/nginx.conf" &&
    fill "$here/locations.conf.in" "$prefix/locations.conf" || return 1
    : > "$prefix/logs/error.log"
    # shellcheck disable=SC2086
    ${NGINX_WRAP:-} "$nginx" -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" \
        </dev/null >>"$prefix/logs/nginx.out" 2>&1 &
    nginx_pid=$!
    for _ in $(seq 100); do
        if ! kill -0 "$nginx_pid" 2>/dev/null; then
            wait "$nginx_pid" 2>/dev/null
            nginx_pid=
            return 1
        fi
        if grep -q 'bind()' "$prefix/logs/error.log"; then
            stop_nginx
            return 1
        fi
        if probe "$http_port" 2>/dev/null | grep -q "\"instance\":\"$instance\""; then
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
    echo "with_nginx.sh: nginx did not start; its log:" >&2
    cat "$prefix/logs/nginx.out" "$prefix/logs/error.log" >&2
    exit 1
fi

export PLX_TEST_HTTP_URL="http://127.0.0.1:$http_port"
export PLX_TEST_HTTPS_URL="https://localhost:$https_port"
export PLX_TEST_CA_FILE="$prefix/tls/ca.pem"
export PLX_TEST_NGINX_PREFIX="$prefix"
# Tests reach 127.0.0.1 and localhost only: a proxy from the environment
# must not intercept them (tests that exercise proxies set their own).
unset http_proxy https_proxy all_proxy HTTPS_PROXY ALL_PROXY
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

# In the background so that a signal to this script is handled at once
# (the traps stop nginx) rather than after COMMAND finishes.
"$@" <&0 &
cmd_pid=$!
wait "$cmd_pid"
rc=$?
cmd_pid=
if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    echo "with_nginx.sh: command exited $rc; nginx error log:" >&2
    tail -n 20 "$prefix/logs/error.log" >&2
fi
exit "$rc"
