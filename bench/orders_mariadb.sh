#!/usr/bin/env bash
# orders_mariadb.sh: durable order creations per second on MariaDB. One mariadbd (started here
# in a scratch datadir on a free loopback port, innodb_flush_log_at_trx_commit=1 and
# sync_binlog=1: a committed row survives a power loss), and in alternating rounds:
#   hcserver  POST /api/orders through hcserver --store mysql (SHARDS shards, default 4, as
#             databases on the one server; each shard's group commit is one transaction and
#             multi-row INSERTs per batch), hcload -c CONNS -d DURATION, a random user each;
#   ceiling   the same row inserted by 16 concurrent clients, one INSERT per transaction
#             (autocommit), mysqlslap --concurrency=16 for QUERIES inserts.
# Every 201 is checked to be in the table. Prints each round, the medians and their ratio.
# Goal: hcserver >= 2x the ceiling.
# usage: bench/orders_mariadb.sh [BUILD_DIR]   (default build/release; needs hcserver, hcload)
#        ROUNDS=3 DURATION=8s CONNS=256 SHARDS=1 QUERIES=40000 bench/orders_mariadb.sh build/dev
src=$(cd "$(dirname "$0")/.." && pwd)
source "$src/tests/integration/lib.sh"
source "$src/tests/integration/lib_mariadb.sh"
build=${1:-$src/build/release}
rounds=${ROUNDS:-3}
duration=${DURATION:-8s}
conns=${CONNS:-256}
queries=${QUERIES:-40000}
shards=${SHARDS:-4}
hcserver=${HCSERVER_BIN:-$build/hcserver/hcserver}
hcload=$build/hcload/hcload
for b in "$hcserver" "$hcload"; do
    [ -x "$b" ] || { echo "no $b: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 1; }
done
for t in mariadbd mariadb-install-db mariadb mysqlslap python3; do
    command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] || { echo "$t is not installed (scripts/deps.sh)" >&2; exit 1; }
done

hc_mariadb_start db --innodb-buffer-pool-size=256M --innodb-log-file-size=256M
hc_mariadb_user db hc secret
port=${HC_MDB_PORT[db]}
hc_mariadb_sql db "CREATE DATABASE slap; CREATE TABLE slap.orders (
    seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, user_id BIGINT UNSIGNED NOT NULL,
    sku VARCHAR(64) NOT NULL, qty BIGINT NOT NULL, amount_cents BIGINT NOT NULL,
    status TINYINT NOT NULL, created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL,
    idem_key VARBINARY(128) NULL, ticket BIGINT UNSIGNED NULL, KEY (user_id, seq),
    UNIQUE KEY (user_id, idem_key), UNIQUE KEY (ticket), KEY (status, updated_ms)) ENGINE=InnoDB"
cat >"$HC_TMP/plan.yaml" <<'PLAN'
target: http://127.0.0.1:PORT
requests:
  create:
    method: POST
    path: /api/orders
    headers: { Content-Type: application/json }
    body: '{"user_id":{{randint 1 1000000000}},"sku":"pizza-margherita","qty":1,"amount_cents":1299}'
flows:
  buy: { steps: [create] }
PLAN

count() { hc_mariadb_sql db "SELECT COUNT(*) FROM $1"; }
# hc_orders: orders in every shard's table.
hc_orders() {
    local q="SELECT 0" i
    for i in $(seq 0 $((shards - 1))); do
        q="$q + (SELECT COUNT(*) FROM hc$i.orders)"
    done
    hc_mariadb_sql db "$q" 2>/dev/null || echo 0
}
shard_args=()
for i in $(seq 0 $((shards - 1))); do shard_args+=(--shard-primary "$i=mysql://hc@127.0.0.1:$port/hc$i"); done

