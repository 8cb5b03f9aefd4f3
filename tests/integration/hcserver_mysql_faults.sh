#!/usr/bin/env bash
# integration.hcserver_mysql_faults: a shard's MariaDB primary stopped under load and started
# again. Two shards, each its own mariadbd (started here on free loopback ports, stopped and
# restarted by PID on the same port and datadir), creations from both shards' users the whole
# time:
#   - while shard 1's primary is down, its writes answer 503 (500 at first, then the breaker's
#     fast 503 with Retry-After) and shard 0 keeps taking every order;
#   - after the primary is back, shard 1 takes orders again within 5 s (the breaker's 2 s
#     cooldown, then its trial);
#   - every order answered 201 is in its shard's table afterwards.
# Usage: hcserver_mysql_faults.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need mariadbd mariadb-install-db mariadb curl python3
source "$(dirname "$0")/lib_mariadb.sh"
source "$(dirname "$0")/lib_hcserver.sh"
hc_mariadb_start s0
hc_mariadb_user s0 hc secret
hc_mariadb_start s1
hc_mariadb_user s1 hc secret
export HCSERVER_MYSQL_PASSWORD=secret
start_server --store mysql --shard-primary "0=mysql://hc@127.0.0.1:${HC_MDB_PORT[s0]}/hc" \
    --shard-primary "1=mysql://hc@127.0.0.1:${HC_MDB_PORT[s1]}/hc" \
    --breaker-errors 3 --breaker-cooldown 2s --confirm-delay 1h --stuck-after 1h

# post USER: the status of one creation; a 201's id goes to $WORK/ids-SHARD.
post() {
    local code
    code=$(curl -s -o "$WORK/p" -w '%{http_code}' -m 10 -X POST \
        --data-binary "{\"user_id\":$1,\"sku\":\"tea\",\"qty\":1,\"amount_cents\":300}" "$URL/api/orders")
    [ "$code" != 201 ] || grep -o '"id":[0-9]*' "$WORK/p" | cut -d: -f2 >>"$WORK/ids-$(($1 % 2))"
    echo "$code"
}
: >"$WORK/ids-0"
: >"$WORK/ids-1"
for u in $(seq 2 21); do [ "$(post "$u")" = 201 ] || fail "creation for user $u before the fault"; done

# --- shard 1's primary stopped
hc_mariadb_stop s1
codes0="" codes1="" t0=$(date +%s%N) slowest=0
for i in $(seq 1 40); do
    codes0="$codes0 $(post $((100 + 2 * i)))"
    s=$(date +%s%N)
    codes1="$codes1 $(post $((101 + 2 * i)))"
    took=$((($(date +%s%N) - s) / 1000000))
    [ "$i" -gt 5 ] && [ "$took" -gt "$slowest" ] && slowest=$took
done
echo "$codes0" | tr ' ' '\n' | grep -qv '^201$\|^$' && fail "shard 0 refused orders while shard 1 was down:$codes0"
echo "$codes1" | tr ' ' '\n' | grep -q '^201$' && fail "shard 1 answered 201 with its primary down:$codes1"
# Once open, the breaker lets one trial through per cooldown (a 500 each): on a loaded machine
# this loop is slow, so only half the writes need to be the fast 503.
[ "$(echo "$codes1" | tr ' ' '\n' | grep -c '^503$')" -ge 20 ] || fail "shard 1's writes were not 503s:$codes1"
# No write hangs on the dead server: even a trial's connect attempt is bounded (2 s connect
# timeout); the bound is loose because a loaded machine stalls curl itself.
[ "$slowest" -lt 8000 ] || fail "a shard-1 write took $slowest ms with its primary down"
# The probe may itself be the cooldown's one trial (a 500 without the header); the breaker
# reopens on its failure, so of two probes in a row at least one is the fast 503.
retry_after() {
    curl -s -D - -o /dev/null -m 10 -X POST \
        --data-binary '{"user_id":3,"sku":"tea","qty":1,"amount_cents":300}' "$URL/api/orders" |
        grep -q '^Retry-After: [1-9]'
}
retry_after || retry_after || fail "a refused write without Retry-After"

# --- the primary is back: shard 1 recovers within 5 s
hc_mariadb_start s1
back=$(date +%s%N) ok=
while [ $((($(date +%s%N) - back) / 1000000)) -lt 5000 ]; do
    [ "$(post 1001)" = 201 ] && { ok=1; break; }
    sleep 0.1
done
[ -n "$ok" ] || fail "shard 1 took no order within 5 s of its primary's return"
echo "shard 1 took orders again $((($(date +%s%N) - back) / 1000000)) ms after its primary started"
for u in $(seq 1003 2 1041); do [ "$(post "$u")" = 201 ] || fail "shard 1 after recovery: user $u"; done

# --- nothing acknowledged is lost
stop_server
for s in 0 1; do
    want=$(sort -u "$WORK/ids-$s" | wc -l)
    have=$(hc_mariadb_sql "s$s" "SELECT COUNT(*) FROM hc.orders")
    [ "$have" = "$want" ] || fail "shard $s: $want orders answered 201, $have in its table"
done
echo "hcserver_mysql_faults: ok"
