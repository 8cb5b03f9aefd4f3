#!/usr/bin/env bash
# scripts/cluster.sh: hcserver's reference deployment on one machine, from Debian's packages:
# nginx in front of several hcserver instances that share a Redis (L2 cache and flash-sale
# queue) and two MariaDB shards, each a primary with a replica (native GTID replication).
# Everything listens on 127.0.0.1, on ports chosen when it starts, each part in its own
# directory under the cluster's directory, and is stopped by its PID.
#
# Usage: scripts/cluster.sh up [--instances N] [--dir DIR] [--build DIR]
#        scripts/cluster.sh status [--dir DIR]
#        scripts/cluster.sh down [--dir DIR]
#
#   up      starts the cluster (N hcserver instances, default 2) and prints its addresses;
#           builds the release preset first when --build (default build/release) has no
#           hcserver. Refuses when the directory holds a cluster that is still up.
#   status  each part's PID and health (Redis PING, MariaDB replication, each instance's
#           /readyz, /readyz through nginx); exit 0 when all are up, 1 otherwise.
#   down    stops nginx, then the instances (SIGTERM: each drains), then Redis and MariaDB.
#
# DIR defaults to $HC_CLUSTER_DIR or build/cluster. DIR/cluster.env holds the addresses and
# PIDs (shell variables: source it); each part's log is in its directory. The MariaDB servers
# are made and started by tests/integration/lib_mariadb.sh, as in the tests.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)

usage() {
    sed -n '8,10p' "$0" | sed 's/^# //'
}

cmd=${1:-}
[ $# -gt 0 ] && shift
dir=${HC_CLUSTER_DIR:-$src/build/cluster}
instances=2
build=$src/build/release
while [ $# -gt 0 ]; do
    case $1 in
    --dir) dir=${2:?--dir needs a directory}; shift 2 ;;
    --instances) instances=${2:?--instances needs a number}; shift 2 ;;
    --build) build=${2:?--build needs a build directory}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "cluster: unknown argument \"$1\"" >&2; usage >&2; exit 2 ;;
    esac
done
case $instances in
'' | *[!0-9]*) echo "cluster: --instances wants a number from 1 to 16" >&2; exit 2 ;;
esac
[ "$instances" -ge 1 ] && [ "$instances" -le 16 ] ||
    { echo "cluster: --instances wants a number from 1 to 16" >&2; exit 2; }
env_file=$dir/cluster.env

