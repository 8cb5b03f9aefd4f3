#!/usr/bin/env bash
# hcload as a CI gate: a table of thresholds, each passing and failing, against a server of
# known latency (tools/hcload_badserver.c slow: every answer 30 ms late) and nginx answering
# known statuses; exit status 0 / 99 / 1 / 2; abortOnFail stopping the run within a second
# of its first failing evaluation (and not before delayAbortEval); --junit validated against
# the JUnit schema Jenkins uses. Bounds are loose: the machine may be loaded.
# Usage: hcload_gate.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/lib.sh"
hc_need python3 nginx xmllint
build=$1
src=$2
hcload=$build/hcload/hcload
server=$build/tests/integration/hcload_badserver
xsd=$src/tests/data/junit/junit-10.xsd
tmp=$HC_TMP

json() { hc_json "$tmp/out.json" "$@"; }

# gate ARGS...: hcload with --json and --junit; sets rc, stdout in out.txt, stderr in err.txt.
gate() {
    rc=0
    rm -f "$tmp/out.json" "$tmp/junit.xml"
    timeout 120 "$hcload" --json "$tmp/out.json" --junit "$tmp/junit.xml" "$@" \
        >"$tmp/out.txt" 2>"$tmp/err.txt" || rc=$?
}

# verdicts TABLE: each line of TABLE is "pass|THRESHOLD" or "fail|THRESHOLD"; checks the last
# run's JSON verdict of every one, and that the summary marks it ✓ or ✗ with its figure.
verdicts() {
    python3 - "$tmp/out.json" "$tmp/out.txt" "$1" <<'PY' || hc_fail "verdicts differ: $(cat "$tmp/out.txt")"
import json, sys
got = {t["threshold"]: t for t in json.load(open(sys.argv[1]))["thresholds"]}
text = open(sys.argv[2], encoding="utf-8").read()
bad = 0
for line in open(sys.argv[3]):
    want, _, th = line.strip().partition("|")
    if not th:
        continue
    t = got.get(th)
    if t is None:
        print("missing:", th); bad += 1; continue
    if t["passed"] != (want == "pass"):
        print("%s: want %s, observed %s" % (th, want, t["observed"])); bad += 1
    mark = "\u2713" if want == "pass" else "\u2717"
    if not any(l.strip().startswith(mark + " " + th) for l in text.splitlines()):
        print("summary lacks", mark, th); bad += 1
sys.exit(1 if bad else 0)
PY
}

# table_args TABLE: --threshold flags for every line of TABLE (into the array targs).
table_args() {
    targs=()
    local want th
    while IFS='|' read -r want th; do
        [ -n "$th" ] && targs+=(--threshold "$th")
    done <"$1"
}

junit_valid() {
    xmllint --noout --schema "$xsd" "$tmp/junit.xml" 2>"$tmp/xmllint.txt" ||
        hc_fail "junit.xml does not validate: $(cat "$tmp/xmllint.txt")"
}

# ---- known latency: every answer 30 ms after its request ----
"$server" slow "$tmp/port" "$tmp/count" 30 &
hc_track $!
hc_wait_file "$tmp/port" || hc_fail "slow server did not start"
slow=http://127.0.0.1:$(cat "$tmp/port")/

