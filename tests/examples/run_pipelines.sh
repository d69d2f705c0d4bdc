#!/usr/bin/env bash
# Runs every pipeline of examples/pipelines/ with the plexus tool, offline,
# in a temporary working directory (the file sinks of examples/plexus.json
# write to out/ there), checks the results and the alert sinks, and checks
# that a rerun with --resume changes nothing. Then runs examples/main_job.sh.
#
# Usage: run_pipelines.sh PLEXUS_BINARY EXAMPLES_DIR
# PLEXUS_WRAP (e.g. "valgrind -q --error-exitcode=99") goes in front of
# every plexus command.
set -euo pipefail

plexus=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
examples=$(cd "$2" && pwd)
wrap=${PLEXUS_WRAP:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/plexus-examples.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir out

n=0
failures=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $1"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
lines() { if [ -f "$1" ]; then wc -l < "$1" | tr -d ' '; else echo 0; fi; }
count() { grep -c -- "$1" "$2" || true; }
eq() { [ "$1" = "$2" ] || { echo "# expected $2, got $1" >&2; return 1; }; }

# run PIPELINE INPUT OUTPUT [options]
run() {
    local pipeline=$1 input=$2 output=$3
    shift 3
    # shellcheck disable=SC2086
    $wrap "$plexus" -q --config "$examples/plexus.json" run \
        "$examples/pipelines/$pipeline.json" --input "$input" --output "$output" "$@"
}

# Runs a pipeline, checks its counts, reruns it with --resume and checks
# that neither the results nor the sinks changed.
run_and_resume() {
    local name=$1 input=$2
    shift 2
    check "$name: runs" run "$name" "$input" "out/$name.jsonl"
    check "$name: one result per input line" eq "$(lines "out/$name.jsonl")" "$(lines "$input")"
    check "$name: no dead letters" eq "$(lines "out/$name.jsonl.dead.jsonl")" 0
    mkdir -p before
    cp out/*.jsonl before/
    check "$name: rerun with --resume" run "$name" "$input" "out/$name.jsonl" --resume
    local f
    for f in before/*.jsonl; do
        check "$name: --resume left $(basename "$f") as it was" cmp -s "$f" "out/$(basename "$f")"
    done
    rm -rf before
}

# Every output line has every field (a field may be null only where said).
has_fields() {
    local file=$1 want=$2 field
    shift 2
    for field in "$@"; do
        eq "$(count "\"$field\":" "$file")" "$want" || { echo "# field $field" >&2; return 1; }
    done
}

tickets="$examples/data/tickets.jsonl"
costs="$examples/data/costs.jsonl"

# ticket_triage: every negative ticket, and only those, alerted.
run_and_resume ticket_triage "$tickets"
t=out/ticket_triage.jsonl
check "ticket_triage: fields" has_fields "$t" 200 id sentiment score summary language alerted
negative=$(count '"sentiment":"negative"' "$t")
check "ticket_triage: some tickets are negative ($negative)" test "$negative" -gt 10
check "ticket_triage: negative tickets alerted" \
    eq "$(count '"sentiment":"negative",[^}]*"alerted":"ok"' "$t")" "$negative"
check "ticket_triage: other tickets not alerted" eq "$(count '"alerted":"skipped"' "$t")" \
    $((200 - negative))
check "ticket_triage: one sink line per alert" eq "$(lines out/alerts.jsonl)" "$negative"
missing=0
for id in $(grep '"sentiment":"negative"' "$t" | sed 's/.*"id":"\([^"]*\)".*/\1/'); do
    grep -q "\"dedup_key\":\"ticket-$id\"" out/alerts.jsonl || missing=$((missing + 1))
done
check "ticket_triage: each negative ticket's alert is in the sink" eq "$missing" 0
check "ticket_triage: alerts are warnings from ticket-triage" \
    eq "$(count '"severity":"warning","source":"ticket-triage"' out/alerts.jsonl)" "$negative"
rm -f out/*

# cost_spike: scenario 1 only (3 spikes, 2 of them critical).
run_and_resume cost_spike "$costs"
c=out/cost_spike.jsonl
check "cost_spike: fields" has_fields "$c" 10 id type slack pager jira
check "cost_spike: chat alerts" eq "$(lines out/slack.jsonl)" 3
check "cost_spike: pages for critical spikes" eq "$(lines out/pagerduty.jsonl)" 2
check "cost_spike: tickets" eq "$(lines out/jira.jsonl)" 3
check "cost_spike: pages are critical" eq "$(count '"severity":"critical"' out/pagerduty.jsonl)" 2
check "cost_spike: other records untouched" \
    eq "$(count '"slack":"skipped","pager":"skipped","jira":"skipped"' "$c")" 7
rm -f out/*

# cost_alerts: the four scenarios; pages for critical spikes and budgets.
run_and_resume cost_alerts "$costs"
c=out/cost_alerts.jsonl
check "cost_alerts: fields" has_fields "$c" 10 id type severity slack pager jira
check "cost_alerts: every record to chat" eq "$(lines out/slack.jsonl)" 10
check "cost_alerts: every record to tickets" eq "$(lines out/jira.jsonl)" 10
check "cost_alerts: pages: 2 critical spikes + 2 budgets" eq "$(lines out/pagerduty.jsonl)" 4
check "cost_alerts: budget_exceeded paged" \
    eq "$(count '"type":"budget_exceeded",[^}]*"pager":"ok"' "$c")" 2
check "cost_alerts: daily reports not paged" \
    eq "$(count '"type":"daily_report",[^}]*"pager":"skipped"' "$c")" 2
for kind in cost_spike recommendation budget_exceeded daily_report; do
    check "cost_alerts: $kind in the chat sink" grep -q "\"title\":\"\\[$kind\\]" out/slack.jsonl
done
rm -f out/*

# batch_scoring: language, sentiment, topic and a 64-dimension vector.
run_and_resume batch_scoring "$tickets"
s=out/batch_scoring.jsonl
check "batch_scoring: fields" has_fields "$s" 200 id language language_confidence \
    sentiment score topic vector
check "batch_scoring: 64-dimension vectors" \
    eq "$(head -n 1 "$s" | sed 's/.*"vector":\[\([^]]*\)\].*/\1/' | tr ',' '\n' | wc -l | tr -d ' ')" 64
check "batch_scoring: several languages" \
    test "$(sed 's/.*"language":"\([a-z]*\)".*/\1/' "$s" | sort -u | wc -l)" -ge 5
check "batch_scoring: topics found" test "$(count '"topic":"other"' "$s")" -lt 150
rm -f out/*

# The main job, as a newcomer runs it.
build=$(dirname "$(dirname "$plexus")")
if [ -z "$wrap" ]; then
    if "$examples/main_job.sh" "$build" "$work/main" >main_job.log 2>&1; then
        ok "main_job.sh runs"
    else
        bad "main_job.sh runs"
        sed 's/^/# /' main_job.log
    fi
    check "main_job.sh reports the alerts" grep -q "negative tickets alerted" main_job.log
    check "main_job.sh shows two results" eq "$(count '^{"line":' main_job.log)" 2
    check "main_job.sh: missing build is a clear error" \
        sh -c "'$examples/main_job.sh' '$work/no-build' 2>&1 | grep -q 'Build it first'"
fi

echo "1..$n"
[ "$failures" -eq 0 ]
