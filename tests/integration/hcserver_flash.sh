#!/usr/bin/env bash
# integration.hcserver_flash: a flash sale under load: stock 1,000, 20,000 concurrent grabs from
# 5,000 users must give exactly 1,000 tickets and 1,000 orders (none oversold, none twice), a
# second grab by a user is refused, and after a restart the sale is still sold out with the
# same 1,000 orders.
# Usage: hcserver_flash.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need curl python3 sqlite3
source "$(dirname "$0")/lib_hcserver.sh"


# count_orders: orders made from flash tickets, over every shard file.
count_orders() {
    local total=0 n
    for f in "$WORK"/data/shard-*.db; do
        n=$(sqlite3 "$f" "select count(*) from orders where ticket is not null")
        total=$((total + n))
    done
    echo $total
}
count_distinct_tickets() {
    for f in "$WORK"/data/shard-*.db; do
        sqlite3 "$f" "select ticket from orders where ticket is not null"
    done | sort -u | wc -l
}

start_server
expect 200 POST /admin/flash '{"sku":"phone-x","stock":1000}' -H 'Authorization: Bearer tok'
"$TOOLS/hcserver_blast" grab "$PORT" phone-x 5000 20000 200 >"$WORK/grab"
cat "$WORK/grab"
grep -q '^status 202 1000$' "$WORK/grab" || fail "not exactly 1000 grabs accepted"
grep -q '^errors 0$' "$WORK/grab" || fail "connections failed"
ACCEPTED=$(awk '$1=="status" && ($2==202||$2==410||$2==409) {s+=$3} END {print s}' "$WORK/grab")
[ "$ACCEPTED" = 20000 ] || fail "some grabs got another answer than 202/409/410"
expect 410 POST /api/flash/phone-x/grab '{"user_id":999999}'
for _ in $(seq 100); do
    expect 200 GET /api/flash/phone-x
    [ "$(json "$LAST" "['orders']")" = 1000 ] && break
    sleep 0.1
done
[ "$(json "$LAST" "['orders']")" = 1000 ] || fail "orders made: $LAST"
[ "$(json "$LAST" "['left']")" = 0 ] || fail "stock left: $LAST"
[ "$(json "$LAST" "['tickets']")" = 1000 ] || fail "tickets: $LAST"

# one grab per user per sku, across a fresh sale with repeat users
expect 200 POST /admin/flash '{"sku":"cap","stock":500}' -H 'Authorization: Bearer tok'
"$TOOLS/hcserver_blast" grab "$PORT" cap 100 2000 50 >"$WORK/grab2"
grep -q '^status 202 100$' "$WORK/grab2" || fail "100 users should get exactly 100 tickets: $(cat "$WORK/grab2")"
grep -q '^status 409 1900$' "$WORK/grab2" || fail "repeat grabs not refused: $(cat "$WORK/grab2")"
for _ in $(seq 100); do
    expect 200 GET /api/flash/cap
    [ "$(json "$LAST" "['orders']")" = 100 ] && break
    sleep 0.1
done
stop_server
[ "$(count_orders)" = 1100 ] || fail "the shards hold $(count_orders) flash orders, not 1100"
[ "$(count_distinct_tickets)" = 1100 ] || fail "a ticket made two orders"

# the sale survives a restart: still sold out, no new orders
start_server
expect 200 GET /api/flash/phone-x
[ "$(json "$LAST" "['left']")" = 0 ] || fail "stock after restart: $LAST"
[ "$(json "$LAST" "['orders']")" = 1000 ] || fail "orders after restart: $LAST"
expect 410 POST /api/flash/phone-x/grab '{"user_id":424242}'
expect 409 POST /api/flash/cap/grab '{"user_id":1}'
expect 202 POST /api/flash/cap/grab '{"user_id":4242}'
stop_server
[ "$(count_orders)" = 1101 ] || fail "after restart the shards hold $(count_orders) flash orders"
echo "hcserver_flash: ok"
