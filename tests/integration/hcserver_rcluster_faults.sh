#!/usr/bin/env bash
# integration.hcserver_rcluster_faults: hcserver on a Redis Cluster (--cache and --queue
# redis-cluster://, three masters with a replica each, cluster-node-timeout 1000 ms) through the
# two events an operator meets, each under a load of order reads (hcload, L1 off so every read
# asks the L2) and flash grabs (four connections, a fresh user each grab):
#  1. kill -9 of the master that holds the sale's slot and the read order's key: the cluster
#     promotes its replica and hcserver follows the new slot map without a restart (grabs are
#     accepted again); reads fail for under 0.1 % of requests (hcload's JSON); the 202s never
#     pass the stock, every 202 is a unit taken in Redis (a 202 waits for the replica's copy),
#     and every unit taken becomes exactly one order;
#  2. the slot of another sale migrated to another master under the same load
#     (CLUSTER SETSLOT IMPORTING / MIGRATING, MIGRATE, SETSLOT NODE): grabs meanwhile are sent
#     on with ASK (the target counts ASKING), and nothing is lost: every 202 is a unit taken on
#     the new master and an order.
# The figures measured are printed.
# Usage: hcserver_rcluster_faults.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need curl python3 sqlite3 redis-server redis-cli
source "$(dirname "$0")/lib_hcserver.sh"
source "$(dirname "$0")/lib_redis.sh"
HCLOAD=$BUILD/hcload/hcload

hc_redis_cluster_start --appendonly yes --appendfsync everysec
start_server --cache "$HC_RC_URL" --queue "$HC_RC_URL" --cache-entries 0

# grabs SKU BASE OUT: four connections grabbing SKU, each grab a new user from BASE up, until
# $WORK/stop exists; one line per grab in OUT: "sent received status ticket user" (ticket 0
# unless 202).
grabs() {
    python3 - "$PORT" "$1" "$2" "$3" "$WORK/stop" <<'EOF' &
import http.client, json, os, sys, threading, time
port, sku, base, out, stop = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
lock = threading.Lock()
f = open(out, "w")
def run(k):
    conn, user = None, base + k * 10000000
    while not os.path.exists(stop):
        user += 1
        t = time.time()
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", "/api/flash/%s/grab" % sku, '{"user_id":%d}' % user,
                         {"Content-Type": "application/json"})
            r = conn.getresponse()
            body = r.read()
            st = r.status
            tk = json.loads(body)["ticket"] if st == 202 else 0
        except Exception:
            conn, st, tk = None, 0, 0
        with lock:
            f.write("%.3f %.3f %d %d %d\n" % (t, time.time(), st, tk, user))
ts = [threading.Thread(target=run, args=(k,)) for k in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
f.close()
EOF
    GRABS=$!
    hc_track $GRABS
}

