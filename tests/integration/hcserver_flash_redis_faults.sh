#!/usr/bin/env bash
# integration.hcserver_flash_redis_faults: Redis killed (SIGKILL) under a grab load and
# restarted on the same port and files (appendfsync always). While it is down every grab
# answers 503 with Retry-After and takes nothing, and so does a read of the sale; /metrics
# and the log say so, once per transition; within 5 s of Redis coming back grabs are
# accepted again, without a restart of hcserver; no grab is lost or oversold, and every ticket
# becomes an order. The measured figures are printed.
# Usage: hcserver_flash_redis_faults.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need curl python3 redis-server redis-cli
source "$(dirname "$0")/lib_hcserver.sh"
source "$(dirname "$0")/lib_redis.sh"

ROPTS=(--appendonly yes --appendfsync always)
hc_redis_start "${ROPTS[@]}"
start_server --queue "$HC_REDIS_URL"
expect 200 POST /admin/flash '{"sku":"storm","stock":1000000}' -H 'Authorization: Bearer tok'

# The load: rounds of 20 connections grabbing as 200,000 users, until told to stop.
(
    r=0
    while [ ! -f "$WORK/stop" ]; do
        "$TOOLS/hcserver_blast" grab "$PORT" storm 200000 4000 20 >"$WORK/load.$r" || true
        r=$((r + 1))
    done
) &
LOAD=$!
hc_track $LOAD

# The probe: one grab at a time from fresh users, each answer with its time.
python3 - "$PORT" "$WORK/probe" "$WORK/stop" <<'EOF' &
import http.client, sys, time, os
port, out, stop = int(sys.argv[1]), open(sys.argv[2], "w"), sys.argv[3]
conn, user = None, 5000000
while not os.path.exists(stop):
    user += 1
    body = '{"user_id":%d}' % user
    t = time.time()
    try:
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/api/flash/storm/grab", body, {"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        st, ra = r.status, r.getheader("Retry-After") or "-"
    except Exception:
        conn, st, ra = None, 0, "-"
    out.write("%.3f %.3f %d %s\n" % (t, time.time(), st, ra))
    out.flush()
    time.sleep(0.01)
EOF
PROBE=$!
hc_track $PROBE

sleep 3
T_KILL=$(date +%s.%N)
kill -KILL "$HC_REDIS_PID"
wait "$HC_REDIS_PID" 2>/dev/null || true
sleep 1.5
curl -s "$URL/metrics" >"$WORK/metrics.down"
grep -q '^hc_queue_backend_up{queue="flash"} 0' "$WORK/metrics.down" ||
    fail "/metrics does not show the queue's Redis down: $(grep backend_up "$WORK/metrics.down")"
expect 503 POST /api/flash/storm/grab '{"user_id":4999999}'
expect 503 GET /api/flash/storm # the sale lives in Redis: not a 404
sleep 1.5
T_BACK=$(date +%s.%N)
redis-server --port "$HC_REDIS_PORT" --bind 127.0.0.1 --save '' "${ROPTS[@]}" \
    --dir "$HC_TMP/redis" --daemonize no >>"$HC_TMP/redis/log" 2>&1 &
HC_REDIS_PID=$!
hc_track $HC_REDIS_PID
for _ in $(seq 400); do
    [ "$(rcli ping 2>/dev/null)" = PONG ] && break
    sleep 0.05
done
T_UP=$(date +%s.%N)
sleep 7
touch "$WORK/stop"
wait $PROBE
wait $LOAD || true
curl -s "$URL/metrics" >"$WORK/metrics.up"

ACCEPTED=$(($(cat "$WORK"/load.* | awk '$1=="status" && $2==202 {s+=$3} END {print s+0}') +
    $(awk '$3==202' "$WORK/probe" | wc -l)))
TAKEN=$(rcli HGET 'hc:flash:{storm}:stock' taken)
python3 - "$WORK/probe" "$T_KILL" "$T_BACK" "$T_UP" "$ACCEPTED" "$TAKEN" <<'EOF' || fail "see above"
import sys
rows = [l.split() for l in open(sys.argv[1])]
kill, back, up = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
accepted, taken = int(sys.argv[5]), int(sys.argv[6])
# Requests sent after the kill had settled (0.5 s) and answered before Redis was back.
down = [r for r in rows if float(r[0]) > kill + 0.5 and float(r[1]) < back]
bad = [r for r in down if r[2] != "503" or r[3] == "-"]
after = [float(r[1]) for r in rows if float(r[0]) > back and r[2] == "202"]
before = [r for r in rows if float(r[0]) < kill]
print("probe: %d grabs before the kill (%d x 202), %d while down (%d x 503 with Retry-After)"
      % (len(before), sum(r[2] == "202" for r in before), len(down), len(down) - len(bad)))
if not down or bad:
    print("FAIL: while Redis was down: %s" % (bad[:5] or "no probe answered"))
    sys.exit(1)
slow = max(float(r[1]) - float(r[0]) for r in down)
print("slowest 503 while down: %.0f ms" % (slow * 1000))
if not after:
    print("FAIL: no grab accepted after Redis came back")
    sys.exit(1)
print("first 202 %.2f s after redis-server was started again (%.2f s after it answered PING)"
      % (after[0] - back, after[0] - up))
if after[0] - up > 5:
    print("FAIL: more than 5 s to use Redis again")
    sys.exit(1)
print("accepted (202) %d, units taken in Redis %d" % (accepted, taken))
# A grab whose reply was lost with the connection may have taken its unit: the difference is
# bounded by what was in flight at the kill (20 load connections and the probe).
if not (accepted <= taken <= accepted + 21):
    print("FAIL: 202s and units taken disagree")
    sys.exit(1)
EOF
for _ in $(seq 600); do
    expect 200 GET /api/flash/storm
    [ "$(json "$LAST" "['orders']")" = "$TAKEN" ] && break
    sleep 0.1
done
[ "$(json "$LAST" "['orders']")" = "$TAKEN" ] || fail "orders: $LAST, units taken $TAKEN"
DOWNS=$(grep -c 'flash queue: Redis .* is down' "$WORK/log" || true)
UPS=$(grep -c 'flash queue: Redis .* is up' "$WORK/log" || true)
[ "$DOWNS" = 1 ] && [ "$UPS" = 2 ] || fail "log lines: $DOWNS down, $UPS up (wanted 1 and 2)"
grep -q '^hc_queue_backend_up{queue="flash"} 1' "$WORK/metrics.up" || fail "/metrics after: not up"
stop_server
echo "hcserver_flash_redis_faults: ok"
