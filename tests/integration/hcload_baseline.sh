#!/usr/bin/env bash
# --history, --baseline and hcload compare against a server slowed by a known amount
# (tools/delay_server.py: a sleep per request read from a file): runs append to the SQLite
# history (schema version, columns, histograms that decode to the run's count, the commit
# from GITHUB_SHA); against the same server the gate passes (exit 0) with several earlier runs
# as its baseline; with 5 ms added per request it fails with exit 99 naming the row; compare
# of two stored runs and of two --json files says the same; bad references and tolerances are
# usage errors. The latency bounds are loose (a loaded machine): 5 ms added, 3 ms allowed.
# Usage: hcload_baseline.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/lib.sh"
hc_need python3
build=$1
src=$2
hcload=$build/hcload/hcload
tmp=$HC_TMP
echo 0 >"$tmp/delay"
python3 "$src/tests/integration/tools/delay_server.py" "$tmp/port" "$tmp/delay" &
hc_track $!
hc_wait_file "$tmp/port" || hc_fail "the delay server did not start"
url=http://127.0.0.1:$(cat "$tmp/port")/
db=$tmp/history.db
export GITHUB_SHA=0123456789abcdef0123456789abcdef01234567
tol='p(50):+3ms,error_rate:+1%'

# gate NAME [FLAGS...]: one closed-model run of 2 s on 4 connections; sets rc, out.txt, err.txt.
gate() {
    local name=$1
    shift
    rc=0
    timeout 60 "$hcload" -t 1 -c 4 -d 2s --history "$db" --json "$tmp/$name.json" \
        "$@" "$url" >"$tmp/out.txt" 2>"$tmp/err.txt" || rc=$?
}

echo "== three runs of the same server make the history"
gate first --baseline history --tolerance "$tol"
[ "$rc" = 0 ] || hc_fail "first run (no baseline yet) exit $rc: $(cat "$tmp/err.txt")"
grep -q "no earlier run" "$tmp/out.txt" || hc_fail "the first run does not say it has no baseline"
gate second
[ "$rc" = 0 ] || hc_fail "second run exit $rc"
gate third
[ "$rc" = 0 ] || hc_fail "third run exit $rc"
python3 - "$db" "$tmp/third.json" "$src/tests/integration/tools" <<'PY' || hc_fail "the history"
import json, sqlite3, sys
sys.path.insert(0, sys.argv[3])
import hdr
db = sqlite3.connect(sys.argv[1])
assert db.execute("PRAGMA user_version").fetchone()[0] == 1
runs = db.execute("SELECT id, git_commit, target, plan_hash, requests, p99_us, result FROM runs "
                  "ORDER BY id").fetchall()
assert len(runs) == 3, runs
third = json.load(open(sys.argv[2]))
rid, commit, target, plan_hash, requests, p99, result = runs[-1]
assert commit == "0123456789abcdef0123456789abcdef01234567", commit
assert target == third["url"] and plan_hash is None, (target, plan_hash)
assert requests == third["requests"] and p99 == third["latency_us"]["corrected"]["p99"]
assert json.loads(result)["requests"] == third["requests"]
(blob,) = db.execute("SELECT hdr FROM histograms WHERE run_id = ? AND name = '' AND "
                     "kind = 'corrected'", (rid,)).fetchone()
_, counts = hdr.decode(blob)
assert sum(counts) == third["requests"], (sum(counts), third["requests"])
print("ok: 3 runs, run %d holds %d requests" % (rid, requests))
PY

echo "== the same server: the gate passes against the three runs' spread"
gate same --baseline history --tolerance "$tol"
[ "$rc" = 0 ] || hc_fail "same server exit $rc: $(cat "$tmp/out.txt" "$tmp/err.txt")"
grep -q "Baseline history (3 runs)" "$tmp/out.txt" || hc_fail "not against 3 runs: $(cat "$tmp/out.txt")"
grep -q "no regression" "$tmp/out.txt" || hc_fail "no verdict: $(cat "$tmp/out.txt")"

echo "== 5 ms slower: exit 99, naming the row"
echo 5 >"$tmp/delay"
gate slow --baseline history --tolerance "$tol"
[ "$rc" = 99 ] || hc_fail "slowed server exit $rc: $(cat "$tmp/out.txt" "$tmp/err.txt")"
grep -q "regression against the baseline: total p(50)" "$tmp/err.txt" ||
    hc_fail "the failed row is not named: $(cat "$tmp/err.txt")"
grep -Eq "total +p\(50\) .* REGRESSED" "$tmp/out.txt" || hc_fail "no REGRESSED row: $(cat "$tmp/out.txt")"

echo "== against one --json result, and hcload compare"
rc=0
"$hcload" -t 1 -c 4 -d 2s -q --baseline "$tmp/same.json" --tolerance "$tol" "$url" \
    2>"$tmp/err.txt" || rc=$?
[ "$rc" = 99 ] || hc_fail "--baseline FILE on the slowed server exit $rc"
rc=0
"$hcload" compare --history "$db" last~1 last --tolerance "$tol" >"$tmp/cmp.txt" || rc=$?
[ "$rc" = 99 ] || hc_fail "compare of the stored runs exit $rc: $(cat "$tmp/cmp.txt")"
grep -q "1 regression: total p(50)" "$tmp/cmp.txt" || hc_fail "compare: $(cat "$tmp/cmp.txt")"
rc=0
"$hcload" compare "$tmp/second.json" "$tmp/third.json" --tolerance "$tol" >"$tmp/cmp.txt" || rc=$?
[ "$rc" = 0 ] || hc_fail "compare of two runs of the same server exit $rc: $(cat "$tmp/cmp.txt")"
for row in "p(50)" "p(90)" "p(99)" "p(99.9)" rate error_rate; do
    grep -q "total  *$row " "$tmp/cmp.txt" || hc_fail "compare has no $row row"
done
echo 0 >"$tmp/delay"
gate back --baseline history:3 --tolerance "$tol"
[ "$rc" = 0 ] || hc_fail "back to the first speed, against run 3: exit $rc"

echo "== mistakes"
rc=0
"$hcload" -n 5 --baseline history "$url" 2>"$tmp/err.txt" >/dev/null || rc=$?
[ "$rc" = 2 ] || hc_fail "--baseline history without --history exit $rc"
rc=0
"$hcload" -n 5 --baseline "$tmp/same.json" --tolerance 'p(99):10%' "$url" 2>"$tmp/err.txt" >/dev/null || rc=$?
[ "$rc" = 2 ] || hc_fail "a tolerance without a sign exit $rc"
grep -q "needs a sign" "$tmp/err.txt" || hc_fail "message: $(cat "$tmp/err.txt")"
rc=0
"$hcload" -n 5 --baseline "$tmp/none.json" "$url" 2>"$tmp/err.txt" >/dev/null || rc=$?
[ "$rc" = 1 ] || hc_fail "a missing baseline file exit $rc"
rc=0
"$hcload" compare --history "$db" last~99 last 2>"$tmp/err.txt" >/dev/null || rc=$?
[ "$rc" = 1 ] && grep -q "no run last~99" "$tmp/err.txt" || hc_fail "compare of a run that is not there: $rc"
rc=0
"$hcload" compare "$tmp/same.json" 2>/dev/null || rc=$?
[ "$rc" = 2 ] || hc_fail "compare with one result exit $rc"
echo "PASS"
