#!/usr/bin/env bash
# flash_grab.sh: flash-sale grabs per second through the Redis gate (one EVALSHA for the grabs
# of a sale that arrive together: the Lua script checks stock and each user, takes the units
# and XADDs the tickets) and the stream
# (every instance's workers turn tickets into orders), with one hcserver instance and then
# two sharing the Redis. The client is wrk (-t 1 -c CONNS -d DURATION per instance, a fresh
# user per request, bounded by the duration; loopback). Each round is a new sale of STOCK
# units (default 100,000), so a round sees the 202 phase and then the sold-out (410) phase,
# as a real sale does. After each round the script verifies there was no oversell: units
# taken in Redis <= stock, one ticket per user (the users hash), 202s answered <= taken <=
# 202s + connections (a reply in flight when wrk stops), and that every ticket became exactly
# one order (the sale's order count, then the shard files). Redis runs with appendfsync
# ${FSYNC:-always} (the durability docs/hcserver.md claims for a 202; FSYNC=everysec for the
# other setting). Goal: >= 50,000 grabs/s answered on a 2-core machine.
# usage: bench/flash_grab.sh [BUILD_DIR]   (default build/release; needs hcserver built)
#        DURATION=10s CONNS=128 STOCK=100000 FSYNC=everysec STATS=1 bench/flash_grab.sh
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}
duration=${DURATION:-10s}
conns=${CONNS:-128}
stock=${STOCK:-100000}
fsync=${FSYNC:-always}
hcserver=${HCSERVER_BIN:-$build/hcserver/hcserver}
[ -x "$hcserver" ] || { echo "no $hcserver: build hcserver first (cmake --preset release)" >&2; exit 1; }
for t in wrk redis-server redis-cli sqlite3 python3 curl; do
    command -v $t >/dev/null || { echo "$t is not installed" >&2; exit 1; }
done

tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

rport=$(free_port)
mkdir -p "$tmp/redis"
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync "$fsync" \
    --dir "$tmp/redis" --daemonize no >"$tmp/redis/log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do [ "$(redis-cli -p "$rport" ping 2>/dev/null)" = PONG ] && break; sleep 0.05; done
rcli() { redis-cli -p "$rport" "$@"; }

# start NAME: an instance with its own data directory; sets port_NAME.
start() {
    mkdir -p "$tmp/$1"
    "$hcserver" --listen 127.0.0.1:0 --data-dir "$tmp/$1/data" --admin-token tok \
        --queue "redis://127.0.0.1:$rport" >"$tmp/$1/log" 2>&1 &
    pids+=($!)
    printf -v "pid_$1" %s $!
    local p=""
    for _ in $(seq 400); do
        grep -q ' ready: ' "$tmp/$1/log" 2>/dev/null && break
        sleep 0.05
    done
    p=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$tmp/$1/log" | grep -o '[0-9]*$' || true)
    [ -n "$p" ] || { echo "instance $1 did not start: $(cat "$tmp/$1/log")" >&2; exit 1; }
    printf -v "port_$1" %s "$p"
}

