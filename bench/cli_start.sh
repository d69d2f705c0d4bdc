#!/bin/bash
# Cold start of the plexus command line tool: `plexus providers` (config
# parsed, ctx and providers made, no transport, no network) run RUNS times;
# prints the median wall time and the mean CPU time in ms, side by side with
# `plexus --version` (no ctx at all: process start and the dynamic loader)
# and /bin/true (the cost of spawning a process), measured in the same run.
# Target: providers < 10 ms.
#
#   bench/cli_start.sh [PLEXUS] [RUNS]
#
# PLEXUS defaults to $BUILD/src/plexus (BUILD: build/), RUNS to 200.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
plexus=${1:-${BUILD:-$root/build}/src/plexus}
runs=${2:-200}
if [ ! -x "$plexus" ]; then
    echo "cli_start.sh: no plexus at $plexus (build it, or pass its path)" >&2
    exit 2
fi
if [ -z "${EPOCHREALTIME:-}" ]; then
    echo "cli_start.sh: needs bash >= 5 (EPOCHREALTIME)" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/plexus-cli-start.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# A realistic config: a few providers of different kinds, secrets from env.
cat >"$tmp/plexus.json" <<'EOF'
{"providers": {
   "api": {"kind": "http", "base_url": "https://api.example.com/v1",
           "auth": {"type": "bearer", "token": {"env": "API_TOKEN"}},
           "retry": {"max_attempts": 3}, "rate_limit": {"per_second": 10, "burst": 10}},
   "openai": {"kind": "openai", "base_url": "https://api.openai.com/v1",
              "model": "gpt-4o-mini",
              "auth": {"type": "bearer", "token": {"env": "OPENAI_API_KEY"}}},
   "offline": {"kind": "local"}}}
EOF
# Fall back to an http-only config if this library lacks those kinds.
if ! "$plexus" --config "$tmp/plexus.json" providers >/dev/null 2>&1; then
    printf '{"providers": {"api": {"kind": "http", "base_url": "https://api.example.com"}}}\n' \
        >"$tmp/plexus.json"
fi
export PLEXUS_CONFIG=$tmp/plexus.json

# children_cpu_ms: user + system time of this shell's finished children
# (`times` runs in this shell, not in a command substitution's subshell).
children_cpu_ms() {
    times >"$tmp/times"
    tail -n 1 "$tmp/times" |   # "0m1.234s 0m0.456s"
    awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]);
                                              n += a[1] * 60 + a[2] }
           printf "%.3f\n", n * 1000 }'
}

# measure COMMAND...: "WALL CPU": the median wall time of RUNS runs and
# the mean CPU time (user + system) per run, in ms. CPU time hardly moves
# when other jobs share the machine; wall time does.
measure() {
    local i t0 cpu0 cpu1 walls=()
    children_cpu_ms >"$tmp/cpu0"
    cpu0=$(cat "$tmp/cpu0")
    for ((i = 0; i < runs; i++)); do
        t0=$EPOCHREALTIME
        "$@" >/dev/null 2>&1
        walls+=("$t0 $EPOCHREALTIME")
    done
    children_cpu_ms >"$tmp/cpu1"
    cpu1=$(cat "$tmp/cpu1")
    local wall
    wall=$(printf '%s\n' "${walls[@]}" | awk '{ print ($2 - $1) * 1000 }' | sort -n |
        awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
                                  printf "%.3f", m }')
    awk -v w="$wall" -v a="$cpu0" -v b="$cpu1" -v n="$runs" \
        'BEGIN { printf "%s %.3f\n", w, (b - a) / n }'
}

"$plexus" providers >/dev/null 2>&1 || { echo "cli_start.sh: plexus providers failed" >&2; exit 1; }
"$plexus" providers >/dev/null 2>&1   # warm the page cache once
read -r true_wall true_cpu < <(measure /bin/true)
read -r version_wall version_cpu < <(measure "$plexus" --version)
read -r providers_wall providers_cpu < <(measure "$plexus" providers)

echo "plexus cold start, $runs runs each (ms):"
printf '  %-20s %12s %12s\n' "" "median wall" "mean CPU"
printf '  %-20s %12s %12s\n' "/bin/true" "$true_wall" "$true_cpu"
printf '  %-20s %12s %12s\n' "plexus --version" "$version_wall" "$version_cpu"
printf '  %-20s %12s %12s\n' "plexus providers" "$providers_wall" "$providers_cpu"
awk -v p="$providers_wall" -v v="$version_wall" -v pc="$providers_cpu" -v vc="$version_cpu" 'BEGIN {
    printf "  providers - version (config, ctx, providers): %.3f ms wall, %.3f ms CPU\n",
           p - v, pc - vc
    printf "  --version is process start plus loading libplexus and its dependencies\n"
    printf "  target providers < 10 ms wall: %s\n", (p < 10) ? "met" : "NOT met" }'
cat /proc/loadavg 2>/dev/null | awk '{ printf "  load average during the run: %s\n", $1 }'