fail() {
    echo "cluster: $*" >&2
    exit 1
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# stop_pid PID [SECONDS]: SIGTERM, then SIGKILL after SECONDS (default 30) if it is still there.
stop_pid() {
    local pid=$1 tries=$((${2:-30} * 10))
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null && [ $tries -gt 0 ]; do
        sleep 0.1
        tries=$((tries - 1))
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    return 0
}

# The MariaDB helpers of the tests, in this cluster's directory: they start each server in
# $HC_TMP/mdb-NAME and report through these.
HC_TMP=$dir
hc_fail() { fail "$@"; }
hc_track() { :; }
hc_stop() { stop_pid "$1"; }
hc_free_port() { free_port; }

# up_already: whether DIR holds a cluster with a part still running.
up_already() {
    [ -f "$env_file" ] || return 1
    # shellcheck disable=SC1090
    (source "$env_file" && for p in $pids; do kill -0 "$p" 2>/dev/null && exit 0; done; exit 1)
}

cmd_up() {
    for c in nginx redis-server redis-cli mariadbd mariadb-install-db mariadb curl python3; do
        command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] ||
            fail "$c is not installed (scripts/deps.sh installs it)"
    done
    if up_already; then
        fail "a cluster is up in $dir (scripts/cluster.sh down --dir $dir first)"
    fi
    if [ ! -x "$build/hcserver/hcserver" ]; then
        "$src/scripts/deps.sh"
        (cd "$src" && cmake --preset release >/dev/null &&
            cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" >/dev/null)
        build=$src/build/release
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    # A start that fails half-way stops what it started (pids and started_ok are global: the
    # trap runs after this function has returned).
    pids=""
    started_ok=false
    trap '[ "$started_ok" = true ] || for p in $pids; do stop_pid "$p" 5; done' EXIT

    echo "== MariaDB: two shards, each a primary and a replica (GTID)"
    # One password for the hc user on every server, from a file (never on a command line).
    python3 -c 'import secrets; print(secrets.token_hex(12))' >"$dir/password"
    chmod 600 "$dir/password"
    # shellcheck source=../tests/integration/lib_mariadb.sh
    source "$src/tests/integration/lib_mariadb.sh"
    local s
    for s in 0 1; do
        hc_mariadb_start "p$s"
        pids="${HC_MDB_PID[p$s]} $pids"
        hc_mariadb_user "p$s" hc "$(cat "$dir/password")"
        hc_mariadb_replica "p$s" "r$s"
        pids="${HC_MDB_PID[r$s]} $pids"
    done

    echo "== Redis: the shared L2 cache and flash-sale queue"
    local redis_port redis_pid
    redis_port=$(free_port)
    mkdir -p "$dir/redis"
    setsid redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir/redis" \
        --appendonly yes --appendfsync everysec --save '' --daemonize no \
        >"$dir/redis/log" 2>&1 &
    redis_pid=$!
    pids="$redis_pid $pids"
    local _
    for _ in $(seq 200); do
        [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] && break
        kill -0 "$redis_pid" 2>/dev/null || fail "redis-server exited: $(tail -3 "$dir/redis/log")"
        sleep 0.05
    done

    echo "== hcserver: $instances instances on the shards, the cache and the queue"
    local token
    token=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
    printf '%s\n' "$token" >"$dir/admin-token"
    chmod 600 "$dir/admin-token"
    cat >"$dir/hcserver.conf" <<CONF
# hcserver's configuration for every instance of this cluster (scripts/cluster.sh).
store = mysql
mysql-password-file = $dir/password
cache = redis://127.0.0.1:$redis_port
queue = redis://127.0.0.1:$redis_port
admin-token = $token
drain-timeout = 10s
# A flash ticket an instance took and did not finish (it died) goes to another after this.
queue-visibility = 5s

[shard.0]
primary = mysql://hc@127.0.0.1:${HC_MDB_PORT[p0]}/hc
replicas = mysql://hc@127.0.0.1:${HC_MDB_PORT[r0]}/hc

[shard.1]
primary = mysql://hc@127.0.0.1:${HC_MDB_PORT[p1]}/hc
replicas = mysql://hc@127.0.0.1:${HC_MDB_PORT[r1]}/hc
CONF
    chmod 600 "$dir/hcserver.conf"
    local i hc_ports="" hc_pids="" port pid
    local -a ipid
    for i in $(seq "$instances"); do
        port=$(free_port)
        mkdir -p "$dir/hc$i"
        setsid "$build/hcserver/hcserver" --config "$dir/hcserver.conf" \
            --listen "127.0.0.1:$port" --data-dir "$dir/hc$i/data" >"$dir/hc$i/log" 2>&1 &
        ipid[$i]=$!
        pids="${ipid[$i]} $pids"
        hc_ports="$hc_ports $port"
        hc_pids="$hc_pids ${ipid[$i]}"
    done
    for i in $(seq "$instances"); do
        for _ in $(seq 600); do
            grep -q ' ready: ' "$dir/hc$i/log" && break
            kill -0 "${ipid[$i]}" 2>/dev/null || fail "hcserver $i exited: $(tail -5 "$dir/hc$i/log")"
            sleep 0.05
        done
        grep -q ' ready: ' "$dir/hc$i/log" || fail "hcserver $i was not ready within 30 s"
    done

    echo "== nginx: the instances behind one address"
    local nginx_port nginx_pid upstreams=""
    nginx_port=$(free_port)
    mkdir -p "$dir/nginx/logs"
    for port in $hc_ports; do
        upstreams="$upstreams        server 127.0.0.1:$port max_fails=1 fail_timeout=2s;
"
    done
    cat >"$dir/nginx/nginx.conf" <<CONF
# nginx in front of the hcserver instances (scripts/cluster.sh).
daemon off;
worker_processes auto;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/logs/error.log;
events { worker_connections 8192; }
http {
    client_body_temp_path $dir/nginx/body;
    proxy_temp_path $dir/nginx/proxy;
    fastcgi_temp_path $dir/nginx/fastcgi;
    uwsgi_temp_path $dir/nginx/uwsgi;
    scgi_temp_path $dir/nginx/scgi;
    access_log off;
    keepalive_requests 100000;
    upstream hcserver {
$upstreams        keepalive 64;
    }
    server {
        listen 127.0.0.1:$nginx_port backlog=4096;
        location / {
            proxy_pass http://hcserver;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_connect_timeout 1s;
            # An instance that is down, or answers 503 while starting or draining, is skipped
            # for fail_timeout and the request sent to the next (only idempotent requests:
            # nginx never sends a POST twice).
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 2;
        }
    }
}
CONF
    setsid "$(command -v nginx || echo /usr/sbin/nginx)" -p "$dir/nginx" \
        -e "$dir/nginx/logs/error.log" -c "$dir/nginx/nginx.conf" >"$dir/nginx/out" 2>&1 &
    nginx_pid=$!
    pids="$nginx_pid $pids"
    for _ in $(seq 200); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$nginx_port/readyz")" = 200 ] &&
            break
        kill -0 "$nginx_pid" 2>/dev/null || fail "nginx exited: $(tail -3 "$dir/nginx/logs/error.log")"
        sleep 0.05
    done

    cat >"$env_file" <<ENV
# scripts/cluster.sh up, $(date -u +%Y-%m-%dT%H:%M:%SZ): source this file for the addresses.
url=http://127.0.0.1:$nginx_port
nginx_port=$nginx_port
nginx_pid=$nginx_pid
hc_ports="${hc_ports# }"
hc_pids="${hc_pids# }"
redis_port=$redis_port
redis_pid=$redis_pid
mdb_names="p0 r0 p1 r1"
mdb_ports="${HC_MDB_PORT[p0]} ${HC_MDB_PORT[r0]} ${HC_MDB_PORT[p1]} ${HC_MDB_PORT[r1]}"
mdb_pids="${HC_MDB_PID[p0]} ${HC_MDB_PID[r0]} ${HC_MDB_PID[p1]} ${HC_MDB_PID[r1]}"
admin_token_file=$dir/admin-token
# every PID, in the order down stops them
pids="$pids"
ENV
    started_ok=true
    echo "cluster up in $dir"
    echo "  nginx     http://127.0.0.1:$nginx_port  (pid $nginx_pid)"
    set -- $hc_pids
    for port in $hc_ports; do
        echo "  hcserver  http://127.0.0.1:$port  (pid $1)"
        shift
    done
    echo "  redis     redis://127.0.0.1:$redis_port  (pid $redis_pid)"
    echo "  shard 0   primary 127.0.0.1:${HC_MDB_PORT[p0]} (pid ${HC_MDB_PID[p0]}), replica 127.0.0.1:${HC_MDB_PORT[r0]} (pid ${HC_MDB_PID[r0]})"
    echo "  shard 1   primary 127.0.0.1:${HC_MDB_PORT[p1]} (pid ${HC_MDB_PID[p1]}), replica 127.0.0.1:${HC_MDB_PORT[r1]} (pid ${HC_MDB_PID[r1]})"
    echo "  admin token in $dir/admin-token; stop with: scripts/cluster.sh down --dir $dir"
}

