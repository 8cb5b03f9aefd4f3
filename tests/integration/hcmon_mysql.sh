#!/usr/bin/env bash
# hcmon against a real MariaDB server (mariadbd started here in a scratch datadir made by
# mariadb-install-db, on a loopback port, stopped by PID): the password comes from
# --password-file or MYSQL_PWD, the status figures equal what the server itself reports, a
# replica (a second mariadbd) shows its threads and lag, the MySQL panel shows the figures in
# tmux, and a wrong password shows the target down with the server's reason.
# Usage: hcmon_mysql.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_tmux.sh"
hc_need mariadbd mariadb-install-db mariadb tmux python3
build=$1
hcmon=$build/hcmon/hcmon
tmp=$HC_TMP
mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)

mariadb-install-db --no-defaults --datadir="$tmp/db" --user="$(id -un)" --skip-test-db \
    --auth-root-authentication-method=socket >"$tmp/install.log" 2>&1 ||
    hc_fail "mariadb-install-db: $(tail -5 "$tmp/install.log")"
port=$(hc_free_port)
"$mariadbd" --no-defaults --datadir="$tmp/db" --user="$(id -un)" --port="$port" \
    --bind-address=127.0.0.1 --socket="$tmp/sock" --pid-file="$tmp/mariadbd.pid" \
    --log-error="$tmp/mariadbd.err" --server-id=1 --log-bin="$tmp/db/bin" --innodb-buffer-pool-size=16M \
    --performance-schema=OFF >"$tmp/mariadbd.out" 2>&1 &
hc_track $!
for _ in $(seq 150); do [ -S "$tmp/sock" ] && break; sleep 0.1; done
[ -S "$tmp/sock" ] || hc_fail "mariadbd did not start: $(tail -5 "$tmp/mariadbd.err")"
sql() { mariadb --no-defaults -S "$tmp/sock" -u root -N -B -e "$1"; }
sql "CREATE USER mon@'127.0.0.1' IDENTIFIED BY 'secret'; CREATE USER mon@'localhost' IDENTIFIED BY 'secret';
     GRANT PROCESS, REPLICATION CLIENT ON *.* TO mon@'127.0.0.1', mon@'localhost';
     CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY) ENGINE=InnoDB;
     INSERT INTO shop.t VALUES (1),(2),(3),(4),(5),(6),(7)"
printf 'secret\n' >"$tmp/pw"
target=mysql://mon@127.0.0.1:$port

# Figures equal the server's own status (values nobody changes meanwhile).
rc=0
"$hcmon" --once --json --password-file "$tmp/pw" "$target" >"$tmp/once.json" || rc=$?
[ "$rc" = 0 ] || hc_fail "hcmon --once exited $rc: $(cat "$tmp/once.json")"
for v in Com_insert Com_create_table Slow_queries Handler_write; do
    want=$(sql "SHOW GLOBAL STATUS LIKE '$v'" | awk '{print $2}')
    label=$(python3 -c 'import sys; print({"Com_insert": "inserts", "Com_create_table": "creates",
        "Slow_queries": "slow queries", "Handler_write": "handler writes"}[sys.argv[1]])' "$v")
    got=$(python3 -c 'import json,sys; print("%.0f" % json.load(open(sys.argv[1]))["figures"][sys.argv[2]])' \
        "$tmp/once.json" "$label")
    [ "$got" = "$want" ] || hc_fail "$v: hcmon $got, the server $want"
done
[ "$(hc_json "$tmp/once.json" up)" = True ] || hc_fail "not up"

# Two samples with MYSQL_PWD: a query rate and the threads connected.
rc=0
MYSQL_PWD=secret "$hcmon" -n 2 -i 500ms --json "$target" >"$tmp/two.jsonl" || rc=$?
[ "$rc" = 0 ] || hc_fail "MYSQL_PWD run exited $rc"
python3 - "$tmp/two.jsonl" <<'PY'
import json, sys
l = [json.loads(x) for x in open(sys.argv[1])]
assert l[0]["ops"] is None, "a query rate on the first sample"
assert l[1]["ops"] > 0, "no query rate: %r" % l[1]["ops"]
assert l[1]["clients"] >= 1, "no threads connected"
print("mysql: %.1f queries/s, %d threads" % (l[1]["ops"], l[1]["clients"]))
PY

