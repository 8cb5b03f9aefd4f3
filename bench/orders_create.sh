#!/usr/bin/env bash
# orders_create.sh: durable order creations per second. POST /api/orders with
# synchronous=FULL (an order answered 201 survives a power loss), first with group commit
# (--commit-batch 1024: every order that arrives while a commit runs joins the next one), then
# with one transaction per order (--commit-batch 1), wrk as the client (-t 1 -c CONNS -d
# DURATION, a different user per request so all shards work). CONNS (default 256) bounds the
# orders in flight, and so the most one fsync can acknowledge: group commit gains with
# concurrency, which is what a peak brings. Checks that every 201 is in the shard files, and
# prints both rates and their ratio. Goal: >= 20,000 orders/s with group commit on a 2-core
# machine.
# usage: bench/orders_create.sh [BUILD_DIR]   (default build/release; needs hcserver built)
#        DURATION=10s CONNS=512 bench/orders_create.sh build/h-hcserver-rel
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}
duration=${DURATION:-10s}
conns=${CONNS:-256}
threads=${THREADS:-2}
hcserver=${HCSERVER_BIN:-$build/hcserver/hcserver}
[ -x "$hcserver" ] || { echo "no $hcserver: build hcserver first (cmake --preset release)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is not installed" >&2; exit 1; }

tmp=$(mktemp -d)
hc_pid=""
cleanup() {
    [ -n "$hc_pid" ] && kill "$hc_pid" 2>/dev/null && wait "$hc_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/post.lua" <<'LUA'
-- A different user per request (so orders spread over the shards), the same small order.
local n = 0
local thread_id = 0
local counter = 0
setup = function(thread) thread:set("id", counter); counter = counter + 1 end
init = function(args) thread_id = id end
request = function()
    n = n + 1
    local body = string.format(
        '{"user_id":%d,"sku":"pizza-margherita","qty":1,"amount_cents":1299}',
        thread_id * 100000000 + n)
    return wrk.format("POST", "/api/orders", {["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
    io.write(string.format("p50_ms %.2f p99_ms %.2f\n", latency:percentile(50) / 1000,
                           latency:percentile(99) / 1000))
end
LUA

# run BATCH: prints "orders/s" and checks the store.
run() {
    local batch=$1 data=$tmp/data-$1 port=""
    "$hcserver" --listen 127.0.0.1:0 --data-dir "$data" --threads "$threads" \
        --synchronous full --commit-batch "$batch" --write-queue 100000 \
        --confirm-delay 1h --compensate-every 1h >"$tmp/hc-$batch.log" 2>&1 &
    hc_pid=$!
    for _ in $(seq 100); do
        port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$tmp/hc-$batch.log" 2>/dev/null | grep -o '[0-9]*$' || true)
        [ -n "$port" ] && grep -q ' ready: ' "$tmp/hc-$batch.log" && break
        sleep 0.05
    done
    wrk -t1 -c"$conns" -d"$duration" -s "$tmp/post.lua" "http://127.0.0.1:$port/" >"$tmp/wrk-$batch.txt"
    kill -TERM "$hc_pid"
    wait "$hc_pid"
    hc_pid=""
    local reqs non2xx stored=0
    reqs=$(awk '/requests in/ {print $1}' "$tmp/wrk-$batch.txt")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$tmp/wrk-$batch.txt")
    for f in "$data"/shard-*.db; do
        stored=$((stored + $(sqlite3 "$f" 'select count(*) from orders')))
    done
    [ "$stored" -ge "$reqs" ] || { echo "only $stored of $reqs orders stored" >&2; exit 1; }
    rate=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk-$batch.txt")
    printf '%-28s %10.0f orders/s  (%s requests, %s non-2xx, %s stored; %s)\n' \
        "commit-batch $batch:" "$rate" "$reqs" "${non2xx:-0}" "$stored" \
        "$(grep p50_ms "$tmp/wrk-$batch.txt")"
    echo "$rate" >"$tmp/rate-$batch"
}

echo "POST /api/orders, synchronous=FULL, wrk -t1 -c$conns -d$duration, hcserver --threads $threads"
run 1024
run 1
python3 -c "import sys; g, o = float(sys.argv[1]), float(sys.argv[2]); print(f'group commit / one transaction per order: {g / o:.2f}x; goal >= 20000 orders/s: {\"met\" if g >= 20000 else \"not met\"}')" \
    "$(cat "$tmp/rate-1024")" "$(cat "$tmp/rate-1")"