load_env() {
    [ -f "$env_file" ] || fail "no cluster in $dir (scripts/cluster.sh up --dir $dir)"
    # shellcheck disable=SC1090
    source "$env_file"
}

# line NAME PID STATE DETAIL: one row of the status table; counts the parts that are not up.
down_parts=0
line() {
    printf '  %-10s pid %-8s %-5s %s\n' "$1" "$2" "$3" "$4"
    [ "$3" = up ] || down_parts=$((down_parts + 1))
}

cmd_status() {
    load_env
    echo "cluster in $dir"
    local pid state detail code
    if kill -0 "$nginx_pid" 2>/dev/null; then
        code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$url/readyz" || true)
        [ "$code" = 200 ] && state=up || state=down
        line nginx "$nginx_pid" "$state" "$url, /readyz through it: $code"
    else
        line nginx "$nginx_pid" down "not running"
    fi
    set -- $hc_pids
    local port
    for port in $hc_ports; do
        pid=$1
        shift
        if kill -0 "$pid" 2>/dev/null; then
            detail=$(curl -s -m 2 "http://127.0.0.1:$port/readyz" || true)
            case $detail in *'"ready":true'*) state=up ;; *) state=down ;; esac
            line hcserver "$pid" "$state" "127.0.0.1:$port /readyz ${detail:-no answer}"
        else
            line hcserver "$pid" down "127.0.0.1:$port not running"
        fi
    done
    if kill -0 "$redis_pid" 2>/dev/null &&
        [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ]; then
        line redis "$redis_pid" up "127.0.0.1:$redis_port PONG"
    else
        line redis "$redis_pid" down "127.0.0.1:$redis_port no PONG"
    fi
    local names=($mdb_names) ports=($mdb_ports) mpids=($mdb_pids) k st
    for k in "${!names[@]}"; do
        local n=${names[$k]} sock=$dir/mdb-${names[$k]}/sock
        if ! kill -0 "${mpids[$k]}" 2>/dev/null ||
            ! mariadb --no-defaults -S "$sock" -u root -N -B -e 'SELECT 1' >/dev/null 2>&1; then
            line "mariadb-$n" "${mpids[$k]}" down "127.0.0.1:${ports[$k]} no answer"
            continue
        fi
        case $n in
        p*) line "mariadb-$n" "${mpids[$k]}" up "127.0.0.1:${ports[$k]} shard ${n#p} primary" ;;
        r*)
            st=$(mariadb --no-defaults -S "$sock" -u root -e 'SHOW SLAVE STATUS\G' 2>/dev/null)
            if [ "$(echo "$st" | grep -cE '^ *Slave_(IO|SQL)_Running: Yes$')" = 2 ]; then
                line "mariadb-$n" "${mpids[$k]}" up "127.0.0.1:${ports[$k]} shard ${n#r} replica, $(echo "$st" | sed -n 's/^ *Seconds_Behind_Master: //p') s behind"
            else
                line "mariadb-$n" "${mpids[$k]}" down "127.0.0.1:${ports[$k]} shard ${n#r} replica not replicating"
            fi
            ;;
        esac
    done
    [ "$down_parts" = 0 ]
}

cmd_down() {
    load_env
    local pid
    # nginx first (no new requests), then each instance drains, then the stores.
    stop_pid "$nginx_pid" 10
    for pid in $hc_pids; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $hc_pids; do
        stop_pid "$pid" 20
    done
    stop_pid "$redis_pid" 10
    set -- $mdb_pids
    # replicas (r0, r1) before their primaries
    stop_pid "$2" 30
    stop_pid "$4" 30
    stop_pid "$1" 30
    stop_pid "$3" 30
    rm -f "$env_file"
    echo "cluster in $dir stopped (its logs and data stay there)"
}

case $cmd in
up) cmd_up ;;
status) cmd_status ;;
down) cmd_down ;;
-h | --help | help) usage ;;
*) usage >&2; exit 2 ;;
esac
