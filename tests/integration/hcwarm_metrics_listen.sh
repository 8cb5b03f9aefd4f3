#!/usr/bin/env bash
# tests/integration/hcwarm_metrics_listen.sh: hcwarm --metrics-listen: while `hcwarm http`
# ramps reads to a real hcserver (its Redis L2 a real redis-server) and while `hcwarm redis`
# preloads a file at a capped rate, /metrics is scraped twice with curl; both pages parse with
# hc's own parser (tools/hcserver_metrics_check.c) and carry every family, the counters grow,
# the ramp's step, rates and goals are those asked, the preload's keys done and total agree
# with the file. A bad address is a usage error; a busy port fails before any traffic; the
# listener is gone when hcwarm exits.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_redis.sh"
hc_need redis-server redis-cli python3 curl
source "$(dirname "$0")/lib_hcserver.sh"
source "$(dirname "$0")/lib_hcwarm.sh"
HCWARM=$BUILD/hcwarm/hcwarm
CHECK=$TOOLS/hcserver_metrics_check
W=$HC_TMP
families="hc_hcwarm_keys_done_total hc_hcwarm_keys_failed_total hc_hcwarm_keys_total
    hc_hcwarm_requests_total hc_hcwarm_failures_total hc_hcwarm_rate hc_hcwarm_target_rate
    hc_hcwarm_step hc_hcwarm_steps hc_hcwarm_p99_seconds hc_hcwarm_p99_goal_seconds
    hc_hcwarm_error_ratio hc_hcwarm_error_ratio_goal hc_hcwarm_hit_ratio
    hc_hcwarm_hit_ratio_goal hc_hcwarm_warm hc_hcwarm_elapsed_seconds"
hc_redis_start
start_server --cache "$HC_REDIS_URL" --confirm-delay 0s
make_orders "$PORT" 100 "$W/urls"

# scrape HPID URL FILE PATTERN: the first page (within 10 s) on which PATTERN matches.
scrape() {
    for _ in $(seq 1 200); do
        if curl -sf "$2" -o "$3" && grep -Eq "$4" "$3"; then
            return 0
        fi
        kill -0 "$1" 2>/dev/null || fail "hcwarm exited before $4: $(cat "$W/err")"
        sleep 0.05
    done
    fail "no page with $4 within 10 s"
}

# check_page FILE: parses with hc's parser and has every family.
check_page() {
    # shellcheck disable=SC2086
    "$CHECK" $families <"$1" >/dev/null || fail "$1 does not parse or lacks a family: $(cat "$1")"
}

# finish HPID URL PAGE1 PAGE2 WHAT: both pages parse, hcwarm WHAT exits 0 and its listener
# goes with it.
finish() {
    check_page "$3"
    check_page "$4"
    local rc=0
    wait "$1" || rc=$?
    [ "$rc" = 0 ] || fail "hcwarm $5 exit $rc: $(cat "$W/err")"
    if curl -s --max-time 2 "$2" >/dev/null; then fail "the listener outlived hcwarm $5"; fi
}

# ---- a ramp: three steps of 2 s ----
mport=$(hc_free_port)
url=http://127.0.0.1:$mport/metrics
"$HCWARM" http --target "$URL" --urls "$W/urls" --from 50/s --to 400/s --steps 3 \
    --step-hold 2s --p99 500ms --max-errors 1% --min-hit-ratio 0.9 --deadline 60s \
    --metrics-listen "127.0.0.1:$mport" --json "$W/w.json" >"$W/out" 2>"$W/err" &
hpid=$!
hc_track "$hpid"
scrape "$hpid" "$url" "$W/p1.txt" '^hc_hcwarm_requests_total [1-9]'
sleep 2.5
curl -sf -D "$W/h2.txt" "$url" -o "$W/p2.txt" || fail "second scrape failed"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$W/h2.txt" || fail "content type: $(cat "$W/h2.txt")"
finish "$hpid" "$url" "$W/p1.txt" "$W/p2.txt" http
python3 - "$W/p1.txt" "$W/p2.txt" "$W/w.json" <<'PY' || fail "ramp page values: $(cat "$W/p2.txt")"
import json, math, sys
def page(path):
    vals = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        name, v = line.split()
        vals[name] = float(v)
    return vals
