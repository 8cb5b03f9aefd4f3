#!/usr/bin/env bash
# integration.hcserver_mysql_replicas: hcserver's reads on MariaDB replicas, against a real
# mariadbd primary and two replicas (GTID replication) started here on free loopback ports,
# two shards, no L1 so every read reaches the store:
#   - reads are answered by the replicas, round-robin;
#   - one replica stopped under load (hcload, 8 connections): fewer than 0.1 % of the reads
#     fail, every read after it answers, from the other (or the primary), and the stopped one
#     shows down in /metrics;
#   - replication lag injected (STOP SLAVE SQL_THREAD): an order just created and a PATCH just
#     made read back as written (read-your-writes), the lag shows in
#     hc_store_replica_lag_seconds, and past --max-replica-lag the replica is not read;
#   - an order the replica has not seen (written on the primary by someone else) is found on
#     the primary and never cached as a 404.
# Usage: hcserver_mysql_replicas.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need mariadbd mariadb-install-db mariadb curl python3
source "$(dirname "$0")/lib_mariadb.sh"
source "$(dirname "$0")/lib_hcserver.sh"
hc_mariadb_start p
hc_mariadb_user p hc secret
hc_mariadb_replica p r1
hc_mariadb_replica p r2
export HCSERVER_MYSQL_PASSWORD=secret # the environment's password: never on the command line
P=${HC_MDB_PORT[p]} R1=${HC_MDB_PORT[r1]} R2=${HC_MDB_PORT[r2]}
cat >"$WORK/hc.conf" <<CONF
store = mysql
max-replica-lag = 1500ms
[shard.0]
primary = mysql://hc@127.0.0.1:$P/hc0
replicas = mysql://hc@127.0.0.1:$R1/hc0, mysql://hc@127.0.0.1:$R2/hc0
[shard.1]
primary = mysql://hc@127.0.0.1:$P/hc1
replicas = mysql://hc@127.0.0.1:$R1/hc1, mysql://hc@127.0.0.1:$R2/hc1
CONF
start_server --config "$WORK/hc.conf" --cache-entries 0 --confirm-delay 1h --stuck-after 1h

