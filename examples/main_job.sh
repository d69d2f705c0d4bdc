#!/usr/bin/env bash
# The main job: triage 200 support tickets offline with the plexus CLI.
#
# Each ticket gets a sentiment, a one-sentence summary and a language; a
# negative one also raises an alert, appended to a JSONL file (the `file`
# kind standing in for Slack or PagerDuty). No network, no keys.
#
# Usage: examples/main_job.sh [BUILD_DIR [WORK_DIR]]
#   BUILD_DIR  the meson build directory (default: build)
#   WORK_DIR   where out/ is written (default: a new temporary directory)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-build}
plexus="$build/src/plexus"
if [ ! -x "$plexus" ]; then
    echo "main_job: no plexus tool at '$plexus'." >&2
    echo "  Build it first:  meson setup build && ninja -C build" >&2
    echo "  or pass the build directory:  $0 BUILD_DIR" >&2
    exit 1
fi
plexus=$(cd "$(dirname "$plexus")" && pwd)/plexus

work=${2:-}
if [ -z "$work" ]; then
    work=$(mktemp -d "${TMPDIR:-/tmp}/plexus-main-job.XXXXXX")
fi
mkdir -p "$work/out"
work=$(cd "$work" && pwd)

config="$here/plexus.json"
pipeline="$here/pipelines/ticket_triage.json"
input="$here/data/tickets.jsonl"

# The file sinks in plexus.json use paths relative to the working directory
# (out/alerts.jsonl), so run from WORK_DIR. Start afresh: the alert sink
# appends, and a previous run's lines would be counted twice.
cd "$work"
rm -f out/triage.jsonl out/triage.jsonl.dead.jsonl out/triage.jsonl.checkpoint \
      out/alerts.jsonl

echo "== plexus run ticket_triage over $(wc -l < "$input") tickets (offline)"
echo "   $plexus --config $config run $pipeline \\"
echo "       --input $input --output out/triage.jsonl"
"$plexus" --config "$config" run "$pipeline" \
    --input "$input" --output out/triage.jsonl --no-progress 2>&1

count() { grep -c "$1" "$2" || true; }
records=$(wc -l < out/triage.jsonl)
failed=$(wc -l < out/triage.jsonl.dead.jsonl)
negative=$(count '"sentiment":"negative"' out/triage.jsonl)
alerted=$(count '"alerted":"ok"' out/triage.jsonl)
alerts=0
[ -f out/alerts.jsonl ] && alerts=$(wc -l < out/alerts.jsonl)

echo
echo "== what it did"
echo "   results:          $records (failed: $failed)"
echo "   sentiment:        $(count '"sentiment":"positive"' out/triage.jsonl) positive," \
     "$(count '"sentiment":"neutral"' out/triage.jsonl) neutral, $negative negative"
echo "   alerts raised:    $alerted negative tickets alerted ($alerts lines in the alert sink)"
echo
echo "== files"
echo "   results:          $work/out/triage.jsonl"
echo "   alerts:           $work/out/alerts.jsonl"
echo "   failed records:   $work/out/triage.jsonl.dead.jsonl"
echo "   resume point:     $work/out/triage.jsonl.checkpoint"
echo
echo "== first two results"
head -n 2 out/triage.jsonl
echo
echo "Next: examples/README.md (more pipelines, the C examples)."

if [ "$records" -eq 0 ] || [ "$failed" -ne 0 ] || [ "$alerted" -ne "$alerts" ]; then
    echo "main_job: unexpected result (see above)" >&2
    exit 1
fi