# hcserver_round N: one hcserver run; prints orders/s.
hcserver_round() {
    local log=$HC_TMP/hc-$1.log before after created rate pid
    before=$(hc_orders)
    HCSERVER_MYSQL_PASSWORD=secret "$hcserver" --listen 127.0.0.1:0 --data-dir "$HC_TMP/data" \
        --threads 2 --store mysql "${shard_args[@]}" \
        --commit-batch 1024 --write-queue 100000 --confirm-delay 1h --compensate-every 1h \
        --rate-orders 0 >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 200); do grep -q ' ready: ' "$log" && break; sleep 0.05; done
    local hport
    hport=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$log" | grep -o '[0-9]*$')
    sed "s/PORT/$hport/" "$HC_TMP/plan.yaml" >"$HC_TMP/plan-$1.yaml"
    "$hcload" run "$HC_TMP/plan-$1.yaml" -t 1 -c "$conns" \
        -d "$duration" --json "$HC_TMP/hcload-$1.json" >"$HC_TMP/hcload-$1.out" 2>&1 || true
    kill -TERM "$pid"
    wait "$pid" || true
    after=$(hc_orders)
    python3 - "$HC_TMP/hcload-$1.json" "$before" "$after" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
created = d["responses"].get("201", 0)
stored = int(sys.argv[3]) - int(sys.argv[2])
if stored < created:
    sys.exit("only %d of %d acknowledged orders are in the table" % (stored, created))
print("%.0f" % (created / d["duration_s"]), file=sys.stdout)
print("  hcserver: %d created in %.1f s, %d stored, other statuses %s, p50 %.1f ms" % (
    created, d["duration_s"], stored,
    {k: v for k, v in d["responses"].items() if k != "201"},
    d["latency_us"]["corrected"]["p50"] / 1000), file=sys.stderr)
PY
}

# ceiling_round N: one mysqlslap run; prints inserts/s.
ceiling_round() {
    local before after t0 t1
    before=$(count slap.orders)
    t0=$(date +%s.%N)
    MYSQL_PWD=secret mysqlslap --no-defaults -h 127.0.0.1 -P "$port" -u hc --create-schema=slap \
        --concurrency=16 --iterations=1 --number-of-queries="$queries" \
        --query="INSERT INTO orders (user_id, sku, qty, amount_cents, status, created_ms, updated_ms) VALUES (7, 'pizza-margherita', 1, 1299, 0, 0, 0)" \
        >"$HC_TMP/slap-$1.txt" 2>&1 || { cat "$HC_TMP/slap-$1.txt" >&2; exit 1; }
    t1=$(date +%s.%N)
    after=$(count slap.orders)
    python3 -c 'import sys
n = int(sys.argv[2]) - int(sys.argv[1]); t = float(sys.argv[4]) - float(sys.argv[3])
print("%.0f" % (n / t))
print("  ceiling: %d inserts in %.1f s (16 clients, a transaction each)" % (n, t), file=sys.stderr)' \
        "$before" "$after" "$t0" "$t1"
}

echo "durable creations on MariaDB (flush_log_at_trx_commit=1, sync_binlog=1), $rounds alternating rounds"
echo "hcserver: hcload -t1 -c$conns -d$duration POST /api/orders, $shards shards; ceiling: mysqlslap -c16, $queries single-row INSERTs"
hs=()
cs=()
for r in $(seq "$rounds"); do
    hs+=("$(hcserver_round "$r")")
    cs+=("$(ceiling_round "$r")")
    echo "round $r: hcserver ${hs[-1]}/s, ceiling ${cs[-1]}/s"
done
python3 - "${hs[*]}" "${cs[*]}" <<'PY'
import statistics, sys
h = statistics.median(float(x) for x in sys.argv[1].split())
c = statistics.median(float(x) for x in sys.argv[2].split())
print("median: hcserver %.0f orders/s, ceiling %.0f inserts/s, ratio %.2fx (goal >= 2x: %s)" % (
    h, c, h / c, "met" if h >= 2 * c else "not met"))
PY
