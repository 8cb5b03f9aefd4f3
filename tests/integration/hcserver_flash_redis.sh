#!/usr/bin/env bash
# integration.hcserver_flash_redis: flash sales with Redis as the stock gate and the queue
# (--queue redis://), on a redis-server started here with appendfsync always (what
# docs/hcserver.md's claim for a 202 assumes):
#  1. every check of hcserver_flash.sh, on this backend;
#  2. two instances, each with its own data directory, share one Redis: a sale of stock 1,000
#     with 20,000 grabs from 5,000 users spread over both gives exactly 1,000 tickets (202)
#     and 1,000 orders in the two stores together, each user at most one;
#  3. kill -9 of an instance holding delivered tickets it had not claimed yet: the other one
#     takes them over after the visibility timeout; once both are back every ticket answered
#     202 is exactly one order.
# Usage: hcserver_flash_redis.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need curl python3 sqlite3 redis-server redis-cli
source "$(dirname "$0")/lib_hcserver.sh"
source "$(dirname "$0")/lib_redis.sh"

if [ "${HC_FLASH_REDIS_CLUSTER:-0}" = 1 ]; then
    # hcserver_flash_rcluster.sh: the same checks on a Redis Cluster (rcli follows MOVED).
    hc_redis_cluster_start --appendonly yes --appendfsync always
    Q="--queue $HC_RC_URL"
    rcli() { rccli "$@"; }
else
    hc_redis_start --appendonly yes --appendfsync always
    Q="--queue $HC_REDIS_URL"
fi

# 1. the embedded backend's checks, on Redis
HCSERVER_EXTRA="$Q" bash "$(dirname "$0")/hcserver_flash.sh" "$1" "$2" ||
    fail "hcserver_flash.sh failed with $Q"

# inst NAME [options...]: starts instance NAME (data in $HC_TMP/NAME); sets PID_NAME, PORT_NAME.
inst() {
    local name=$1
    shift
    WORK=$HC_TMP/$name
    mkdir -p "$WORK"
    start_server $Q "$@"
    printf -v "PID_$name" %s "$PID"
    printf -v "PORT_$name" %s "$PORT"
}
# on NAME: later req/expect calls go to instance NAME.
on() {
    WORK=$HC_TMP/$1
    local p="PORT_$1"
    URL=http://127.0.0.1:${!p}
}
# stop NAME: SIGTERM, and a clean exit.
stop() {
    local p="PID_$1"
    kill -TERM "${!p}"
    wait "${!p}" || fail "instance $1 exited with $? after SIGTERM"
}
# sql NAME QUERY: QUERY summed over instance NAME's shard files (one number a shard).
sql_sum() {
    local total=0 n f
    for f in "$HC_TMP/$1"/data/shard-*.db; do
        n=$(sqlite3 "$f" "$2")
        total=$((total + n))
    done
    echo $total
}
# rows SKU: "ticket user" of SKU's flash orders over both instances' shard files.
rows() {
    local f
    for f in "$HC_TMP"/a/data/shard-*.db "$HC_TMP"/b/data/shard-*.db; do
        [ -f "$f" ] && sqlite3 -separator ' ' "$f" \
            "select ticket, user_id from orders where ticket is not null and sku='$1'"
    done
    return 0
}
# wait_orders SKU N: until GET /api/flash/SKU counts N orders (at most 60 s).
wait_orders() {
    for _ in $(seq 600); do
        expect 200 GET "/api/flash/$1"
        [ "$(json "$LAST" "['orders']")" = "$2" ] && return 0
        sleep 0.1
    done
    fail "orders of $1 after 60 s: $LAST (wanted $2)"
}