cat >"$tmp/latency.table" <<'T'
pass|http_req_duration: p(95)>=30
fail|http_req_duration: p(95)<30
pass|http_req_duration: min>=30ms
fail|http_req_duration: min<0.03s
pass|http_req_duration: med<1s
fail|http_req_duration: med>1000
pass|http_req_duration: avg>=30
fail|http_req_duration: avg<30
pass|http_req_duration: max>=30
fail|http_req_duration: max<30ms
pass|http_req_duration: p(99.9) > 29
fail|http_req_duration: p(99.9) <= 29
pass|http_req_duration_uncorrected: p(50)>=30
fail|http_req_duration_uncorrected: p(50)<30
pass|http_reqs: count>10
fail|http_reqs: count>1000000
pass|http_reqs: rate<5000
fail|http_reqs: rate>5000
pass|http_req_failed: rate==0
fail|http_req_failed: rate>0
pass|data_received: count>0
fail|data_received: count<1
pass|data_sent: count>1000
fail|data_sent: rate<1
pass|http_req_duration{status:200}: p(99)>=30
fail|http_req_duration{status:200}: p(99)<30
fail|http_req_duration{status:500}: p(99)<1000
pass|http_req_duration{method:GET}: min>=30
pass|http_reqs{status:200}: count>10
fail|http_reqs{method:GET}: count<10
T
table_args "$tmp/latency.table"
gate -c 4 -d 2s "${targs[@]}" "$slow"
[ "$rc" = 99 ] || hc_fail "latency table: exit $rc, want 99: $(cat "$tmp/err.txt")"
verdicts "$tmp/latency.table"
grep -q "thresholds failed: exit status 99" "$tmp/err.txt" || hc_fail "no exit-99 note on stderr"
junit_valid
python3 - "$tmp/junit.xml" "$tmp/latency.table" <<'PY' || hc_fail "junit.xml content"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
rows = [l.strip().split("|", 1) for l in open(sys.argv[2]) if "|" in l]
cases = {c.get("name"): c for c in root.iter("testcase")}
assert root.get("tests") == str(len(rows)), root.get("tests")
assert root.get("failures") == str(sum(w == "fail" for w, _ in rows)), root.get("failures")
for want, th in rows:
    f = cases[th].find("failure")
    assert (f is None) == (want == "pass"), th
    if f is not None:
        assert f.get("message").startswith("observed "), f.get("message")
# The observed value is in the failure: p(95)<30 failed with a figure of 30 ms or more.
msg = cases["http_req_duration: p(95)<30"].find("failure").get("message")
assert msg.startswith("observed p(95) ") and msg.endswith("ms"), msg
PY

# Only the passing half: exit 0.
grep '^pass|' "$tmp/latency.table" >"$tmp/pass.table"
table_args "$tmp/pass.table"
gate -c 4 -d 1s "${targs[@]}" "$slow"
[ "$rc" = 0 ] || hc_fail "passing thresholds: exit $rc: $(cat "$tmp/out.txt")"
verdicts "$tmp/pass.table"
junit_valid

# The open model: corrected latency counts from when a request was due, so a schedule the
# server cannot keep (1 connection, 30 ms each, 200/s asked for 2 s: the backlog grows to
# well over a second) shows in it and not in the uncorrected figure.
cat >"$tmp/open.table" <<'T'
pass|http_req_duration: p(99)>1s
pass|http_req_duration_uncorrected: p(99)<1s
fail|http_req_duration_uncorrected: p(99)>1s
T
table_args "$tmp/open.table"
gate -c 1 -t 1 -R 200 -d 2s "${targs[@]}" "$slow"
[ "$rc" = 99 ] || hc_fail "open model: exit $rc: $(cat "$tmp/err.txt")"
verdicts "$tmp/open.table"

# ---- abortOnFail: the run stops at the first evaluation that fails ----
cat >"$tmp/abort.yaml" <<YAML
target: $slow
load: { connections: 4, duration: 30s }
requests:
  get: { path: / }
thresholds:
  http_req_duration:
    - threshold: p(95) < 5
      abortOnFail: true
  http_reqs: count > 0
YAML
start=$(date +%s.%N)
gate run "$tmp/abort.yaml"
took=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$(date +%s.%N)")
[ "$rc" = 99 ] || hc_fail "abortOnFail: exit $rc, want 99: $(cat "$tmp/err.txt")"
python3 - "$tmp/out.json" "$took" <<'PY' || hc_fail "abortOnFail timing: $(cat "$tmp/err.txt")"
import json, sys
d = json.load(open(sys.argv[1]))
took = float(sys.argv[2])
t = d["thresholds"][0]
assert not t["passed"] and t["abort_on_fail"], t
at = t["stopped_run_at_s"]
# Evaluated once a second: the first evaluation (about 1 s in) fails and stops the run.
assert at is not None and 0.9 <= at < 3.0, at
assert d["duration_s"] - at < 1.0, (d["duration_s"], at)
assert took < 10, took
assert d["thresholds"][1]["passed"] and d["thresholds"][1]["stopped_run_at_s"] is None
assert d["requests"] > 0
PY
grep -q 'stopped the run at' "$tmp/out.txt" || hc_fail "the summary does not say the run was stopped"
grep -q 'failed at .* and stopped the run (abortOnFail); exit status 99' "$tmp/err.txt" ||
    hc_fail "no abortOnFail note: $(cat "$tmp/err.txt")"
