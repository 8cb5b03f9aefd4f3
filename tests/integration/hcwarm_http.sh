# tests/integration/hcwarm_http.sh: `hcwarm http` against a real hcserver whose Redis L2 (a
# real redis-server) and L1 fill as it is read: the ramp reaches its last step warm, with the
# hit ratio from X-Cache and from /metrics; against a service that never warms (a slow stub)
# it exits 1 at the deadline naming the signals that missed and their values; a service that
# dies mid-ramp ends the run with a clear message; malformed lists and bad options are
# reported.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_redis.sh"
hc_need redis-server redis-cli python3 curl
source "$(dirname "$0")/lib_hcserver.sh"
source "$(dirname "$0")/lib_hcwarm.sh"
HCWARM=$BUILD/hcwarm/hcwarm
W=$HC_TMP
hc_redis_start
start_server --cache "$HC_REDIS_URL" --confirm-delay 0s
make_orders "$PORT" 200 "$W/urls"

# ---- a server that warms: the ramp ends warm at its last step ----
t0=$(now_ms)
"$HCWARM" http --target "$URL" --urls "$W/urls" --from 50/s --to 400/s --steps 3 \
    --step-hold 2s --p99 500ms --max-errors 1% --min-hit-ratio 0.9 --deadline 60s \
    --json "$W/w.json" >"$W/out" 2>&1 || fail "warm ramp exited $?: $(cat "$W/out")"
took=$(($(now_ms) - t0))
[ "$(hc_json "$W/w.json" warm)" = True ] || fail "not warm: $(cat "$W/w.json")"
[ "$(hc_json "$W/w.json" step)" = 3 ] || fail "step: $(cat "$W/w.json")"
python3 - "$W/w.json" <<'PY' || fail "signals: $(cat "$W/w.json")"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["signals"]
assert s["hit_ratio"] >= 0.9, s
assert s["error_rate"] < 0.01, s
assert s["p99_ms"] < 500, s
assert d["rate"] == 400, d
# Three steps of at least 2 s each.
assert d["duration_s"] >= 6, d
assert d["requested"] >= d["responses"] >= d["warmed"] > 50 * 2 + 225 * 2, d
assert d["failed"] == 0, d
PY
[ "$took" -ge 6000 ] || fail "three 2 s steps took only ${took} ms"
grep -q 'warm, ' "$W/out" || fail "no summary: $(cat "$W/out")"
# The reads filled the shared cache.
[ "$(rcli --scan --pattern 'hc:order:*' | wc -l)" -ge 200 ] || fail "L2 holds $(rcli dbsize) keys"
# Not a terminal: no progress line.
if grep -q $'\r' "$W/out"; then fail "a progress line on a pipe"; fi

# ---- the hit ratio from /metrics (hc_cache_hits_total / misses) ----
"$HCWARM" http --target "$URL" --urls "$W/urls" --from 200/s --to 200/s --steps 1 \
    --step-hold 2s --min-hit-ratio 0.9 --hit-ratio-from metrics --deadline 30s \
    --json "$W/m.json" >"$W/out" 2>&1 || fail "metrics ratio: $(cat "$W/out")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["signals"]["hit_ratio"] >= 0.9, d' \
    "$W/m.json" || fail "metrics hit ratio: $(cat "$W/m.json")"
# A metrics URL that is not there: the ratio is unknown and the message says why.
set +e
"$HCWARM" http --target "$URL" --urls "$W/urls" --from 50/s --to 50/s --steps 1 \
    --step-hold 1s --min-hit-ratio 0.9 --hit-ratio-from "metrics:$URL/nothing" --deadline 3s \
    >"$W/out" 2>&1
rc=$?
set -e
[ $rc = 1 ] || fail "a missing metrics page exited $rc"
grep -q 'hit ratio unknown' "$W/out" && grep -q '/nothing: status 404' "$W/out" ||
    fail "missing metrics message: $(cat "$W/out")"

# ---- the --from-hotkeys source: the report's orders ----
"$HCWARM" http --from-hotkeys "$URL" --admin-token tok --from 100/s --to 100/s --steps 1 \
    --step-hold 1s --max-errors 1% --deadline 20s --json "$W/h.json" >"$W/out" 2>&1 ||
    fail "hotkeys source: $(cat "$W/out")"
[ "$(hc_json "$W/h.json" lines)" -ge 1 ] || fail "no hot keys: $(cat "$W/h.json")"