# 2. two instances, one sale, no oversell
inst a
inst b
on a
expect 200 POST /admin/flash '{"sku":"duo","stock":1000}' -H 'Authorization: Bearer tok'
on b
expect 200 GET /api/flash/duo # made through a, seen by b
[ "$(json "$LAST" "['left']")" = 1000 ] || fail "b sees $LAST"
"$TOOLS/hcserver_blast" grab "$PORT_a" duo 5000 10000 100 >"$HC_TMP/grab_a" &
BA=$!
"$TOOLS/hcserver_blast" grab "$PORT_b" duo 5000 10000 100 >"$HC_TMP/grab_b"
wait $BA
cat "$HC_TMP/grab_a" "$HC_TMP/grab_b"
ACC=$(cat "$HC_TMP/grab_a" "$HC_TMP/grab_b" | awk '$1=="status" && $2==202 {s+=$3} END {print s+0}')
ALL=$(cat "$HC_TMP/grab_a" "$HC_TMP/grab_b" |
    awk '$1=="status" && ($2==202||$2==409||$2==410) {s+=$3} END {print s+0}')
[ "$ACC" = 1000 ] || fail "$ACC grabs answered 202 over both instances, not 1000"
[ "$ALL" = 20000 ] || fail "only $ALL of 20000 grabs got 202/409/410"
wait_orders duo 1000
[ "$(json "$LAST" "['tickets']")" = 1000 ] || fail "tickets: $LAST"
[ "$(json "$LAST" "['left']")" = 0 ] || fail "left: $LAST"
stop a
stop b
rows duo >"$HC_TMP/rows"
[ "$(wc -l <"$HC_TMP/rows")" = 1000 ] || fail "the two stores hold $(wc -l <"$HC_TMP/rows") orders of duo"
[ "$(cut -d' ' -f1 "$HC_TMP/rows" | sort -u | wc -l)" = 1000 ] || fail "a ticket made two orders"
[ "$(cut -d' ' -f2 "$HC_TMP/rows" | sort -u | wc -l)" = 1000 ] || fail "a user got two orders"
echo "two instances: 1000 tickets, orders a=$(sql_sum a "select count(*) from orders where sku='duo'")" \
    "b=$(sql_sum b "select count(*) from orders where sku='duo'")"

# 3. kill -9 with delivered tickets pending: a holds what it takes for 60 s before claiming
inst a --queue-visibility 2s --chaos-queue-hold 60s
on a
expect 200 POST /admin/flash '{"sku":"kill","stock":300}' -H 'Authorization: Bearer tok'
"$TOOLS/hcserver_blast" grab "$PORT_a" kill 300 300 20 >"$HC_TMP/grab_k"
grep -q '^status 202 300$' "$HC_TMP/grab_k" || fail "grabs of kill: $(cat "$HC_TMP/grab_k")"
KEY='hc:flash:{kill}:tickets'
# a's workers each hold the first batch they take; how many of the 300 that batch holds
# depends on when it was taken (all of them, or the first ones on a loaded machine), and the
# rest wait undelivered in the stream. Either way the kill leaves tickets delivered and
# unfinished, and every one of the 300 must become exactly one order.
pending=0
for _ in $(seq 200); do
    pending=$(rcli XPENDING "$KEY" hc | head -1)
    [ "$pending" = 300 ] && break
    sleep 0.1
done
[ "${pending:-0}" -gt 0 ] || fail "a took none of the 300 tickets"
echo "kill -9 with $pending of 300 tickets delivered to a and unfinished"
kill -KILL "$PID_a"
wait "$PID_a" 2>/dev/null || true
T0=$(date +%s.%N)
inst b --queue-visibility 2s
on b
wait_orders kill 300
T1=$(date +%s.%N)
echo "reclaim: b finished a's 300 pending tickets $(python3 -c "print(round($T1 - $T0, 1))") s after the kill"
inst a --queue-visibility 2s
on a
wait_orders kill 300
sleep 1
stop a
stop b
rows kill >"$HC_TMP/rows_k"
[ "$(wc -l <"$HC_TMP/rows_k")" = 300 ] || fail "the two stores hold $(wc -l <"$HC_TMP/rows_k") orders of kill"
[ "$(cut -d' ' -f1 "$HC_TMP/rows_k" | sort -u | wc -l)" = 300 ] || fail "a ticket of kill made two orders"
[ "$(rcli XLEN "$KEY")" = 0 ] || fail "entries left on the stream: $(rcli XLEN "$KEY")"
echo "hcserver_flash_redis: ok"