cat >"$tmp/grab.lua" <<'LUA'
-- A fresh user per request: ARG (the instance's offset) + thread * 10^8 + n.
local n, off, tid, counter = 0, 0, 0, 0
setup = function(thread) thread:set("id", counter); counter = counter + 1 end
init = function(args) off = tonumber(args[1] or "0"); tid = id end
request = function()
    n = n + 1
    local body = '{"user_id":' .. (off + tid * 100000000 + n) .. '}'
    return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
LUA

# wrk_run NAME SKU OFFSET OUT: one wrk against instance NAME.
wrk_run() {
    local p="port_$1"
    wrk -t 1 -c "$conns" -d "$duration" -s "$tmp/grab.lua" \
        "http://127.0.0.1:${!p}/api/flash/$2/grab" -- "$3" >"$4" 2>&1
}
# figures OUT...: requests, non-2xx (410, 409, 503), seconds, summed over the wrk outputs.
figures() {
    python3 - "$@" <<'EOF'
import re, sys
req = non2xx = 0
secs = 0.0
for f in sys.argv[1:]:
    t = open(f).read()
    m = re.search(r"(\d+) requests in ([\d.]+)(m?s)", t)
    req += int(m.group(1))
    secs = max(secs, float(m.group(2)) / (1000 if m.group(3) == "ms" else 1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    non2xx += int(m.group(1)) if m else 0
print(req, non2xx, secs)
EOF
}
# verify SKU NAMES...: no oversell, one ticket a user, every ticket one order.
verify() {
    local sku=$1
    shift
    local taken users k=0 p orders=""
    taken=$(rcli HGET "hc:flash:{$sku}:stock" taken)
    users=$(rcli HLEN "hc:flash:{$sku}:users")
    [ "$taken" -le "$stock" ] || { echo "OVERSOLD: $taken of $stock" >&2; exit 1; }
    [ "$users" = "$taken" ] || { echo "users $users != tickets $taken" >&2; exit 1; }
    p="port_$1"
    for _ in $(seq 1200); do
        orders=$(curl -s "http://127.0.0.1:${!p}/api/flash/$sku" |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["orders"])')
        [ "$orders" = "$taken" ] && break
        sleep 0.1
    done
    [ "$orders" = "$taken" ] || { echo "orders $orders != tickets $taken after 120 s" >&2; exit 1; }
    echo "$taken"
}

# cpu_ticks PID...: the processes' CPU time (utime + stime) so far, in clock ticks.
cpu_ticks() {
    local t=0 p
    for p in "$@"; do
        t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
    done
    echo $t
}
# evalsha_usec: the CPU Redis spent in scripts so far (INFO commandstats), in microseconds.
evalsha_usec() {
    rcli INFO commandstats | tr -d '\r' | awk -F'[=,]' '/^cmdstat_evalsha:/ {print $4}' | grep . || echo 0
}

round() {
    local label=$1 sku=$2
    shift 2
    local outs=() i=0 name hpids=() r0 h0 e0
    for name in "$@"; do
        p="pid_$name"
        hpids+=("${!p}")
    done
    r0=$(cpu_ticks "${pids[0]}")
    h0=$(cpu_ticks "${hpids[@]}")
    e0=$(evalsha_usec)
    curl -sf -X POST -H 'Authorization: Bearer tok' \
        --data "{\"sku\":\"$sku\",\"stock\":$stock}" "http://127.0.0.1:$port_a/admin/flash" >/dev/null
    for name in "$@"; do
        wrk_run "$name" "$sku" $((i * 1000000000000)) "$tmp/wrk.$sku.$name" &
        outs+=("$tmp/wrk.$sku.$name")
        i=$((i + 1))
    done
    wait_wrk
    read -r req non2xx secs < <(figures "${outs[@]}")
    local accepted=$((req - non2xx)) taken
    taken=$(verify "$sku" "$@")
    [ "$accepted" -le "$taken" ] && [ "$taken" -le $((accepted + conns * $#)) ] ||
        { echo "202s $accepted vs units taken $taken" >&2; exit 1; }
    python3 -c "import sys; r,s=int(sys.argv[1]),float(sys.argv[2]); print('%-14s %9.0f grabs/s  (%d answered in %.1f s: %d x 202, %d others; taken %d of %d, orders %d: no oversell)' % (sys.argv[3], r/s, r, s, int(sys.argv[4]), r-int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[5])))" \
        "$req" "$secs" "$label" "$accepted" "$taken" "$stock"
    # CPU per grab answered, from the start of the round until every ticket was an order.
    python3 -c "import sys; r,hz=int(sys.argv[1]),int(sys.argv[5]); print('%-14s CPU per grab: Redis %.1f us (scripts %.1f us), hcserver %.1f us' % ('', int(sys.argv[2])*1e6/hz/r, int(sys.argv[4])/r, int(sys.argv[3])*1e6/hz/r))" \
        "$req" $(($(cpu_ticks "${pids[0]}") - r0)) $(($(cpu_ticks "${hpids[@]}") - h0)) \
        $(($(evalsha_usec) - e0)) "$(getconf CLK_TCK)"
}
wait_wrk() {
    local j
    for j in $(jobs -p); do
        case " ${pids[*]} " in *" $j "*) ;; *) wait "$j" ;; esac
    done
}

start a
echo "hcserver $(basename "$build"), Redis appendfsync $fsync, wrk -t1 -c$conns -d$duration per instance, stock $stock a round"
round "one instance" r1 a
start b
round "two instances" r2 a b
# STATS=1: Redis's per-command figures of both rounds (calls, CPU per call).
[ -z "${STATS:-}" ] || rcli INFO commandstats | tr -d '\r' | grep -v '^#' | grep .
for name in a b; do
    p="pid_$name"
    kill -TERM "${!p}"
    wait "${!p}" || true
done
pids=("${pids[0]}")
n=0
for f in "$tmp"/a/data/shard-*.db "$tmp"/b/data/shard-*.db; do
    n=$((n + $(sqlite3 "$f" "select count(distinct ticket) from orders where ticket is not null")))
done
echo "orders in the shard files of both instances: $n (one per ticket of both rounds)"
