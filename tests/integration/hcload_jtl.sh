#!/usr/bin/env bash
# hcload --jtl against nginx: the file has JMeter 5's header, and read back by column name
# (python3 csv, as JMeter's tools read it) its rows match the run's summary: one per request,
# labels the plan's names, responseCode counts the JSON's statuses, success false exactly for
# the statuses >= 400, elapsed within the run; --jtl-sample N keeps one row in N per thread;
# a refused connect writes JMeter's "Non HTTP response code" rows; a URL with a comma is quoted.
# Usage: hcload_jtl.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/lib.sh"
hc_need nginx python3
build=$1
hcload=$build/hcload/hcload
tmp=$HC_TMP
hc_nginx_start "location /ok { return 200 'fine'; } location /missing { return 404 'no'; }"
base=http://127.0.0.1:$HC_NGINX_PORT

cat >"$tmp/plan.yaml" <<YAML
target: $base
load: { connections: 4, threads: 2, requests: 3000 }
requests:
  home: { path: "/ok?list=1,2" }
  gone: { path: /missing }
flows:
  browse: { steps: [home, gone] }
YAML

# check JTL JSON SAMPLE: the JTL's rows against the JSON summary (python3 csv by column name).
check() {
    python3 - "$@" <<'PY'
import csv, json, sys
jtl, summary, sample = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3])
header = open(jtl).readline().rstrip("\n")
want = ("timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,"
        "failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect")
assert header == want, "header: %r" % header
rows = list(csv.DictReader(open(jtl, newline="")))
def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)
by = summary["by_name"]
total = summary["requests"] + summary["errors"]["total"]
if sample == 1:
    if len(rows) != total:
        fail("%d rows for %d requests" % (len(rows), total))
    for name, s in by.items():
        mine = [r for r in rows if r["label"] == name]
        if len(mine) != s["requests"]:
            fail("%s: %d rows, %d requests" % (name, len(mine), s["requests"]))
        for code, n in s["responses"].items():
            got = sum(1 for r in mine if r["responseCode"] == code)
            if got != n:
                fail("%s: %d rows of %s, summary %d" % (name, got, code, n))
        bad = sum(1 for r in mine if r["success"] == "false")
        want_bad = sum(n for c, n in s["responses"].items() if int(c) >= 400)
        if bad != want_bad:
            fail("%s: %d rows not successful, %d statuses >= 400" % (name, bad, want_bad))
    labels = {r["label"] for r in rows}
    if labels != set(by):
        fail("labels %s, names %s" % (sorted(labels), sorted(by)))
else:
    # Each thread keeps its 1st, (N+1)th, ... report: per thread ceil(n_t / N).
    threads = summary["threads"]
    lo, hi = total // sample, total // sample + threads
    if not lo <= len(rows) <= hi:
        fail("--jtl-sample %d: %d rows for %d requests" % (sample, len(rows), total))
start = 0
for r in rows:
    if r["URL"] != "" and not r["URL"].startswith("http://127.0.0.1:"):
        fail("URL %r" % r["URL"])
    if int(r["elapsed"]) < 0 or int(r["elapsed"]) > summary["duration_s"] * 1000 + 2000:
        fail("elapsed %s" % r["elapsed"])
    if int(r["timeStamp"]) < 1700000000000:
        fail("timeStamp %s is not epoch milliseconds" % r["timeStamp"])
    if r["label"] == "home" and r["URL"] != r["URL"].strip() or "," in r["label"]:
        fail("label %r" % r["label"])
    if r["threadName"] not in ("hcload 1-1", "hcload 1-2"):
        fail("threadName %r" % r["threadName"])
    if r["grpThreads"] != str(summary["connections"]):
        fail("grpThreads %r" % r["grpThreads"])
print("ok: %d rows" % len(rows))
PY
}

echo "== a plan: one row per request, by name, status and success"
"$hcload" run "$tmp/plan.yaml" -q --json "$tmp/out.json" --jtl "$tmp/out.jtl" ||
    hc_fail "plan run exit $?"
[ "$(hc_json "$tmp/out.json" by_name gone responses 404)" -gt 0 ] || hc_fail "no 404s"
check "$tmp/out.jtl" "$tmp/out.json" 1 || hc_fail "the JTL does not match the summary"
grep -q ",\"$base/ok?list=1,2\"," "$tmp/out.jtl" || hc_fail "a URL with a comma is not quoted"

echo "== --jtl-sample 10"
"$hcload" run "$tmp/plan.yaml" -q --json "$tmp/out.json" --jtl "$tmp/s.jtl" --jtl-sample 10 ||
    hc_fail "sampled run exit $?"
check "$tmp/s.jtl" "$tmp/out.json" 10 || hc_fail "the sampled JTL"

echo "== the quick mode, and failures"
"$hcload" -t 1 -c 2 -n 500 -q --json "$tmp/q.json" --jtl "$tmp/q.jtl" "$base/ok" ||
    hc_fail "quick run exit $?"
[ "$(($(wc -l <"$tmp/q.jtl") - 1))" = 500 ] || hc_fail "quick mode: $(wc -l <"$tmp/q.jtl") lines"
grep -c ",$base/ok,200,OK,hcload 1-1,text,true,," "$tmp/q.jtl" | grep -qx 500 ||
    hc_fail "quick mode rows: $(sed -n 2p "$tmp/q.jtl")"
dead=$(hc_free_port)
rc=0
"$hcload" -t 1 -c 1 -n 5 -d 2s -q --jtl "$tmp/f.jtl" "http://127.0.0.1:$dead/" 2>/dev/null || rc=$?
[ "$rc" = 1 ] || hc_fail "a refused run exit $rc"
python3 - "$tmp/f.jtl" <<'PY' || hc_fail "failure rows"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert rows, "no rows for refused connects"
for r in rows:
    assert r["responseCode"] == "Non HTTP response code: connect", r
    assert r["responseMessage"].startswith("Non HTTP response message: connect"), r
    assert r["success"] == "false" and r["failureMessage"] == r["responseMessage"], r
print("ok: %d failure rows" % len(rows))
PY

echo "== an unwritable --jtl fails before the run"
rc=0
"$hcload" -n 10 -q --jtl "$tmp/no/such/dir.jtl" "$base/ok" 2>"$tmp/err.txt" || rc=$?
[ "$rc" = 1 ] || hc_fail "unwritable --jtl exit $rc"
grep -q -- "--jtl $tmp/no/such/dir.jtl" "$tmp/err.txt" || hc_fail "message: $(cat "$tmp/err.txt")"
echo "PASS"
