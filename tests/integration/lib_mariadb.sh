# tests/integration/lib_mariadb.sh: real MariaDB servers for the tests and benchmarks, sourced
# after lib.sh: a mariadbd in a scratch datadir made by mariadb-install-db, on a free loopback
# port and its own socket, durable commits (innodb_flush_log_at_trx_commit=1, sync_binlog=1),
# binary log and GTIDs on, stopped by PID at exit; and a replica of one with native GTID
# replication.
#
#   hc_mariadb_start NAME [mariadbd options...]   # sets HC_MDB_PORT[NAME], HC_MDB_PID[NAME]
#   hc_mariadb_sql NAME "SQL"                     # runs SQL as root over NAME's socket
#   hc_mariadb_user NAME USER PASSWORD            # USER@127.0.0.1 and @localhost with every right
#   hc_mariadb_replica PRIMARY NAME               # NAME replicates PRIMARY (GTID, slave_pos)
#   hc_mariadb_stop NAME                          # SIGTERM by PID, waits
#
# Each server lives in $HC_TMP/mdb-NAME (datadir db/, socket sock, log err). Server ids are
# given in start order, so every server of a test has its own.
declare -A HC_MDB_PORT HC_MDB_PID
HC_MDB_NEXT_ID=1
HC_MARIADBD=$(command -v mariadbd || echo /usr/sbin/mariadbd)

# hc_mariadb_start NAME [options...]: installs a datadir and starts mariadbd on a free port;
# waits (at most 30 s) until it answers on its socket.
hc_mariadb_start() {
    local name=$1 dir=$HC_TMP/mdb-$1 port id=$HC_MDB_NEXT_ID
    shift
    HC_MDB_NEXT_ID=$((HC_MDB_NEXT_ID + 1))
    mkdir -p "$dir"
    if [ ! -d "$dir/db/mysql" ]; then
        # Once more after a failure: on a machine busy with other servers the bootstrap can
        # fail for want of a moment's resources; the second failure is reported with its reason.
        local try
        for try in 1 2; do
            rm -rf "$dir/db"
            mariadb-install-db --no-defaults --datadir="$dir/db" --user="$(id -un)" --skip-test-db \
                --auth-root-authentication-method=socket >"$dir/install.log" 2>&1 && break
            [ "$try" = 2 ] && hc_fail "mariadb-install-db: $(grep -iE 'error|fail' "$dir/install.log" | head -5)"
            sleep 1
        done
    fi
    port=${HC_MDB_PORT[$name]:-$(hc_free_port)}
    "$HC_MARIADBD" --no-defaults --datadir="$dir/db" --user="$(id -un)" --port="$port" \
        --bind-address=127.0.0.1 --socket="$dir/sock" --pid-file="$dir/pid" \
        --log-error="$dir/err" --server-id="$id" --log-bin="$dir/db/bin" --log-slave-updates \
        --gtid-domain-id="$id" --innodb-flush-log-at-trx-commit=1 --sync-binlog=1 \
        --innodb-buffer-pool-size=32M --performance-schema=OFF --skip-name-resolve \
        --max-connections=500 "$@" >"$dir/out" 2>&1 &
    HC_MDB_PID[$name]=$!
    HC_MDB_PORT[$name]=$port
    hc_track "${HC_MDB_PID[$name]}"
    local _
    for _ in $(seq 300); do
        if [ -S "$dir/sock" ] && hc_mariadb_sql "$name" "SELECT 1" >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "${HC_MDB_PID[$name]}" 2>/dev/null || hc_fail "mariadbd $name exited: $(tail -5 "$dir/err")"
        sleep 0.1
    done
    hc_fail "mariadbd $name did not start within 30 s: $(tail -5 "$dir/err")"
}

# hc_mariadb_sql NAME SQL: runs SQL as root on NAME, tab-separated output without headers.
hc_mariadb_sql() {
    mariadb --no-defaults -S "$HC_TMP/mdb-$1/sock" -u root -N -B -e "$2"
}

# hc_mariadb_user NAME USER PASSWORD: a user with every right, from loopback.
hc_mariadb_user() {
    hc_mariadb_sql "$1" "CREATE USER IF NOT EXISTS '$2'@'127.0.0.1' IDENTIFIED BY '$3';
        CREATE USER IF NOT EXISTS '$2'@'localhost' IDENTIFIED BY '$3';
        GRANT ALL ON *.* TO '$2'@'127.0.0.1', '$2'@'localhost'"
}

# hc_mariadb_replica PRIMARY NAME [options...]: starts NAME as a replica of PRIMARY (a repl user
# on the primary, CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos) and waits (at most 30 s) until
# both replication threads run.
hc_mariadb_replica() {
    local primary=$1 name=$2 _
    shift 2
    hc_mariadb_sql "$primary" "CREATE USER IF NOT EXISTS repl@'127.0.0.1' IDENTIFIED BY 'rp';
        GRANT REPLICATION SLAVE ON *.* TO repl@'127.0.0.1'"
    hc_mariadb_start "$name" --read-only "$@"
    hc_mariadb_sql "$name" "CHANGE MASTER TO MASTER_HOST='127.0.0.1',
        MASTER_PORT=${HC_MDB_PORT[$primary]}, MASTER_USER='repl', MASTER_PASSWORD='rp',
        MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos; START SLAVE"
    for _ in $(seq 300); do
        [ "$(hc_mariadb_slave_status "$name" | grep -cE '^ *Slave_(IO|SQL)_Running: Yes$')" = 2 ] && return 0
        sleep 0.1
    done
    hc_fail "replica $name did not start replicating: $(hc_mariadb_slave_status "$name" | grep -i error)"
}

# hc_mariadb_slave_status NAME: SHOW SLAVE STATUS of NAME, a "Field: value" line each.
hc_mariadb_slave_status() {
    mariadb --no-defaults -S "$HC_TMP/mdb-$1/sock" -u root -e "SHOW SLAVE STATUS\G"
}

# hc_mariadb_stop NAME: stops NAME by PID (SIGTERM: a clean shutdown) and waits for it.
hc_mariadb_stop() {
    hc_stop "${HC_MDB_PID[$1]}" || true
    HC_MDB_PID[$1]=
}