junit_valid
grep -q 'stopped the run at' "$tmp/junit.xml" || hc_fail "junit.xml does not say the run was stopped"

# delayAbortEval: not judged before 3 s into the run.
cat >"$tmp/delay.yaml" <<YAML
target: $slow
load: { connections: 4, duration: 30s }
requests:
  get: { path: / }
thresholds:
  http_req_duration:
    - { threshold: "p(95) < 5", abortOnFail: true, delayAbortEval: 3s }
YAML
gate run "$tmp/delay.yaml"
[ "$rc" = 99 ] || hc_fail "delayAbortEval: exit $rc: $(cat "$tmp/err.txt")"
at=$(json thresholds 0 stopped_run_at_s)
python3 -c "import sys; a = float(sys.argv[1]); sys.exit(0 if 3.0 <= a < 6.0 else 1)" "$at" ||
    hc_fail "delayAbortEval 3s: stopped at $at s"

# A passing abortOnFail threshold lets the run go to its end.
cat >"$tmp/noabort.yaml" <<YAML
target: $slow
load: { connections: 2, duration: 2s }
requests:
  get: { path: / }
thresholds:
  http_req_duration:
    - { threshold: "p(95) < 5s", abortOnFail: true }
YAML
gate run "$tmp/noabort.yaml"
[ "$rc" = 0 ] || hc_fail "passing abortOnFail: exit $rc: $(cat "$tmp/err.txt")"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d['duration_s'] >= 1.9 else 1)" \
    "$tmp/out.json" || hc_fail "a passing abortOnFail threshold stopped the run"

# ---- known statuses (nginx): failures, checks, names, flows ----
hc_nginx_start '
    location = /ok { return 200 "ok"; }
    location = /fail { return 500 "no"; }
    location = /created { return 201 "{}"; }
    location = /missing { return 404 "none"; }'
base=http://127.0.0.1:$HC_NGINX_PORT
cat >"$tmp/status.yaml" <<YAML
target: $base
load: { connections: 4, requests: 600 }
requests:
  ok: { path: /ok, weight: 3 }
  fail: { path: /fail, weight: 1 }
  missing: { path: /missing, weight: 1, check: { status: 404 } }
  wrong: { path: /ok, weight: 1, check: { status: 201 } }
  created: { method: POST, path: /created, body: "{}", check: { status: 201 } }
  read: { path: /ok }
flows:
  buy: { weight: 1, steps: [created, read] }
