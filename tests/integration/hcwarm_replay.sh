# tests/integration/hcwarm_replay.sh: `hcwarm replay` of an nginx access log against a real
# hcserver (Redis L2 on a real redis-server): a log of N lines over T seconds replays in about
# T / speed and sends every line once; latency counts from each line's intended time (a slow
# service shows it even though the sends wait); malformed lines are reported with FILE:LINE
# while the rest replays; a POST without its body is skipped and counted.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_redis.sh"
hc_need redis-server redis-cli python3 curl
source "$(dirname "$0")/lib_hcserver.sh"
source "$(dirname "$0")/lib_hcwarm.sh"
HCWARM=$BUILD/hcwarm/hcwarm
W=$HC_TMP
hc_redis_start
start_server --cache "$HC_REDIS_URL" --confirm-delay 0s
make_orders "$PORT" 50 "$W/urls"

# replay LOG SPEED MIN_S MAX_S: replays, checks the time it took is within [MIN_S, MAX_S].
replay() {
    local t0 took
    t0=$(now_ms)
    "$HCWARM" replay "$1" --target "$URL" --speed "$2" --json "$W/r.json" >"$W/out" 2>&1 ||
        fail "replay $1 x$2 exited $?: $(cat "$W/out")"
    took=$(($(now_ms) - t0))
    python3 - "$took" "$3" "$4" <<'PY' || fail "replay x$2 took ${took} ms, wanted $3..$4 s"
import sys
took, lo, hi = int(sys.argv[1]) / 1000, float(sys.argv[2]), float(sys.argv[3])
sys.exit(0 if lo <= took <= hi else 1)
PY
}

# ---- 200 lines over 8 s at x4: about 2 s, every line once ----
access_log "$W/a.log" 200 8 "$W/urls"
replay "$W/a.log" 4 1.7 6
python3 - "$W/r.json" <<'PY' || fail "x4: $(cat "$W/r.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["lines"] == 200 and d["requested"] == 200 and d["warmed"] == 200, d
assert d["malformed"] == 0 and d["failed"] == 0, d
# The log's span (the last line at 7.96 s, spread within its second) over the speed.
assert 1.7 <= d["expected_s"] <= 2.3, d
assert 1.7 <= d["duration_s"] <= 6, d
assert d["warm"] is True, d
PY
# ---- the same log at x1 keeps its 8 s; at x10 under a second ----
replay "$W/a.log" 1 7.5 14
replay "$W/a.log" 10 0.6 4

# ---- latency from the intended time: a slow service with few connections ----
# 40 lines in 1 s against a stub answering in 100 ms over 2 connections: the sends queue,
# and the last ones wait about 2 s for a connection; their latency says so.
start_slow_stub 0.1
access_log "$W/b.log" 40 1 "$W/urls"
"$HCWARM" replay "$W/b.log" --target "$STUB_URL" -c 2 -t 1 --json "$W/s.json" >"$W/out" 2>&1 ||
    fail "slow replay: $(cat "$W/out")"
python3 - "$W/s.json" <<'PY' || fail "latency not from the intended time: $(cat "$W/s.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["warmed"] == 40, d
# 40 x 100 ms on 2 connections is 2 s of service for 1 s of log: p99 near 1 s or more.
assert d["signals"]["p99_ms"] >= 700, d
assert d["late"] > 10, d
PY

# ---- goals on a replay: the cold stub misses the hit ratio ----
set +e
"$HCWARM" replay "$W/b.log" --target "$STUB_URL" --speed 4 --min-hit-ratio 0.5 >"$W/out" 2>&1
rc=$?
set -e
[ $rc = 1 ] && grep -q 'hit ratio 0.000, goal at least 0.5' "$W/out" ||
    fail "replay goal: $rc $(cat "$W/out")"

# ---- malformed lines and a POST: reported, counted, the rest replayed ----
{
    head -5 "$W/a.log"
    echo 'this is not a log line'
    echo '127.0.0.1 - - [02/Dec/2026:02:53:20 +0000] "GET /x HTTP/1.1" 200'
    echo '127.0.0.1 - - [02/Dec/2026:02:53:20 +0000] "POST /api/orders HTTP/1.1" 201 90 "-" "-"'
    echo '127.0.0.1 - - [02/Dec/2026:02:53:20 +0000] "-" 400 0 "-" "-"'
    tail -5 "$W/a.log"
} >"$W/m.log"
set +e
"$HCWARM" replay "$W/m.log" --target "$URL" --speed 10 --json "$W/m.json" >"$W/out" 2>&1
rc=$?
set -e
[ $rc = 1 ] || fail "malformed log exited $rc: $(cat "$W/out")"
grep -q "$W/m.log:6: expected \[dd/Mon" "$W/out" || fail "line 6: $(cat "$W/out")"
grep -q "$W/m.log:9: expected a request line" "$W/out" || fail "line 9: $(cat "$W/out")"
python3 - "$W/m.json" <<'PY' || fail "malformed counts: $(cat "$W/m.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["malformed"] == 2 and d["skipped"] == 1, d
assert d["requested"] == 11 and d["warmed"] == 10, d   # /x is a 404
assert "2 malformed lines" in d["why"], d
PY

# ---- bad input ----
set +e
"$HCWARM" replay "$W/none.log" --target "$URL" >"$W/out" 2>&1
rc=$?
set -e
[ $rc = 1 ] && grep -q "none.log: No such file" "$W/out" || fail "missing log: $rc $(cat "$W/out")"
: >"$W/empty.log"
set +e
"$HCWARM" replay "$W/empty.log" --target "$URL" >"$W/out" 2>&1
rc=$?
set -e
[ $rc = 1 ] && grep -q "nothing to send" "$W/out" || fail "empty log: $rc $(cat "$W/out")"
set +e
"$HCWARM" replay --target "$URL" >"$W/out" 2>&1
rc=$?
"$HCWARM" replay "$W/a.log" --target "$URL" --speed 0 >"$W/out2" 2>&1
rc2=$?
"$HCWARM" replay "$W/a.log" --target "$URL" --to 5k/s >"$W/out3" 2>&1
rc3=$?
set -e
[ $rc = 2 ] && grep -q 'give the access log' "$W/out" || fail "no log: $rc $(cat "$W/out")"
[ $rc2 = 2 ] && grep -q -- '--speed: "0"' "$W/out2" || fail "speed 0: $rc2 $(cat "$W/out2")"
[ $rc3 = 2 ] && grep -q -- "--to is for http" "$W/out3" || fail "--to: $rc3 $(cat "$W/out3")"
echo "ok"
