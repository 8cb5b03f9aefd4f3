# tests/integration/hcwarm_run.sh: `hcwarm run PLAN.yaml` against a real hcserver and its
# real Redis L2: preload the shards into Redis, ramp reads until warm, confirm /readyz, every
# step with its goals, exit 0 and a JSON of every step; a step that misses its goals (a ramp
# against a service that never warms) stops the script with exit 1 naming the step, and the
# steps after it do not run; a malformed plan is refused before anything runs (exit 2).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_redis.sh"
hc_need redis-server redis-cli python3 curl
source "$(dirname "$0")/lib_hcserver.sh"
source "$(dirname "$0")/lib_hcwarm.sh"
HCWARM=$(cd "$BUILD" && pwd)/hcwarm/hcwarm # absolute: a step runs from another directory
W=$HC_TMP
hc_redis_start
start_server --cache "$HC_REDIS_URL" --confirm-delay 0s
make_orders "$PORT" 300 "$W/urls"
rcli flushall >/dev/null

mkdir -p "$W/plans"
cp "$W/urls" "$W/plans/hot.txt"
cat >"$W/plans/warm.yaml" <<YAML
# a pre-event script: the shards into Redis, reads ramped until warm, then readiness
target: $URL
steps:
  - name: preload
    redis:
      target: $HC_REDIS_URL
      from-store: sqlite:$W/data
      limit: 1000
      ttl: 10m
      jitter: 1m
  - name: ramp
    http:
      urls: hot.txt
      from: 50/s
      to: 300/s
      steps: 2
      step-hold: 2s
      p99: 500ms
      max-errors: 1%
      min-hit-ratio: 0.9
      deadline: 60s
  - name: readiness
    ready: {timeout: 10s}
YAML
(cd / && "$HCWARM" run "$W/plans/warm.yaml" --json "$W/run.json") >"$W/out" 2>&1 ||
    fail "the plan failed: $(cat "$W/out")"
python3 - "$W/run.json" <<'PY' || fail "run JSON: $(cat "$W/run.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and d["failed_step"] is None, d
names = [s["step"] for s in d["steps"]]
assert names == ["preload", "ramp", "readiness"], names
assert all(s["ok"] for s in d["steps"]), d
ramp = d["steps"][1]
assert ramp["warm"] is True and ramp["signals"]["hit_ratio"] >= 0.9, ramp
# hot.txt was found next to the plan, not in the working directory.
assert ramp["source"].endswith("/plans/hot.txt"), ramp
assert d["steps"][2]["status"] == 200, d
PY
# The preload put every order into Redis under hcserver's key, with the plan's TTL.
[ "$(rcli --scan --pattern 'hc:order:*' | wc -l)" = 300 ] || fail "Redis holds $(rcli dbsize) keys"
first=$(head -1 "$W/urls" | grep -o '[0-9]*$')
ttl=$(rcli pttl "hc:order:$first")
[ "$ttl" -gt 500000 ] && [ "$ttl" -le 660000 ] || fail "TTL $ttl"
grep -q 'hcwarm run: step 2 of 3: ramp (http)' "$W/out" || fail "step lines: $(cat "$W/out")"
grep -q 'every step met its goals (3 steps' "$W/out" || fail "summary: $(cat "$W/out")"

# ---- a step that misses its goals stops the script, naming it ----
start_slow_stub 0.05
cat >"$W/cold.yaml" <<YAML
target: $STUB_URL
steps:
  - name: ramp
    http: {urls: $W/urls, from: 20/s, to: 20/s, steps: 1, step-hold: 1s, p99: 5ms, deadline: 3s}
  - name: never
    ready: {url: "$URL/readyz"}
YAML
set +e
"$HCWARM" run "$W/cold.yaml" --json "$W/cold.json" >"$W/out" 2>&1
rc=$?
set -e
[ $rc = 1 ] || fail "a failing step exited $rc: $(cat "$W/out")"
grep -q 'hcwarm run: step "ramp" failed: not warm within --deadline 3.00s' "$W/out" ||
    fail "no step named: $(cat "$W/out")"
grep -Eq 'p99 [0-9.]+ms, goal below 5.00ms' "$W/out" || fail "no signal named: $(cat "$W/out")"
if grep -q 'step 2 of 2' "$W/out"; then fail "the step after the failed one ran"; fi
python3 - "$W/cold.json" <<'PY' || fail "cold JSON: $(cat "$W/cold.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False and d["failed_step"] == "ramp" and len(d["steps"]) == 1, d
assert "p99" in d["why"], d
PY
# ---- a readiness that never comes ----
printf 'steps:\n  - ready: {url: "http://127.0.0.1:1/readyz", timeout: 1s}\n' >"$W/refused.yaml"
set +e
"$HCWARM" run "$W/refused.yaml" >"$W/out" 2>&1
rc=$?
set -e
[ $rc = 1 ] && grep -q 'step "ready#1" failed: GET http://127.0.0.1:1/readyz:' "$W/out" ||
    fail "refused readiness: $rc $(cat "$W/out")"

# ---- malformed plans: refused before any step runs ----
plan_error() { # plan_error TEXT EXPECTED
    printf '%b' "$1" >"$W/bad.yaml"
    set +e
    "$HCWARM" run "$W/bad.yaml" >"$W/out" 2>&1
    local r=$?
    set -e
    [ $r = 2 ] || fail "plan $1: exit $r: $(cat "$W/out")"
    grep -qF -- "$2" "$W/out" || fail "plan $1: no \"$2\" in: $(cat "$W/out")"
    if grep -q 'step 1 of' "$W/out"; then fail "plan $1: a step ran"; fi
}
plan_error "steps:\n  - ready: {url: \"$URL/readyz\"}\n  - http:\n      urls: a\n      p999: 5ms\n" \
    "bad.yaml:5:7: steps[1].http: unknown key \"p999\" (did you mean \"p99\"?)"
plan_error "steps:\n  - http: {urls: a, to: fast, target: \"$URL\"}\n" \
    "bad.yaml:2:21: steps[0].http: --to: \"fast\": expected a rate"
plan_error "steps: [\n" "bad.yaml:2:1: YAML:"
plan_error "stepz: []\n" "did you mean \"steps\"?"
plan_error "steps:\n  - name: x\n" "steps[0]: expected one of redis, memcached, http, replay or ready"
set +e
"$HCWARM" run "$W/missing.yaml" >"$W/out" 2>&1
rc=$?
"$HCWARM" run "$W/plans/warm.yaml" --p99 5ms >"$W/out2" 2>&1
rc2=$?
set -e
[ $rc = 2 ] && grep -q 'missing.yaml: No such file' "$W/out" || fail "missing plan: $rc $(cat "$W/out")"
[ $rc2 = 2 ] && grep -q -- '--p99 belongs in the plan' "$W/out2" || fail "flag with run: $(cat "$W/out2")"
echo "ok"
