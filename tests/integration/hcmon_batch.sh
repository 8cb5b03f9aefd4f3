#!/usr/bin/env bash
# hcmon's batch mode (--once, -n, --json) against a scripted endpoint whose every page is
# known, a table of malformed and misbehaving endpoints, and a real hcserver under a small
# bounded hcload run: rates are counter differences over the interval, quantiles are
# histogram_quantile of the same buckets, the route figures equal a scrape made just after,
# every bad endpoint is "down" with its reason within the timeout, and the exit status says
# down (1) or alert (99).
# Usage: hcmon_batch.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/lib.sh"
hc_need python3 curl
build=$1
src=$2
hcmon=$build/hcmon/hcmon
tools=$src/tests/integration/tools
tmp=$HC_TMP

python3 "$tools/hcmon_exporter.py" "$tmp/port" "$tmp/served" &
hc_track $!
hc_wait_file "$tmp/port" || hc_fail "the test exporter did not start"
ex=http://127.0.0.1:$(cat "$tmp/port")

# 1. The scripted sequence, with a counter reset in the middle.
rc=0
"$hcmon" -n 6 -i 200ms --json "$ex/seq" >"$tmp/seq.jsonl" || rc=$?
[ "$rc" = 0 ] || hc_fail "hcmon -n 6 on a good endpoint exited $rc"
[ "$(wc -l <"$tmp/seq.jsonl")" = 6 ] || hc_fail "6 samples, not $(wc -l <"$tmp/seq.jsonl") lines"
[ "$(wc -l <"$tmp/served")" = 6 ] || hc_fail "the endpoint served $(wc -l <"$tmp/served") pages"
python3 "$tools/hcmon_check.py" seq "$tmp/seq.jsonl"

# 2. Alerts set the exit status to 99; text mode names the alert.
rc=0
"$hcmon" --once --alert 'requests > 10' "$ex/empty" "$ex/seq" >"$tmp/alert.txt" || rc=$?
[ "$rc" = 99 ] || hc_fail "an alert that held gave exit status $rc, not 99"
grep -q 'ALERT(crit): requests > 10' "$tmp/alert.txt" || hc_fail "no alert in: $(cat "$tmp/alert.txt")"
rc=0
"$hcmon" --once --warn 'p99 > 1h' "$ex/seq" >/dev/null || rc=$?
[ "$rc" = 0 ] || hc_fail "an alert that did not hold gave exit status $rc"
rc=0
"$hcmon" --once --alert 'p99 >> 5' "$ex/seq" 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] || hc_fail "a bad alert expression gave exit status $rc, not 2"
grep -q "p99 >> 5" "$tmp/err" || hc_fail "the usage error does not quote the expression"

# A config file says what the flags say: targets, alerts, the interval.
cat >"$tmp/hcmon.conf" <<CONF
# hcmon.conf
target   = $ex/seq
interval = 100ms
alert    = requests > 10
CONF
rc=0
"$hcmon" --config "$tmp/hcmon.conf" -n 2 --json >"$tmp/conf.jsonl" || rc=$?
[ "$rc" = 99 ] || hc_fail "the config file's alert gave exit status $rc, not 99"
[ "$(wc -l <"$tmp/conf.jsonl")" = 2 ] || hc_fail "the config file's target gave $(wc -l <"$tmp/conf.jsonl") lines"
python3 -c 'import json, sys
l = [json.loads(x) for x in open(sys.argv[1])]
assert 0.05 < l[1]["interval_s"] < 0.5, l[1]["interval_s"]' "$tmp/conf.jsonl" ||
    hc_fail "the config file's interval was not used"
printf 'targte = x\n' >"$tmp/bad.conf"
rc=0
"$hcmon" --config "$tmp/bad.conf" --once 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] && grep -q 'did you mean "target"' "$tmp/err" || hc_fail "a misspelt key: $rc $(cat "$tmp/err")"

# 3. Misbehaving endpoints: each is down with its reason, within the timeout, never a crash.
#    path | what the reason must say
cases='garbage|bad page: line 1
badlabel|bad page: line 2: unterminated label value
binary|bad page
500|HTTP 500
404|HTTP 404
stall|timed out after 1.00s
slow|timed out after 1.00s
reset|reset
huge|page larger than 32.0MiB
huge-cl|page larger than 32.0MiB'
urls=()
while IFS='|' read -r path want; do
    rc=0
    start=$(date +%s%N)
    "$hcmon" --once --json -T 1s "$ex/$path" >"$tmp/bad.json" 2>"$tmp/bad.err" || rc=$?
    took=$((($(date +%s%N) - start) / 1000000))
    [ "$rc" = 1 ] || hc_fail "/$path: exit status $rc, not 1 ($(cat "$tmp/bad.err"))"
    up=$(hc_json "$tmp/bad.json" up)
    reason=$(hc_json "$tmp/bad.json" reason)
    [ "$up" = False ] || hc_fail "/$path: shown as up"
    case $reason in *"$want"*) ;; *) hc_fail "/$path: reason \"$reason\" lacks \"$want\"" ;; esac
    [ "$took" -lt 5000 ] || hc_fail "/$path: took ${took}ms with a 1s timeout"
    echo "/$path: down in ${took}ms: $reason"
    urls+=("$ex/$path")
done <<<"$cases"

# 4. All of them at once beside a good one (served by a process of its own, so that the
#    test server's own load cannot slow it): the good one keeps its schedule.
python3 "$tools/hcmon_exporter.py" "$tmp/port2" "$tmp/served2" &
hc_track $!
hc_wait_file "$tmp/port2" || hc_fail "the second test exporter did not start"
ex2=http://127.0.0.1:$(cat "$tmp/port2")
rc=0
"$hcmon" -n 3 -i 300ms -T 1s --json "$ex2/seq" "${urls[@]}" "http://127.0.0.1:1/metrics" \
    >"$tmp/all.jsonl" || rc=$?
[ "$rc" = 1 ] || hc_fail "down targets gave exit status $rc, not 1"
good=$(grep -c '"url":"'"$ex2"'/seq","kind":"http","sample":[0-9]*,"up":true' "$tmp/all.jsonl" || true)
[ "$good" = 3 ] || hc_fail "the good target has $good up lines of 3: $(grep "$ex2/seq\"" "$tmp/all.jsonl")"
total=$(wc -l <"$tmp/all.jsonl")
[ "$total" = $((3 * (${#urls[@]} + 2))) ] || hc_fail "$total lines for $((${#urls[@]} + 2)) targets x 3"

# 5. A real hcserver after a bounded load: the route's figures equal a scrape made just after
#    (the load has ended, so only GET /metrics moves); then during a load, rate x interval is
#    the difference of the endpoint's counters.
source "$src/tests/integration/lib_hcserver.sh" "$build"
start_server
"$build/hcload/hcload" -c 2 -n 2000 -q "$URL/api/orders/1" || true
"$hcmon" --once --json "$URL/metrics" >"$tmp/srv.jsonl"
curl -sf "$URL/metrics" >"$tmp/srv.prom"
python3 "$tools/hcmon_check.py" route "$tmp/srv.jsonl" "$tmp/srv.prom" 'GET /api/orders/{id}'
"$build/hcload/hcload" -c 2 -R 300 -d 3s -q "$URL/api/orders/1" &
load=$!
hc_track $load
"$hcmon" -n 4 -i 500ms --json "$URL/metrics" >"$tmp/live.jsonl"
wait $load || true
python3 "$tools/hcmon_check.py" consistent "$tmp/live.jsonl" 'GET /api/orders/{id}'
stop_server
echo "hcmon batch: ok"
