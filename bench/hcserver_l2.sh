#!/usr/bin/env bash
# hcserver_l2.sh: a GET of an order served from the Redis L2 (L1 off: --cache-entries 0), against
# redis-benchmark GETting the same key from the same redis-server, with the same number of
# client connections (CONNS, default 50). hcserver's client is hcload from the build (-t 1);
# each hcserver GET is one HTTP exchange, a hand-off to a critical-pool thread, one blocking
# Redis GET on that thread's connection, the value parsed and the order written back as JSON.
# Alternating rounds (ROUNDS, default 3) of DURATION (default 8s) each; prints every round, the
# medians and the ratio of the medians hcserver/redis-benchmark.
# Goal: >= 0.5.
# usage: bench/hcserver_l2.sh [BUILD_DIR]   (default build/release; needs hcserver and hcload)
#        ROUNDS=5 DURATION=10s CONNS=50 bench/hcserver_l2.sh build/release
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}
rounds=${ROUNDS:-3}
duration=${DURATION:-8s}
conns=${CONNS:-50}
hcserver=$build/hcserver/hcserver
hcload=$build/hcload/hcload
for b in "$hcserver" "$hcload"; do
    [ -x "$b" ] || { echo "no $b: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 1; }
done
for t in redis-server redis-benchmark redis-cli curl python3; do
    command -v "$t" >/dev/null || { echo "$t is not installed (scripts/deps.sh)" >&2; exit 1; }
done

tmp=$(mktemp -d)
redis_pid=""
hc_pid=""
cleanup() {
    [ -n "$hc_pid" ] && kill "$hc_pid" 2>/dev/null && wait "$hc_pid" 2>/dev/null
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" \
    --daemonize no >"$tmp/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 200); do
    [ "$(redis-cli -p "$rport" ping 2>/dev/null)" = PONG ] && break
    sleep 0.05
done

"$hcserver" --listen 127.0.0.1:0 --data-dir "$tmp/data" --cache "redis://127.0.0.1:$rport" \
    --cache-entries 0 --confirm-delay 0s >"$tmp/hc.log" 2>&1 &
hc_pid=$!
hc_port=""
for _ in $(seq 200); do
    hc_port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$tmp/hc.log" | grep -o '[0-9]*$' || true)
    [ -n "$hc_port" ] && curl -sf "http://127.0.0.1:$hc_port/readyz" >/dev/null 2>&1 && break
    sleep 0.05
done
[ -n "$hc_port" ] || { echo "hcserver did not start: $(cat "$tmp/hc.log")" >&2; exit 1; }
url=http://127.0.0.1:$hc_port
id=$(curl -s -X POST --data-binary '{"user_id":7,"sku":"margherita","qty":2,"amount_cents":1800}' \
    "$url/api/orders" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
sleep 1
curl -s -D "$tmp/h" -o /dev/null "$url/api/orders/$id"
grep -qi '^X-Cache: L2' "$tmp/h" || { echo "the order is not served from L2: $(cat "$tmp/h")" >&2; exit 1; }
key="hc:order:$id"
secs=${duration%s}

hc_rates=()
rb_rates=()
for r in $(seq "$rounds"); do
    "$hcload" -t 1 -c "$conns" -d "$duration" --json "$tmp/hc.json" "$url/api/orders/$id" >/dev/null
    hc=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
bad = d["errors"]["total"] + d["non_2xx_3xx"]
assert bad == 0, "%d failed requests" % bad
print("%.0f" % (d["requests"] / d["duration_s"]))' "$tmp/hc.json")
    # as many requests as hcserver answered in its round, so both run about as long
    n=$(python3 -c 'import json,sys; print(max(100000, json.load(open(sys.argv[1]))["requests"]))' "$tmp/hc.json")
    rb=$(redis-benchmark -p "$rport" -c "$conns" -n "$n" -q GET "$key" | tr '\r' '\n' |
        grep -o '[0-9.]* requests per second' | tail -1 | awk '{ printf "%.0f", $1 }')
    echo "round $r: hcserver GET from L2 ${hc}/s   redis-benchmark GET ${rb}/s   ($conns connections)"
    hc_rates+=("$hc")
    rb_rates+=("$rb")
done
python3 - "${hc_rates[*]}" "${rb_rates[*]}" <<'PY'
import statistics, sys
hc = [float(x) for x in sys.argv[1].split()]
rb = [float(x) for x in sys.argv[2].split()]
mh, mr = statistics.median(hc), statistics.median(rb)
print("median: hcserver %.0f/s, redis-benchmark %.0f/s, ratio %.2f (goal >= 0.5)" % (mh, mr, mh / mr))
PY
