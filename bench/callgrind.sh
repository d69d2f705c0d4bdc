#!/bin/bash
# Noise-free companion to run.sh: instructions per request, plexus against
# raw curl, counted by valgrind's callgrind (CPU time on a shared or
# virtual machine varies by 2x from run to run; instruction counts do not).
#
#   bench/callgrind.sh [CONCURRENCY...]      default: 1 64
#
# Each case runs twice under callgrind (N1 and N2 requests, one round, no
# warm-up); (Ir(N2) - Ir(N1)) / (N2 - N1) leaves out start-up and set-up.
# The profiles of the larger runs stay in $OUT (default
# /tmp/plexus-bench-callgrind) for callgrind_annotate; the hot plexus
# functions of each plexus case are printed, inclusive, per request.
# Environment: N1, N2 (default 2000, 6000), OUT, and run.sh's BUILD, NGINX.
set -u

here=$(cd "$(dirname "$0")" && pwd)
command -v valgrind >/dev/null 2>&1 || { echo "callgrind.sh: valgrind not found" >&2; exit 77; }
n1=${N1:-2000}
n2=${N2:-6000}
out=${OUT:-/tmp/plexus-bench-callgrind}
mkdir -p "$out" || exit 1
[ $# -gt 0 ] || set -- 1 64

# Instructions of one run: SIDE N REQUESTS.
count() {
    local f="$out/cg.$1$2.$3"
    local log="$out/log.$1$2.$3"
    PIN=0 WRAP="valgrind --tool=callgrind --callgrind-out-file=$f" \
        "$here/run.sh" --only "$1" --concurrency "$2" --requests "$3" --rounds 1 \
        --warmup 0 >"$log" 2>&1 || { echo "callgrind.sh: run failed, see $log" >&2; return 1; }
    sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$log" | tail -n 1
}

printf '%-6s %5s %14s %14s %8s\n' N "" "raw instr/req" "plexus instr/req" "ratio"
for conc in "$@"; do
    declare -A per=()
    for side in raw plexus; do
        a=$(count "$side" "$conc" "$n1") || exit 1
        b=$(count "$side" "$conc" "$n2") || exit 1
        per[$side]=$(( (b - a) / (n2 - n1) ))
    done
    printf '%-6s %5s %14d %14d %8.2f   (+%d instructions per call)\n' "$conc" "" \
        "${per[raw]}" "${per[plexus]}" \
        "$(echo "${per[plexus]} / ${per[raw]}" | bc -l 2>/dev/null || echo 0)" \
        $(( per[plexus] - per[raw] ))
done

if command -v callgrind_annotate >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
    for conc in "$@"; do
        echo
        echo "plexus N=$conc: inclusive instructions per request, % of the whole profile (plexus, cJSON, hot curl/libc entry points)"
        callgrind_annotate --inclusive=yes --threshold=100 "$out/cg.plexus$conc.$n2" 2>/dev/null |
        python3 -c '
import re, sys
n = int(sys.argv[1])
rows = []
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(\S+)\s+\[(.*)\]", line)
    if not m:
        continue
    name = m.group(3).rsplit(":", 1)[-1]
    obj = m.group(4).rsplit("/", 1)[-1]
    if name.startswith("0x") or "\x27" in name:
        continue
    if not (obj.startswith("libplexus") or obj.startswith("libcjson") or name in (
            "curl_multi_perform", "curl_easy_perform", "curl_easy_reset", "curl_easy_setopt",
            "malloc", "free", "calloc", "realloc", "__isoc99_sscanf", "__sprintf_chk")):
        continue
    ir = int(m.group(1).replace(",", "")) / n
    if ir >= 500:
        rows.append((ir, m.group(2), name, obj))
for ir, pct, name, obj in rows[:40]:
    print(f"{ir:9.0f} {pct:>6}%  {name}  [{obj}]")
' "$n2"
    done
fi
