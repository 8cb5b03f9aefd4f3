#!/usr/bin/env bash
# integration.hcserver_store_mysql: the store contract suite (tests/hcserver/test_store.c) on
# the MariaDB store, against a real mariadbd primary and a replica of it (GTID replication)
# that this test starts in scratch datadirs on free loopback ports: the same tests the SQLite
# store passes, once on the primary alone and once with reads allowed on the replica.
# Usage: hcserver_store_mysql.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need mariadbd mariadb-install-db mariadb python3
source "$(dirname "$0")/lib_mariadb.sh"
build=$1
bin=$build/tests/hcserver_test_store
[ -x "$bin" ] || hc_fail "$bin is not built"
hc_mariadb_start p
hc_mariadb_user p hc 'se@cret'
hc_mariadb_replica p r
HC_TEST_MYSQL="mysql://hc:se@cret@127.0.0.1:${HC_MDB_PORT[p]}" \
    HC_TEST_MYSQL_REPLICA="mysql://hc:se@cret@127.0.0.1:${HC_MDB_PORT[r]}" \
    "$bin" >"$HC_TMP/out" 2>&1 || { cat "$HC_TMP/out"; hc_fail "the contract suite failed on MariaDB"; }
grep -q 'left out' "$HC_TMP/out" && hc_fail "a MariaDB entry was left out: $(grep 'left out' "$HC_TMP/out")"
# Both MariaDB runs really ran their tests (cmocka prints one PASSED line per group).
[ "$(grep -c 'PASSED' "$HC_TMP/out")" = 5 ] || { cat "$HC_TMP/out"; hc_fail "not every group passed"; }
# The orders are on the replica too: replication carried them.
p=$(hc_mariadb_sql p "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'orders'")
[ "$p" -ge 8 ] || hc_fail "only $p orders tables on the primary"
for _ in $(seq 100); do
    [ "$(hc_mariadb_sql r "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'orders'")" = "$p" ] && break
    sleep 0.1
done
[ "$(hc_mariadb_sql r "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'orders'")" = "$p" ] ||
    hc_fail "the replica does not have the primary's $p orders tables"
echo "hcserver_store_mysql: ok"