a, b = page(sys.argv[1]), page(sys.argv[2])
run = json.load(open(sys.argv[3]))
r = "hc_hcwarm_requests_total"
assert 0 < a[r] < b[r] <= run["requested"], (a[r], b[r], run["requested"])
assert b["hc_hcwarm_failures_total"] == 0
assert b["hc_hcwarm_elapsed_seconds"] > a["hc_hcwarm_elapsed_seconds"] > 0
assert 1 <= a["hc_hcwarm_step"] <= b["hc_hcwarm_step"] <= 3, (a["hc_hcwarm_step"], b["hc_hcwarm_step"])
assert b["hc_hcwarm_steps"] == 3
# The ramp's rates: 50, 225, 400 a second.
for v in (a, b):
    want = {1: 50, 2: 225, 3: 400}[int(v["hc_hcwarm_step"])]
    assert v["hc_hcwarm_target_rate"] == want, v
    # The rate of the window being judged: a new window's first quarter second may be empty
    # or hold a catch-up burst on a loaded machine.
    assert 0 <= v["hc_hcwarm_rate"] < 4 * want + 50, v
assert b["hc_hcwarm_p99_goal_seconds"] == 0.5
assert b["hc_hcwarm_error_ratio_goal"] == 0.01
assert b["hc_hcwarm_hit_ratio_goal"] == 0.9
assert 0 <= b["hc_hcwarm_p99_seconds"] < 10, b
assert b["hc_hcwarm_error_ratio"] == 0
h = b["hc_hcwarm_hit_ratio"]
assert math.isnan(h) or 0 <= h <= 1, b  # NaN: a window without a read yet
assert b["hc_hcwarm_warm"] == 0  # not before the last step's verdict
assert math.isnan(b["hc_hcwarm_keys_total"]) and b["hc_hcwarm_keys_done_total"] == 0
PY

# ---- a preload: 6000 keys at 2000/s ----
python3 -c 'import sys
with open(sys.argv[1], "w") as f:
    for i in range(6000):
        f.write(f"ml:{i:05d}\tvalue {i:05d}\n")' "$W/keys"
mport=$(hc_free_port)
url=http://127.0.0.1:$mport/metrics
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/keys" --max-rate 2000/s \
    --metrics-listen "127.0.0.1:$mport" >"$W/out" 2>"$W/err" &
hpid=$!
hc_track "$hpid"
scrape "$hpid" "$url" "$W/k1.txt" '^hc_hcwarm_keys_done_total [1-9]'
sleep 1
curl -sf "$url" -o "$W/k2.txt" || fail "preload scrape failed"
finish "$hpid" "$url" "$W/k1.txt" "$W/k2.txt" redis
python3 - "$W/k1.txt" "$W/k2.txt" <<'PY' || fail "preload page values: $(cat "$W/k2.txt")"
import sys
def page(path):
    return {l.split()[0]: float(l.split()[1]) for l in open(path) if l.strip() and l[0] != "#"}
a, b = page(sys.argv[1]), page(sys.argv[2])
d = "hc_hcwarm_keys_done_total"
assert 0 < a[d] < b[d] <= 6000, (a[d], b[d])
assert b["hc_hcwarm_keys_failed_total"] == 0
# Lines of one length: the estimate from the bytes read is the file's count.
assert abs(b["hc_hcwarm_keys_total"] - 6000) <= 60, b["hc_hcwarm_keys_total"]
assert 0 < b["hc_hcwarm_rate"] < 4000, b["hc_hcwarm_rate"]  # capped at 2000/s
assert b["hc_hcwarm_requests_total"] == 0 and b["hc_hcwarm_step"] == 0
PY

# ---- a bad address: usage (2); a port in use: 1, before any key is sent ----
rc=0
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/keys" --metrics-listen localhost \
    >/dev/null 2>"$W/err" || rc=$?
[ "$rc" = 2 ] || fail "bad --metrics-listen: exit $rc"
grep -q 'expected a numeric address and port' "$W/err" || fail "message: $(cat "$W/err")"
sed 's/^ml:/busy:/' "$W/keys" >"$W/busy"
rc=0
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/busy" \
    --metrics-listen "127.0.0.1:$HC_REDIS_PORT" >"$W/out" 2>"$W/err" || rc=$?
[ "$rc" = 1 ] || fail "busy --metrics-listen port: exit $rc"
grep -q 'cannot listen on' "$W/err" || fail "message: $(cat "$W/err")"
[ "$(rcli --scan --pattern 'busy:*' | wc -l)" = 0 ] || fail "keys were sent despite the busy port"
[ ! -s "$W/out" ] || fail "a run started despite the busy port: $(cat "$W/out")"
echo "hcwarm metrics-listen: ok"
