#!/usr/bin/env bash
# store_mysql_reads.sh: what decides how hcserver talks to MariaDB. GET of one order with the L1
# off (--cache-entries 0), so every request is a read on MariaDB, through hcserver's blocking
# calls on its order pool (--critical-threads THREADS), for THREADS in 2 4 8 16, in alternating
# rounds; prints each round's rate and p50, then the medians. If the rate rose with the number
# of threads that wait on MariaDB, waiting threads would be the bound and non-blocking calls
# (many reads in flight per thread) would pay; if it stays flat, the CPU is the bound.
# usage: bench/store_mysql_reads.sh [BUILD_DIR]   (default build/release)
#        ROUNDS=3 DURATION=5s CONNS=64 bench/store_mysql_reads.sh
src=$(cd "$(dirname "$0")/.." && pwd)
source "$src/tests/integration/lib.sh"
source "$src/tests/integration/lib_mariadb.sh"
build=${1:-$src/build/release}
rounds=${ROUNDS:-3}
duration=${DURATION:-5s}
conns=${CONNS:-64}
hcserver=$build/hcserver/hcserver
hcload=$build/hcload/hcload
for b in "$hcserver" "$hcload"; do
    [ -x "$b" ] || { echo "no $b: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 1; }
done
hc_need mariadbd mariadb-install-db mariadb python3
hc_mariadb_start db
hc_mariadb_user db hc secret
port=${HC_MDB_PORT[db]}
declare -A rates

round() {
    local threads=$1 log=$HC_TMP/hc.log pid hport id
    HCSERVER_MYSQL_PASSWORD=secret "$hcserver" --listen 127.0.0.1:0 --data-dir "$HC_TMP/data" \
        --threads 2 --store mysql --shard-primary "0=mysql://hc@127.0.0.1:$port/hc0" \
        --cache-entries 0 --critical-threads "$threads" --rate-reads 0 >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 200); do grep -q ' ready: ' "$log" && break; sleep 0.05; done
    hport=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$log" | grep -o '[0-9]*$')
    id=$(curl -s -X POST --data-binary '{"user_id":7,"sku":"tea","qty":1,"amount_cents":300}' \
        "http://127.0.0.1:$hport/api/orders" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    "$hcload" -t 1 -c "$conns" -d "$duration" --json "$HC_TMP/r.json" \
        "http://127.0.0.1:$hport/api/orders/$id" >/dev/null 2>&1 || true
    kill -TERM "$pid"
    wait "$pid" || true
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
ok = d["responses"].get("200", 0)
print("%.0f %.2f" % (ok / d["duration_s"], d["latency_us"]["corrected"]["p50"] / 1000))' "$HC_TMP/r.json"
}

echo "GET /api/orders/{id} with the L1 off (every request a MariaDB read), hcload -t1 -c$conns -d$duration"
for r in $(seq "$rounds"); do
    for t in 2 4 8 16; do
        read -r rate p50 < <(round "$t")
        rates[$t]="${rates[$t]:-} $rate"
        echo "round $r, --critical-threads $t: $rate reads/s, p50 $p50 ms"
    done
done
for t in 2 4 8 16; do
    python3 -c 'import statistics, sys; print("median, --critical-threads %s: %.0f reads/s" % (sys.argv[1], statistics.median(float(x) for x in sys.argv[2].split())))' "$t" "${rates[$t]}"
done
