#!/usr/bin/env bash
# integration.hcserver_durability: what was acknowledged survives. kill -9 in the middle of a
# stream of creations, restart: every order answered 201 is there, and none is there twice.
# SIGTERM in the middle of creations and flash grabs: the process drains and exits 0, and
# every acknowledged order and every queued ticket becomes exactly one order.
# Usage: hcserver_durability.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need curl python3 sqlite3
source "$(dirname "$0")/lib_hcserver.sh"


all_ids() {
    for f in "$WORK"/data/shard-*.db; do
        s=${f##*shard-}
        s=${s%.db}
        sqlite3 "$f" "select seq * 256 + $s from orders"
    done
}

# --- kill -9 during creations
start_server
"$TOOLS/hcserver_blast" create "$PORT" 1000000 32 "$WORK/acked" >"$WORK/blast" &
BLAST=$!
sleep 1.5
crash_server
wait "$BLAST" || true
N=$(wc -l <"$WORK/acked")
[ "$N" -gt 100 ] || fail "only $N creations before the kill: too few to prove anything"
all_ids | sort >"$WORK/stored"
sort -u "$WORK/stored" | cmp -s - "$WORK/stored" || fail "an order id is stored twice"
sort -u "$WORK/acked" >"$WORK/acked.sorted"
MISSING=$(comm -23 "$WORK/acked.sorted" "$WORK/stored" | wc -l)
[ "$MISSING" = 0 ] || fail "$MISSING orders answered 201 are missing after kill -9"
echo "kill -9: $N acknowledged, $(wc -l <"$WORK/stored") stored, none missing"

# after the restart they are served, and the store accepts new ones
start_server
for id in $(shuf -n 50 "$WORK/acked.sorted"); do
    expect 200 GET "/api/orders/$id"
done
expect 201 POST /api/orders '{"user_id":3,"sku":"after","qty":1,"amount_cents":1}'

# --- SIGTERM during creations and grabs: drains, exits 0, loses nothing queued
expect 200 POST /admin/flash '{"sku":"drain","stock":3000}' -H 'Authorization: Bearer tok'
"$TOOLS/hcserver_blast" create "$PORT" 1000000 32 "$WORK/acked2" >/dev/null &
B1=$!
"$TOOLS/hcserver_blast" grab "$PORT" drain 3000 3000 32 >"$WORK/grabs" &
B2=$!
sleep 1
kill -TERM "$PID"
wait "$PID" || fail "hcserver exited with $? on SIGTERM"
PID=
wait "$B1" "$B2" || true
grep -q 'stopped cleanly' "$WORK/log" || fail "no clean stop in the log"
all_ids | sort >"$WORK/stored2"
sort -u "$WORK/stored2" | cmp -s - "$WORK/stored2" || fail "an order id is stored twice"
MISSING=$(sort -u "$WORK/acked2" | comm -23 - "$WORK/stored2" | wc -l)
[ "$MISSING" = 0 ] || fail "$MISSING orders answered 201 are missing after SIGTERM"
TICKETS=$(sqlite3 "$WORK/data/queue.db" "select count(*) from messages where topic='drain'")
WAITING=$(sqlite3 "$WORK/data/queue.db" "select count(*) from messages where topic='drain' and state=0")
GRAB_ORDERS=0
for f in "$WORK"/data/shard-*.db; do
    GRAB_ORDERS=$((GRAB_ORDERS + $(sqlite3 "$f" "select count(*) from orders where sku='drain'")))
done
ACKED_GRABS=$(awk '$1=="status" && $2==202 {print $3}' "$WORK/grabs")
[ "$WAITING" = 0 ] || fail "$WAITING queued tickets were left unprocessed at SIGTERM"
[ "$GRAB_ORDERS" = "$TICKETS" ] || fail "$TICKETS tickets but $GRAB_ORDERS orders"
[ "${ACKED_GRABS:-0}" -le "$TICKETS" ] || fail "$ACKED_GRABS grabs answered 202 but $TICKETS tickets stored"
echo "SIGTERM: $(wc -l <"$WORK/acked2") creations and ${ACKED_GRABS:-0} grabs acknowledged, $TICKETS tickets, all ordered"
# --- kill -9 during flash grabs: after a restart every ticket becomes exactly one order
start_server
expect 200 POST /admin/flash '{"sku":"crash","stock":50000}' -H 'Authorization: Bearer tok'
"$TOOLS/hcserver_blast" grab "$PORT" crash 50000 50000 32 >"$WORK/grabs3" &
B3=$!
sleep 1
crash_server
wait "$B3" || true
ACKED3=$(awk '$1=="status" && $2==202 {print $3}' "$WORK/grabs3")
start_server
TICKETS3=$(sqlite3 "$WORK/data/queue.db" "select count(*) from messages where topic='crash'")
[ "${ACKED3:-0}" -le "$TICKETS3" ] || fail "$ACKED3 grabs answered 202 but only $TICKETS3 tickets stored"
for _ in $(seq 200); do
    expect 200 GET /api/flash/crash
    [ "$(json "$LAST" "['orders']")" = "$TICKETS3" ] && break
    sleep 0.05
done
[ "$(json "$LAST" "['orders']")" = "$TICKETS3" ] || fail "after kill -9: $TICKETS3 tickets, $LAST"
[ "$(json "$LAST" "['left']")" = $((50000 - TICKETS3)) ] || fail "stock after kill -9: $LAST"
stop_server
CRASH_ORDERS=0
for f in "$WORK"/data/shard-*.db; do
    CRASH_ORDERS=$((CRASH_ORDERS + $(sqlite3 "$f" "select count(*) from orders where sku='crash'")))
done
[ "$CRASH_ORDERS" = "$TICKETS3" ] || fail "$TICKETS3 tickets made $CRASH_ORDERS orders"
echo "kill -9 during grabs: ${ACKED3:-0} acknowledged, $TICKETS3 tickets, $CRASH_ORDERS orders"
echo "hcserver_durability: ok"
