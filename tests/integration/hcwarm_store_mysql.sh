#!/usr/bin/env bash
# integration.hcwarm_store_mysql: `hcwarm redis --from-store mysql://...` against hcserver's
# MariaDB store: hcserver on --store mysql (two shards as two databases on a mariadbd primary
# with a replica), orders created through its API; hcwarm then puts into a real redis-server
# exactly the chosen orders' JSON as GET /api/orders/ID answers it, read from the primary or
# from the replica, the most recent or the most requested, and gives a clear error, exit 1 and
# nothing written for a wrong password, a database that is not hcserver's and a server that is
# not there; a malformed URL is a usage error that never shows its password.
# Usage: hcwarm_store_mysql.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need mariadbd mariadb-install-db mariadb redis-server redis-cli curl python3
source "$(dirname "$0")/lib_mariadb.sh"
source "$(dirname "$0")/lib_redis.sh"
source "$(dirname "$0")/lib_hcserver.sh" "$1"
source "$(dirname "$0")/lib_hcwarm.sh"
HCWARM=$BUILD/hcwarm/hcwarm
W=$HC_TMP
hc_redis_start
hc_mariadb_start p
hc_mariadb_user p hc secret
hc_mariadb_replica p r
printf 'secret\n' >"$W/pw"
P=${HC_MDB_PORT[p]}
R=${HC_MDB_PORT[r]}
PRIMARIES="mysql://hc@127.0.0.1:$P/hc0,mysql://hc@127.0.0.1:$P/hc1"
REPLICAS="mysql://hc@127.0.0.1:$R/hc0, mysql://hc@127.0.0.1:$R/hc1"

start_server --shards 2 --store mysql --mysql-password-file "$W/pw" \
    --shard-primary "0=mysql://hc@127.0.0.1:$P/hc0" --shard-primary "1=mysql://hc@127.0.0.1:$P/hc1"
ids=()
for u in 1 2 3 4 5 6 7 8; do
    expect 201 POST /api/orders "{\"user_id\":$u,\"sku\":\"sku-$u é\",\"qty\":$u,\"amount_cents\":$((u * 100))}"
    ids+=("$(json "$LAST" "['id']")")
    sleep 0.01 # each its own creation millisecond: "most recent" is then one order
done
shards=$(printf '%s\n' "${ids[@]}" | while read -r id; do echo $((id & 255)); done | sort -u | tr '\n' ' ')
[ "$shards" = "0 1 " ] || fail "the orders are not on both shards: $shards"
# Every order confirmed, so the bodies compared below no longer change.
wait_confirmed "${ids[@]}"
hot=("${ids[0]}" "${ids[2]}" "${ids[5]}")
make_hot "${hot[@]}"

# The most requested, ranked by the hot-key report, read from the primaries.
rcli flushall >/dev/null
"$HCWARM" redis --target "$HC_REDIS_URL" --from-store "$PRIMARIES" --mysql-password-file "$W/pw" \
    --order requested --from-hotkeys "$URL" --admin-token tok -q || fail "--order requested failed"
same_orders "$W/hot.ids"
echo "ok: --from-store mysql:// --order requested read the hot orders from the primaries"

# The most recent, from the replica (caught up first), the password from the environment.
n=$(hc_mariadb_sql p "SELECT (SELECT COUNT(*) FROM hc0.orders) + (SELECT COUNT(*) FROM hc1.orders)")
for _ in $(seq 100); do
    m=$(hc_mariadb_sql r "SELECT (SELECT COUNT(*) FROM hc0.orders WHERE status = 1) +
        (SELECT COUNT(*) FROM hc1.orders WHERE status = 1)")
    [ "$m" = "$n" ] && break
    sleep 0.1
done
[ "$m" = "$n" ] || fail "the replica has $m confirmed orders, the primary $n orders"
rcli flushall >/dev/null
HCSERVER_MYSQL_PASSWORD=secret "$HCWARM" redis --target "$HC_REDIS_URL" --from-store "$REPLICAS" \
    --limit 5 --ttl 1h --json "$W/st.json" -q || fail "--from-store from the replica failed"
printf '%s\n' "${ids[@]:3}" | sort >"$W/recent.ids"
same_orders "$W/recent.ids"
[ "$(hc_json "$W/st.json" warmed)" = 5 ] || fail "counts: $(cat "$W/st.json")"
ttl=$(rcli ttl "hc:order:${ids[7]}")
[ "$ttl" -gt 3000 ] && [ "$ttl" -le 3600 ] || fail "ttl $ttl"
echo "ok: --from-store mysql:// put the 5 most recent orders' JSON from the replica"
stop_server

# Errors: a clear message, exit 1, nothing written.
rcli flushall >/dev/null
bad_run() { # WANT_RC WANT_TEXT hcwarm args...
    local want=$1 text=$2 rc=0
    shift 2
    "$HCWARM" redis --target "$HC_REDIS_URL" "$@" -q 2>"$W/err" || rc=$?
    [ "$rc" = "$want" ] && grep -q -- "$text" "$W/err" || fail "$*: exit $rc, $(cat "$W/err") (want $want, $text)"
    [ "$(rcli dbsize)" = 0 ] || fail "$*: keys written"
}
bad_run 1 "Access denied" --from-store "mysql://hc:wrong@127.0.0.1:$P/hc0"
grep -q wrong "$W/err" && fail "the password is in the message: $(cat "$W/err")"
hc_mariadb_sql p "CREATE DATABASE other; CREATE TABLE other.orders (seq INT)"
bad_run 1 "shard 1: mysql://hc@127.0.0.1:$P/other: not an hcserver database" \
    --from-store "mysql://hc@127.0.0.1:$P/hc0,mysql://hc@127.0.0.1:$P/other" --mysql-password-file "$W/pw"
hc_mariadb_sql p "CREATE DATABASE newer; CREATE TABLE newer.hc_schema (version INT); INSERT INTO newer.hc_schema VALUES (9)"
bad_run 1 "schema version 9, this hcwarm reads 1 to 2" \
    --from-store "mysql://hc@127.0.0.1:$P/newer" --mysql-password-file "$W/pw"
nowhere=$(hc_free_port)
bad_run 1 "shard 0: mysql://hc@127.0.0.1:$nowhere/hc0: Can't connect" --from-store "mysql://hc@127.0.0.1:$nowhere/hc0"
bad_run 2 "shard 1's URL: the database is needed" --from-store "mysql://hc:s3cr3t@h/hc0,mysql://hc:s3cr3t@h"
grep -q s3cr3t "$W/err" && fail "the password is in the message: $(cat "$W/err")"
bad_run 2 "nowhere: No such file" --from-store "$PRIMARIES" --mysql-password-file "$W/nowhere"
echo "ok: a wrong password, another database, a newer schema, no server and a bad URL: clear errors, nothing written"