# ---- the --from-plan source: an hcload plan's data, requests, flows and checks ----
python3 -c 'import sys
print("id")
for l in open(sys.argv[1]):
    print(l.strip().rsplit("/", 1)[1])' "$W/urls" >"$W/orders.csv"
cat >"$W/warm-plan.yaml" <<YAML
target: $URL
data:
  orders: { csv: orders.csv, order: random }
requests:
  read:
    path: /api/orders/{{csv.orders.id}}
    check: { status: 200, json: { status: CONFIRMED } }
    weight: 9
  create:
    method: POST
    path: /api/orders
    headers: { Content-Type: application/json }
    body: '{"user_id":{{randint 1 1000}},"sku":"warm","qty":1,"amount_cents":100}'
    check: { status: 201 }
    extract: { order: json.id }
  again:
    path: /api/orders/{{order}}
    check: { status: 200 }
flows:
  buy: { weight: 1, steps: [create, again] }
YAML
"$HCWARM" http --from-plan "$W/warm-plan.yaml" --from 50/s --to 200/s --steps 2 \
    --step-hold 1s --max-errors 1% --min-hit-ratio 0.8 --deadline 30s --json "$W/p.json" \
    >"$W/out" 2>&1 || fail "--from-plan: $(cat "$W/out")"
python3 - "$W/p.json" "$URL" <<'PY' || fail "--from-plan: $(cat "$W/p.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["warm"] is True and d["failed"] == 0, d
assert d["target"].rstrip("/") == sys.argv[2], d  # --target taken from the plan
assert d["signals"]["hit_ratio"] >= 0.8 and d["signals"]["error_rate"] < 0.01, d
assert d["source"].endswith("warm-plan.yaml"), d
PY
# The flows ran: orders were created through the plan (sku "warm"), each read back.
created=$(curl -s "$URL/api/skus/warm/orders?limit=100" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["orders"]))')
[ "$created" -ge 1 ] || fail "the plan's flow created no order"
# A check that fails on a good status is an error: the ramp is not warm.
sed 's/check: { status: 200, json: { status: CONFIRMED } }/check: { status: 200, json: { status: DELIVERED } }/' \
    "$W/warm-plan.yaml" >"$W/bad-plan.yaml"
set +e
"$HCWARM" http --from-plan "$W/bad-plan.yaml" --from 50/s --to 50/s --steps 1 --step-hold 1s \
    --max-errors 1% --deadline 3s --json "$W/pb.json" >"$W/out" 2>&1
rc=$?
set -e
[ $rc = 1 ] && grep -q 'error rate' "$W/out" || fail "a failing check: exit $rc $(cat "$W/out")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["signals"]["error_rate"] > 0.5, d' \
    "$W/pb.json" || fail "failed checks not counted: $(cat "$W/pb.json")"
# A plan with a request to another server: refused, naming it.
sed "s|^target: .*|target: http://127.0.0.1:1|" "$W/warm-plan.yaml" >"$W/other-plan.yaml"
set +e
"$HCWARM" http --from-plan "$W/other-plan.yaml" --target "$URL" --deadline 3s >"$W/out" 2>&1
rc=$?
set -e
[ $rc = 1 ] && grep -q 'request "read" goes to http://127.0.0.1:1, not to --target' "$W/out" ||
    fail "a plan for another server: exit $rc $(cat "$W/out")"
# A malformed plan: its file, line and column.
printf 'requests:\n  read: { path: /x, wieght: 2 }\n' >"$W/typo.yaml"
set +e
"$HCWARM" http --from-plan "$W/typo.yaml" --target "$URL" >"$W/out" 2>&1
rc=$?
set -e
[ $rc = 1 ] && grep -q "typo.yaml:2:" "$W/out" || fail "a malformed plan: exit $rc $(cat "$W/out")"
echo "ok: --from-plan ramps an hcload plan's requests and flows until warm; a failed check is an error"

# ---- a service that never warms: exit 1 at the deadline, naming the signals ----
start_slow_stub 0.05
t0=$(now_ms)
set +e
"$HCWARM" http --target "$STUB_URL" --urls "$W/urls" --from 20/s --to 40/s --steps 2 \
    --step-hold 2s --p99 5ms --max-errors 1% --min-hit-ratio 0.95 --deadline 6s \
    --json "$W/c.json" >"$W/out" 2>&1