# A wrong password: down, with the server's reason.
rc=0
MYSQL_PWD=wrong "$hcmon" --once --json "$target" >"$tmp/bad.json" || rc=$?
[ "$rc" = 1 ] || hc_fail "a wrong password gave exit status $rc"
case $(hc_json "$tmp/bad.json" reason) in *"Access denied"*) ;; *) hc_fail "reason: $(hc_json "$tmp/bad.json" reason)" ;; esac

# A replica of it (a second mariadbd, GTID replication): the replica's IO and SQL threads and
# its lag; with the SQL thread stopped, an alert on the metric holds (exit status 99).
rport=$(hc_free_port)
sql "CREATE USER repl@'127.0.0.1' IDENTIFIED BY 'rp'; CREATE USER repl@'localhost' IDENTIFIED BY 'rp';
     GRANT REPLICATION SLAVE ON *.* TO repl@'127.0.0.1', repl@'localhost'"
mariadb-install-db --no-defaults --datadir="$tmp/rdb" --user="$(id -un)" --skip-test-db \
    --auth-root-authentication-method=socket >>"$tmp/install.log" 2>&1 || hc_fail "replica datadir"
"$mariadbd" --no-defaults --datadir="$tmp/rdb" --user="$(id -un)" --port="$rport" \
    --bind-address=127.0.0.1 --socket="$tmp/rsock" --server-id=2 --skip-log-bin \
    --log-error="$tmp/replica.err" --innodb-buffer-pool-size=16M --performance-schema=OFF \
    >"$tmp/replica.out" 2>&1 &
hc_track $!
for _ in $(seq 150); do [ -S "$tmp/rsock" ] && break; sleep 0.1; done
[ -S "$tmp/rsock" ] || hc_fail "the replica did not start: $(tail -5 "$tmp/replica.err")"
rsql() { mariadb --no-defaults -S "$tmp/rsock" -u root -N -B -e "$1"; }
rsql "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$port, MASTER_USER='repl',
      MASTER_PASSWORD='rp', MASTER_USE_GTID=slave_pos; START SLAVE"
for _ in $(seq 100); do [ "$(rsql 'SELECT count(*) FROM shop.t' 2>/dev/null)" = 7 ] && break; sleep 0.1; done
[ "$(rsql 'SELECT count(*) FROM shop.t')" = 7 ] || hc_fail "the replica did not catch up"
# The mon user came over with the rest; reading replica status takes SLAVE MONITOR too.
rsql "GRANT SLAVE MONITOR ON *.* TO mon@'127.0.0.1', mon@'localhost'"
replica=mysql://mon@127.0.0.1:$rport
"$hcmon" --once --json --password-file "$tmp/pw" "$replica" >"$tmp/replica.json" ||
    hc_fail "hcmon on the replica: $(cat "$tmp/replica.json")"
python3 - "$tmp/replica.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = d["figures"]
assert f["replica IO running"] == 1 and f["replica SQL running"] == 1, f
assert d["lag"] == 0 and f["replication lag"] == 0, (d["lag"], f)
print("replica: IO and SQL threads running, lag %gs" % d["lag"])
PY
rsql "STOP SLAVE SQL_THREAD"
rc=0
"$hcmon" --once --json --password-file "$tmp/pw" --alert 'mysql_replica_sql_running < 1' \
    "$replica" >"$tmp/stopped.json" || rc=$?
[ "$rc" = 99 ] || hc_fail "a stopped SQL thread with its alert gave exit status $rc, not 99"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["figures"]["replica SQL running"] == 0 and d["level"] == "crit", d' "$tmp/stopped.json"

# The MySQL panel on screen.
hc_tmux_start 130 45
tm send-keys -t t "$hcmon --password-file $tmp/pw --panel mysql $target; echo EXIT=\$?" Enter
want=$(sql "SHOW GLOBAL STATUS LIKE 'Com_insert'" | awk '{print $2}')
wait_for "  inserts "
got=$(row "  inserts " | awk '{print $3}')
[ "$got" = "$want" ] || hc_fail "the MySQL panel shows $got inserts, the server $want"
tm send-keys -t t q
wait_for "EXIT=0" 5
echo "hcmon mysql: ok"