# msum REGEX: the sum of the /metrics series whose name and labels match REGEX, from a page
# younger than the call (a page may be served up to 1 s old).
msum() {
    sleep 1.1
    curl -s "$URL/metrics" | awk -v re="$1" '$1 ~ re { s += $2 } END { print s + 0 }'
}
# lag_of PORT: hc_store_replica_lag_seconds of shard 0's replica on PORT.
lag_of() {
    sleep 1.1
    curl -s "$URL/metrics" |
        awk -v s="hc_store_replica_lag_seconds{shard=\"0\",replica=\"127.0.0.1:$1\"}" '$1 == s { print $2 }'
}
create() {
    curl -s -X POST --data-binary "{\"user_id\":$1,\"sku\":\"tea\",\"qty\":1,\"amount_cents\":300}" \
        "$URL/api/orders" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
status_of() {
    curl -s "$URL/api/orders/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'
}

# --- reads go to the replicas
ids=()
for u in $(seq 1 20); do ids+=("$(create "$u")"); done
before=$(msum '^hc_shard_queries_total[{].*role="replica"')
for id in "${ids[@]}"; do expect 200 GET "/api/orders/$id"; done
after=$(msum '^hc_shard_queries_total[{].*role="replica"')
[ $((after - before)) -ge 20 ] || fail "only $((after - before)) of 20 reads on the replicas"
[ "$(msum "^hc_store_replica_up[{]shard=\"0\",replica=\"127.0.0.1:$R1\"")" = 1 ] || fail "r1 not up in /metrics"

# --- one replica stopped: reads continue. Under load first: hcload reads an order of shard 0
# (no L1: each read is a store read, on the replicas) on 8 connections for 5 s while r1 is
# stopped 1.5 s in; fewer than 0.1 % of the reads may fail.
"$BUILD/hcload/hcload" -q -t 1 -c 8 -d 5s -T 5s --json "$WORK/stop.json" "$URL/api/orders/${ids[1]}" \
    >"$WORK/stop.out" 2>&1 &
LOAD=$!
sleep 1.5
hc_mariadb_stop r1
wait $LOAD || true # a failed read is an error of the run; the rate below is the verdict
python3 - "$WORK/stop.json" <<'PY' || fail "reads under load with a replica stopped: $(cat "$WORK/stop.out")"
import json, sys
d = json.load(open(sys.argv[1]))
bad = d["errors"]["total"] + d["non_2xx_3xx"]
print("reads with r1 stopped under load: %d, %d failed (%.3f %%)"
      % (d["requests"], bad, 100.0 * bad / max(d["requests"], 1)))
sys.exit(0 if d["requests"] >= 1000 and bad * 1000 < d["requests"] else 1)
PY
errors=0
for round in 1 2 3; do
    for id in "${ids[@]}"; do
        code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/orders/$id")
        [ "$code" = 200 ] || errors=$((errors + 1))
    done
done
[ "$errors" = 0 ] || fail "$errors of 60 reads failed with a replica stopped"
for _ in $(seq 5); do
    [ "$(msum "^hc_store_replica_up[{]shard=\"0\",replica=\"127.0.0.1:$R1\"")" = 0 ] && break
done
[ "$(msum "^hc_store_replica_up[{]shard=\"0\",replica=\"127.0.0.1:$R1\"")" = 0 ] || fail "the stopped r1 is not down in /metrics"

# --- lag injected on the remaining replica: read-your-writes
hc_mariadb_sql r2 "STOP SLAVE SQL_THREAD"
# A "not found" from a lagging replica is not final: an order written on the primary by another
# writer, which the replica (still within --max-replica-lag) has not applied, is found on the
# primary, and stays found.
hc_mariadb_sql p "INSERT INTO hc0.orders (user_id, sku, qty, amount_cents, status, created_ms,
    updated_ms) VALUES (2, 'other', 1, 5, 0, 0, 0)"
seq=$(hc_mariadb_sql p "SELECT MAX(seq) FROM hc0.orders")
other=$((seq << 8))
expect 200 GET "/api/orders/$other"
expect 200 GET "/api/orders/$other"

for u in $(seq 100 119); do
    id=$(create "$u")
    [ "$(status_of "$id")" = PENDING ] || fail "order $id, just created, does not read back"
    expect 200 PATCH "/api/orders/$id" '{"status":"CANCELLED"}'
    [ "$(status_of "$id")" = CANCELLED ] || fail "order $id read back without its PATCH"
done
# The replica has not applied those writes: the lag shows and grows past --max-replica-lag.
sleep 2
lag=$(lag_of "$R2")
python3 -c "import sys; l = float(sys.argv[1]); assert l >= 1.5, l" "$lag" || fail "lag $lag in /metrics, wanted >= 1.5 s"
before=$(msum '^hc_shard_queries_total[{].*role="replica"')
for id in "${ids[@]}"; do expect 200 GET "/api/orders/$id"; done
after=$(msum '^hc_shard_queries_total[{].*role="replica"')
[ "$after" = "$before" ] || fail "$((after - before)) reads on a replica lagging ${lag}s"

# --- the replica catches up: lag back to 0, reads on it again
hc_mariadb_sql r2 "START SLAVE SQL_THREAD"
for _ in $(seq 10); do
    lag=$(lag_of "$R2")
    [ "$lag" = 0 ] && break
done
[ "$lag" = 0 ] || fail "lag $lag after the replica restarted"
before=$(msum '^hc_shard_queries_total[{].*role="replica"')
for id in "${ids[@]}"; do expect 200 GET "/api/orders/$id"; done
after=$(msum '^hc_shard_queries_total[{].*role="replica"')
[ $((after - before)) -ge 20 ] || fail "only $((after - before)) of 20 reads on the caught-up replica"
stop_server
echo "hcserver_mysql_replicas: ok"
