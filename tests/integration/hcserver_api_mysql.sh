#!/usr/bin/env bash
# integration.hcserver_api_mysql: every check of hcserver_api.sh again on --store mysql: four
# shards as four databases on a mariadbd primary with a replica (GTID replication), both started
# here in scratch datadirs on free loopback ports, reads allowed on the replica, the password
# from a file: the API behaves the same on MariaDB as on the embedded default, and its orders
# are on the primary and, replicated, on the replica.
# Usage: hcserver_api_mysql.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need mariadbd mariadb-install-db mariadb curl python3
source "$(dirname "$0")/lib_mariadb.sh"
hc_mariadb_start p
hc_mariadb_user p hc secret
hc_mariadb_replica p r
printf 'secret\n' >"$HC_TMP/pw"
extra="--store mysql --mysql-password-file $HC_TMP/pw"
for i in 0 1 2 3; do
    extra="$extra --shard-primary $i=mysql://hc@127.0.0.1:${HC_MDB_PORT[p]}/hc$i"
    extra="$extra --shard-replicas $i=mysql://hc@127.0.0.1:${HC_MDB_PORT[r]}/hc$i"
done
HCSERVER_EXTRA="$extra" bash "$(dirname "$0")/hcserver_api.sh" "$@" ||
    hc_fail "hcserver_api.sh failed with --store mysql"
n=$(hc_mariadb_sql p "SELECT (SELECT COUNT(*) FROM hc0.orders) + (SELECT COUNT(*) FROM hc1.orders) +
    (SELECT COUNT(*) FROM hc2.orders) + (SELECT COUNT(*) FROM hc3.orders)")
[ "$n" -gt 0 ] || hc_fail "no orders on the primary"
for _ in $(seq 100); do
    m=$(hc_mariadb_sql r "SELECT (SELECT COUNT(*) FROM hc0.orders) + (SELECT COUNT(*) FROM hc1.orders) +
        (SELECT COUNT(*) FROM hc2.orders) + (SELECT COUNT(*) FROM hc3.orders)")
    [ "$m" = "$n" ] && break
    sleep 0.1
done
[ "$m" = "$n" ] || hc_fail "the replica has $m orders, the primary $n"
echo "hcserver_api_mysql: ok ($n orders on the primary and the replica)"