rc=$?
set -e
took=$(($(now_ms) - t0))
[ $rc = 1 ] || fail "a cold service exited $rc: $(cat "$W/out")"
[ "$took" -ge 5900 ] && [ "$took" -lt 30000 ] || fail "gave up after ${took} ms, deadline 6 s"
grep -q 'not warm within --deadline 6.00s, at step 1 of 2' "$W/out" || fail "deadline: $(cat "$W/out")"
grep -Eq 'p99 [0-9.]+ms, goal below 5.00ms' "$W/out" || fail "p99 not named: $(cat "$W/out")"
grep -q 'hit ratio 0.000, goal at least 0.95' "$W/out" || fail "hit ratio not named: $(cat "$W/out")"
if grep -q 'error rate' "$W/out"; then fail "the error rate met its goal: $(cat "$W/out")"; fi
[ "$(hc_json "$W/c.json" warm)" = False ] || fail "json warm: $(cat "$W/c.json")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["signals"]["p99_ms"] >= 50, d' \
    "$W/c.json" || fail "p99 below the stub's delay: $(cat "$W/c.json")"

# ---- the service dies mid-ramp ----
"$HCWARM" http --target "$URL" --urls "$W/urls" --from 100/s --to 100/s --steps 1 \
    --step-hold 1s --p99 1ns --deadline 60s >"$W/out" 2>&1 &
wpid=$!
hc_track "$wpid"
sleep 2.5
crash_server
t0=$(now_ms)
set +e
wait "$wpid"
rc=$?
set -e
took=$(($(now_ms) - t0))
[ $rc = 1 ] || fail "a dead service exited $rc: $(cat "$W/out")"
[ "$took" -lt 20000 ] || fail "took ${took} ms to notice the service was gone"
grep -q 'the service did not answer for a whole step: connect' "$W/out" ||
    fail "dead service message: $(cat "$W/out")"

# ---- malformed lists and bad options ----
printf '/api/orders/1\nnot a path\n/x y\n' >"$W/bad"
start_slow_stub 0
set +e
"$HCWARM" http --target "$STUB_URL" --urls "$W/bad" --from 50/s --to 50/s --steps 1 \
    --step-hold 1s --deadline 10s --json "$W/b.json" >"$W/out" 2>&1
rc=$?
set -e
[ $rc = 1 ] || fail "malformed lines exited $rc"
grep -q "$W/bad:2: " "$W/out" && grep -q "$W/bad:3: " "$W/out" || fail "no FILE:LINE: $(cat "$W/out")"
[ "$(hc_json "$W/b.json" malformed)" = 2 ] || fail "malformed count: $(cat "$W/b.json")"
[ "$(hc_json "$W/b.json" warmed)" -ge 10 ] || fail "the good line was not sent: $(cat "$W/b.json")"
grep -q 'warm, but 2 lines' "$W/out" || fail "summary: $(cat "$W/out")"

usage() { # usage EXPECTED_WORDS ARGS...: exit 2 with the words on stderr
    local want=$1
    shift
    set +e
    "$HCWARM" "$@" >"$W/out" 2>&1
    local r=$?
    set -e
    [ $r = 2 ] || fail "hcwarm $*: exit $r, wanted 2: $(cat "$W/out")"
    grep -qF -- "$want" "$W/out" || fail "hcwarm $*: no \"$want\" in: $(cat "$W/out")"
}
usage 'give one source of requests' http --target "$STUB_URL"
usage '--from (5000/s) is above --to (100/s)' http --target "$STUB_URL" --urls "$W/urls" --from 5k/s --to 100/s
usage '--curve: "steep"' http --target "$STUB_URL" --urls "$W/urls" --curve steep
usage '--p99: "fast"' http --target "$STUB_URL" --urls "$W/urls" --p99 fast
usage '--max-errors: "lots"' http --target "$STUB_URL" --urls "$W/urls" --max-errors lots
usage '--ttl is for redis and memcached' http --target "$STUB_URL" --urls "$W/urls" --ttl 5m
usage '--p99 is for http and replay' redis --target "$HC_REDIS_URL" --from-file "$W/urls" --p99 5ms
usage '--target http[s]://HOST:PORT is needed' http --urls "$W/urls"
usage '--speed is for replay' http --target "$STUB_URL" --urls "$W/urls" --speed 2
set +e
"$HCWARM" http --target "$STUB_URL" --urls "$W/none" >"$W/out" 2>&1
rc=$?
set -e
[ $rc = 1 ] && grep -q "$W/none: No such file" "$W/out" || fail "missing list: $rc $(cat "$W/out")"
echo "ok"