YAML
cat >"$tmp/status.table" <<'T'
pass|http_req_failed{name:fail}: rate==1
fail|http_req_failed{name:fail}: rate<1
pass|http_req_failed{name:missing}: rate==0
fail|http_req_failed{name:missing}: rate>0
pass|http_req_failed{name:wrong}: rate==1
fail|http_req_failed{name:wrong}: rate<0.5
pass|http_req_failed{name:ok}: rate==0
pass|http_req_failed{status:500}: rate==1
pass|http_req_failed: rate>0.05
pass|http_req_failed: rate<50%
fail|http_req_failed: rate<0.05
pass|checks: rate<1
fail|checks: rate==1
pass|checks{name:created}: rate==1
fail|checks{name:wrong}: rate>0
pass|http_reqs{name:created}: count>0
pass|http_reqs{status:201}: count>0
fail|http_reqs{status:201}: count==0
pass|http_reqs: count==600
fail|http_reqs: count!=600
pass|iterations: count>0
fail|iterations: count==0
pass|iteration_duration{flow:buy}: max<10s
fail|iteration_duration{flow:buy}: max<0
pass|http_req_duration{flow:buy}: p(99)<10s
pass|http_req_duration{name:read,flow:buy}: p(99)<10s
fail|http_reqs{flow:buy,name:fail}: count>0
T
table_args "$tmp/status.table"
gate run "$tmp/status.yaml" "${targs[@]}"
[ "$rc" = 99 ] || hc_fail "status table: exit $rc: $(cat "$tmp/err.txt")"
verdicts "$tmp/status.table"
junit_valid
python3 - "$tmp/junit.xml" <<'PY' || hc_fail "junit checks: $(cat "$tmp/junit.xml")"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = {s.get("name"): s for s in root.iter("testsuite")}
checks = suites["hcload checks"]
cases = {c.get("name"): c for c in checks.iter("testcase")}
assert set(cases) == {"missing: status 404", "wrong: status 201", "created: status 201"}, cases
assert cases["missing: status 404"].find("failure") is None
assert cases["created: status 201"].find("failure") is None
f = cases["wrong: status 201"].find("failure")
assert f is not None and f.get("message").startswith("failed on "), f
n, _, of = f.get("message")[len("failed on "):].partition(" of ")
assert int(n) > 0 and int(n) == int(of.split()[0]), f.get("message")
assert checks.get("tests") == "3" and checks.get("failures") == "1"
PY

# No thresholds: statuses do not set the exit status (transport failures do, as before).
gate -c 2 -n 50 "$base/fail"
[ "$rc" = 0 ] || hc_fail "500s without thresholds: exit $rc"
# With a threshold that tolerates them: 0.
gate -c 2 -n 50 --threshold 'http_req_failed: rate<=1' "$base/fail"
[ "$rc" = 0 ] || hc_fail "500s within the threshold: exit $rc"
gate -c 2 -n 50 --threshold 'http_req_failed: rate<0.01' "$base/fail"
[ "$rc" = 99 ] || hc_fail "100% 500s against rate<0.01: exit $rc"

# ---- the service cannot be measured: 1; usage: 2 ----
dead=$(hc_free_port)
gate -c 1 -d 1s -T 200ms --threshold 'http_req_failed: rate<0.01' "http://127.0.0.1:$dead/"
[ "$rc" = 1 ] || hc_fail "refused port with a threshold: exit $rc, want 1"
[ -s "$tmp/out.json" ] || hc_fail "refused port: no JSON written"

usage() {
    local want=$1
    shift
    rc=0
    "$hcload" -d 1s "$@" >"$tmp/out.txt" 2>"$tmp/err.txt" || rc=$?
    [ "$rc" = 2 ] || hc_fail "$*: exit $rc, want 2"
    grep -qF -- "$want" "$tmp/err.txt" || hc_fail "$*: message: $(cat "$tmp/err.txt")"
}
usage 'unknown metric "http_req_duratoin" (did you mean http_req_duration?)' \
    --threshold 'http_req_duratoin: p(95)<200' "$slow"
usage 'http_req_failed is a rate: its aggregations are rate' \
    --threshold 'http_req_failed: p(95)<200' "$slow"
usage 'a threshold is METRIC: EXPRESSION' --threshold 'p(95)<200' "$slow"
usage "the quick mode's one request has no name" \
    --threshold 'http_req_duration{name:x}: p(95)<200' "$slow"
usage 'the plan has no request "creatd" (did you mean created?)' \
    --threshold 'http_req_duration{name:creatd}: p(95)<200' run "$tmp/status.yaml"
usage 'the plan has no flow "buyy" (did you mean buy?)' \
    --threshold 'http_reqs{flow:buyy}: count>0' run "$tmp/status.yaml"
usage '{status:2000}: a status is 100..599' \
    --threshold 'http_reqs{status:2000}: count>0' "$slow"
usage 'checks belong to a plan' --threshold 'checks: rate>0.9' "$slow"

echo "hcload gate: ok"