# an order whose key is on master PORT: creates orders until one is.
order_on() {
    local id i
    for i in $(seq 500); do
        id=$(curl -s -X POST --data-binary "{\"user_id\":$i,\"sku\":\"tea\",\"qty\":1,\"amount_cents\":300}" \
            "$URL/api/orders" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
        [ "$(hc_redis_cluster_master_of "hc:order:$id")" = "$1" ] && echo "$id" && return 0
    done
    return 1
}

# check_sale SKU GRABFILE: the 202s of GRABFILE never pass the stock, each is a unit taken, and
# every unit taken becomes one order (distinct tickets) in hcserver's store.
check_sale() {
    local sku=$1 file=$2 stock=$3 acc taken
    acc=$(awk '$3==202' "$file" | wc -l)
    taken=$(rccli HGET "hc:flash:{$sku}:stock" taken)
    for _ in $(seq 600); do
        expect 200 GET "/api/flash/$sku"
        [ "$(json "$LAST" "['orders']")" = "$taken" ] && break
        sleep 0.1
    done
    [ "$(json "$LAST" "['orders']")" = "$taken" ] || fail "$sku: orders $LAST, units taken $taken"
    local rows distinct
    rows=$(for f in "$WORK"/data/shard-*.db; do
        sqlite3 "$f" "select ticket from orders where ticket is not null and sku='$sku'"
    done)
    distinct=$(echo "$rows" | grep -c . || true)
    [ "$(echo "$rows" | sort -u | grep -c .)" = "$distinct" ] || fail "$sku: a ticket made two orders"
    [ "$distinct" = "$taken" ] || fail "$sku: $distinct orders in the store, $taken units taken"
    echo "$sku: $(wc -l <"$file") grabs, $acc answered 202, $(awk '$3==410' "$file" | wc -l) sold out (410), $taken units taken, $distinct orders (stock $stock)"
    # A ticket number is the unit's sequence in the sale: one answered twice is a unit sold twice
    # (a grab acknowledged and then lost), and each ticket answered 202 has its order.
    local twice missing
    twice=$(awk '$3==202 {print $4}' "$file" | sort | uniq -d)
    [ -z "$twice" ] || fail "$sku: tickets answered 202 to two users: $(for t in $twice; do awk -v t="$t" '$4==t' "$file"; done | head -20)"
    missing=$(comm -23 <(awk '$3==202 {print $4}' "$file" | sort -u) <(echo "$rows" | sort -u))
    [ -z "$missing" ] || fail "$sku: tickets answered 202 without an order: $(echo $missing | head -c 400)"
    [ "$acc" -le "$stock" ] || fail "$sku: $acc grabs answered 202 for a stock of $stock"
    [ "$acc" -le "$taken" ] || fail "$sku: $acc grabs answered 202 but only $taken units are taken"
    [ "$taken" -le "$stock" ] || fail "$sku: $taken units taken of a stock of $stock"
}

# reads_ok NAME JSON: hcload's run failed under 0.1 % of its requests.
reads_ok() {
    python3 - "$2" "$1" <<'PY' || fail "$1: the read error rate"
import json, sys
d = json.load(open(sys.argv[1]))
bad = d["errors"]["total"] + d["non_2xx_3xx"]
n = d["requests"]
print("%s: %d reads, %d failed (%.4f %%), p99 %.1f ms, max %.1f ms"
      % (sys.argv[2], n, bad, 100.0 * bad / max(n, 1),
         d["latency_us"]["corrected"]["p99"] / 1000, d["latency_us"]["corrected"]["max"] / 1000))
sys.exit(0 if n > 0 and bad * 1000 < n else 1)
PY
}

# ---- 1. a master killed under load
# A stock the load sells out around the failover, so the gate is tested across it.
expect 200 POST /admin/flash '{"sku":"fo","stock":6000}' -H 'Authorization: Bearer tok'
VICTIM=$(hc_redis_cluster_master_of 'hc:flash:{fo}:stock')
for i in "${!HC_RC_PORTS[@]}"; do
    [ "${HC_RC_PORTS[$i]}" = "$VICTIM" ] && VICTIM_PID=${HC_RC_PIDS[$i]}
done
[ -n "${VICTIM_PID:-}" ] || fail "no PID for the master on $VICTIM"
ID=$(order_on "$VICTIM") || fail "no order key landed on master $VICTIM"
curl -s -o /dev/null "$URL/api/orders/$ID"
rm -f "$WORK/stop"
"$HCLOAD" -t 1 -c 8 -d 14s -T 2s --json "$WORK/kill.json" "$URL/api/orders/$ID" >"$WORK/kill.out" 2>&1 &
LOAD=$!
hc_track $LOAD
grabs fo 1000000 "$WORK/fo.grabs"
sleep 3
# Each 202 waited for the replica's copy: the master counts the WAITs.
WAITS=$(redis-cli -p "$VICTIM" info commandstats | grep -o 'cmdstat_wait:calls=[0-9]*' | grep -o '[0-9]*$' || echo 0)
[ "${WAITS:-0}" -gt 0 ] || fail "grabs on master $VICTIM were answered without a WAIT for its replica"
echo "before the kill: $WAITS WAITs on the sale's master"
T_KILL=$(date +%s.%N)
kill -KILL "$VICTIM_PID"
wait "$VICTIM_PID" 2>/dev/null || true
PROMOTED=
for _ in $(seq 300); do
    m=$(hc_redis_cluster_master_of 'hc:flash:{fo}:stock')
    if [ -n "$m" ] && [ "$m" != "$VICTIM" ]; then
        PROMOTED=$m
        break
    fi
    sleep 0.1
done
T_PROMOTED=$(date +%s.%N)
[ -n "$PROMOTED" ] || fail "no replica took over the slot of {fo} within 30 s; the nodes:
$(rccli cluster nodes 2>&1)
$(for d in "$HC_TMP"/rcluster/*/; do echo "== $d"; tail -5 "$d/log" 2>/dev/null; done)"
wait $LOAD || fail "hcload failed: $(cat "$WORK/kill.out")"
touch "$WORK/stop"
wait $GRABS
python3 - "$WORK/fo.grabs" "$T_KILL" "$T_PROMOTED" <<'EOF' || fail "grabs after the failover"
import sys
rows = [l.split() for l in open(sys.argv[1])]
kill, promoted = float(sys.argv[2]), float(sys.argv[3])
after = [float(r[1]) for r in rows if float(r[0]) > promoted and r[2] in ("202", "410")]
failed = [r for r in rows if r[2] not in ("202", "410")]
print("failover: replica on the slot %.1f s after the kill; %d grabs failed (%s)"
      % (promoted - kill, len(failed), sorted(set(r[2] for r in failed))))
if not after:
    print("FAIL: no grab answered after the promotion")
    sys.exit(1)
print("first grab answered (202 or 410) after the promotion: %.2f s after it"
      % (after[0] - promoted))
EOF
reads_ok "reads with a master killed" "$WORK/kill.json"
check_sale fo "$WORK/fo.grabs" 6000
if grep -q ' 410$' "$WORK/fo.grabs"; then
    [ "$(rccli HGET 'hc:flash:{fo}:stock' taken)" = 6000 ] || fail "fo sold out with units left"
    echo "fo: sold out, exactly 6000 units taken"
fi
kill -0 "$PID" || fail "hcserver is not running after the failover"

# ---- 2. a slot migrated under load
expect 200 POST /admin/flash '{"sku":"mg","stock":100000}' -H 'Authorization: Bearer tok'
SLOT=$(rccli cluster keyslot 'hc:flash:{mg}:stock')
SRC=$(hc_redis_cluster_master_of 'hc:flash:{mg}:stock')
DST=
for p in "${HC_RC_PORTS[@]}"; do
    [ "$p" = "$SRC" ] && continue
    [ "$(redis-cli -p "$p" role 2>/dev/null | head -1)" = master ] && DST=$p && break
done
[ -n "$DST" ] || fail "no other master to migrate slot $SLOT to"
SRC_ID=$(redis-cli -p "$SRC" cluster myid)
DST_ID=$(redis-cli -p "$DST" cluster myid)
ASK0=$(redis-cli -p "$DST" info commandstats | grep -o 'cmdstat_asking:calls=[0-9]*' | grep -o '[0-9]*$' || echo 0)
ID=$(order_on "$SRC") || fail "no order key landed on master $SRC"
curl -s -o /dev/null "$URL/api/orders/$ID"
rm -f "$WORK/stop"
"$HCLOAD" -t 1 -c 8 -d 10s -T 2s --json "$WORK/mig.json" "$URL/api/orders/$ID" >"$WORK/mig.out" 2>&1 &
LOAD=$!
hc_track $LOAD
grabs mg 3000000 "$WORK/mg.grabs"
sleep 2
redis-cli -p "$DST" cluster setslot "$SLOT" importing "$SRC_ID" >/dev/null
redis-cli -p "$SRC" cluster setslot "$SLOT" migrating "$DST_ID" >/dev/null
MOVED_KEYS=0
while :; do
    mapfile -t keys < <(redis-cli -p "$SRC" cluster getkeysinslot "$SLOT" 100)
    [ ${#keys[@]} -gt 0 ] && [ -n "${keys[0]}" ] || break
    redis-cli -p "$SRC" migrate 127.0.0.1 "$DST" "" 0 5000 KEYS "${keys[@]}" >/dev/null ||
        fail "MIGRATE of slot $SLOT failed"
    MOVED_KEYS=$((MOVED_KEYS + ${#keys[@]}))
done
sleep 2 # grabs now find the sale on the target only with ASK
for p in "${HC_RC_PORTS[@]}"; do
    [ "$(redis-cli -p "$p" role 2>/dev/null | head -1)" = master ] &&
        redis-cli -p "$p" cluster setslot "$SLOT" node "$DST_ID" >/dev/null
done
sleep 2
wait $LOAD || fail "hcload failed: $(cat "$WORK/mig.out")"
touch "$WORK/stop"
wait $GRABS
ASK1=$(redis-cli -p "$DST" info commandstats | grep -o 'cmdstat_asking:calls=[0-9]*' | grep -o '[0-9]*$' || echo 0)
echo "migration: slot $SLOT ($MOVED_KEYS keys) from $SRC to $DST; $((ASK1 - ASK0)) ASKING on the target"
[ "$((ASK1 - ASK0))" -gt 0 ] || fail "no command was sent with ASKING during the migration"
[ "$(hc_redis_cluster_master_of 'hc:flash:{mg}:stock')" = "$DST" ] || fail "slot $SLOT is not on $DST"
reads_ok "reads during the migration" "$WORK/mig.json"
check_sale mg "$WORK/mg.grabs" 100000
NOT202=$(awk '$3!=202' "$WORK/mg.grabs" | wc -l)
echo "migration: $NOT202 grabs not answered 202"
[ "$NOT202" -le 4 ] || fail "$NOT202 grabs failed during the migration"
stop_server
echo "hcserver_rcluster_faults: ok"
