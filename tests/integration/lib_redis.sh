# tests/integration/lib_redis.sh: real cache servers for the tests and benchmarks, sourced after
# lib.sh: a redis-server or a memcached on a free loopback port, its data in $HC_TMP, stopped
# by PID at exit.
#
#   hc_redis_start             # sets HC_REDIS_PORT, HC_REDIS_PID, HC_REDIS_URL; rcli runs redis-cli
#   hc_memcached_start         # sets HC_MC_PORT, HC_MC_PID, HC_MC_URL
#   hc_redis_cluster_start     # three masters, a replica each: HC_RC_PORTS, HC_RC_PIDS, HC_RC_URL

# hc_redis_start [redis-server options...]: a redis-server without persistence, in the
# foreground, tracked; waits (at most 20 s) until it answers PING.
hc_redis_start() {
    HC_REDIS_PORT=$(hc_free_port)
    mkdir -p "$HC_TMP/redis"
    redis-server --port "$HC_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$HC_TMP/redis" --daemonize no "$@" >"$HC_TMP/redis/log" 2>&1 &
    HC_REDIS_PID=$!
    hc_track "$HC_REDIS_PID"
    HC_REDIS_URL=redis://127.0.0.1:$HC_REDIS_PORT
    local _
    for _ in $(seq 400); do
        [ "$(redis-cli -p "$HC_REDIS_PORT" ping 2>/dev/null)" = PONG ] && return 0
        kill -0 "$HC_REDIS_PID" 2>/dev/null || hc_fail "redis-server exited: $(cat "$HC_TMP/redis/log")"
        sleep 0.05
    done
    hc_fail "redis-server did not answer PING within 20 s"
}

# rcli ARGS...: redis-cli against the server hc_redis_start started.
rcli() {
    redis-cli -p "$HC_REDIS_PORT" "$@"
}

# hc_cluster_port: a free port whose cluster bus port (port + 10000) is free too.
hc_cluster_port() {
    python3 - <<'PY'
import socket
while True:
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    if p + 10000 > 65535:
        a.close(); continue
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 10000))
    except OSError:
        a.close(); continue
    print(p); break
PY
}

# hc_redis_cluster_start [redis-server options...]: six redis-servers with cluster mode on
# (cluster-node-timeout 1000 ms, so a killed master's replica takes over within a few seconds),
# made into three masters with a replica each by redis-cli --cluster create; waits (at most
# 60 s) until every node says cluster_state:ok and agrees on the slots, and every replica has
# finished its first sync (a replica that never synced cannot take over: a test that kills a
# master must find its replica ready). Sets HC_RC_PORTS (the
# six ports, masters first as created), HC_RC_PIDS (their PIDs, same order) and HC_RC_URL
# (redis-cluster:// with all six as seeds).
hc_redis_cluster_start() {
    HC_RC_PORTS=()
    HC_RC_PIDS=()
    local i port dir seeds=() addrs=()
    for i in 0 1 2 3 4 5; do
        port=$(hc_cluster_port)
        dir=$HC_TMP/rcluster/$port
        mkdir -p "$dir"
        redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
            --daemonize no --cluster-enabled yes --cluster-config-file "$dir/nodes.conf" \
            --cluster-node-timeout 1000 --repl-diskless-sync-delay 0 "$@" >"$dir/log" 2>&1 &
        HC_RC_PIDS+=($!)
        hc_track $!
        HC_RC_PORTS+=("$port")
        addrs+=("127.0.0.1:$port")
        seeds+=("127.0.0.1:$port")
    done
    local _ p ok
    for p in "${HC_RC_PORTS[@]}"; do
        ok=0
        for _ in $(seq 400); do
            [ "$(redis-cli -p "$p" ping 2>/dev/null)" = PONG ] && ok=1 && break
            sleep 0.05
        done
        [ $ok = 1 ] || hc_fail "cluster node $p did not answer PING: $(cat "$HC_TMP/rcluster/$p/log")"
    done
    redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes \
        >"$HC_TMP/rcluster/create.log" 2>&1 ||
        hc_fail "redis-cli --cluster create failed: $(cat "$HC_TMP/rcluster/create.log")"
    hc_redis_cluster_wait_ok 60 || hc_fail "the cluster did not become ok within 60 s"
    local synced=0
    for _ in $(seq 600); do
        synced=0
        for p in "${HC_RC_PORTS[@]}"; do
            redis-cli -p "$p" info replication 2>/dev/null | grep -q '^master_link_status:up' &&
                synced=$((synced + 1))
        done
        [ $synced -ge 3 ] && break
        sleep 0.1
    done
    [ $synced -ge 3 ] || hc_fail "only $synced of 3 replicas finished their first sync within 60 s"
    HC_RC_URL=redis-cluster://$(
        IFS=,
        echo "${seeds[*]}"
    )
}

# hc_redis_cluster_wait_ok [SECONDS] [PORTS...]: waits until every node given (default: all
# that answer) says cluster_state:ok and redis-cli --cluster check finds the slots covered.
hc_redis_cluster_wait_ok() {
    local secs=${1:-30} tries p bad
    shift || true
    local ports=("$@")
    [ ${#ports[@]} -gt 0 ] || ports=("${HC_RC_PORTS[@]}")
    tries=$((secs * 10))
    while [ $tries -gt 0 ]; do
        bad=0
        for p in "${ports[@]}"; do
            redis-cli -p "$p" ping >/dev/null 2>&1 || continue
            redis-cli -p "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || bad=1
        done
        if [ $bad = 0 ] && redis-cli --cluster check "127.0.0.1:${ports[0]}" 2>/dev/null |
            grep -q 'All 16384 slots covered'; then
            return 0
        fi
        sleep 0.1
        tries=$((tries - 1))
    done
    return 1
}

# rccli ARGS...: redis-cli -c (following redirections) against the cluster's first node that
# answers.
rccli() {
    local p
    for p in "${HC_RC_PORTS[@]}"; do
        if redis-cli -p "$p" ping >/dev/null 2>&1; then
            redis-cli -c -p "$p" "$@"
            return
        fi
    done
    return 1
}

# hc_redis_cluster_master_of KEY: the port of the master that serves KEY's slot now (from
# CLUSTER NODES of the first node that answers).
hc_redis_cluster_master_of() {
    local slot
    slot=$(rccli cluster keyslot "$1")
    rccli cluster nodes | python3 -c '
import sys
slot = int(sys.argv[1])
for line in sys.stdin:
    f = line.split()
    if len(f) < 8 or "master" not in f[2].split(",") or "fail" in f[2]:
        continue
    for r in f[8:]:
        if r.startswith("["):
            continue
        a, _, b = r.partition("-")
        if int(a) <= slot <= int(b or a):
            print(f[1].split("@")[0].rsplit(":", 1)[1])
' "$slot"
}

# hc_memcached_start [memcached options...]: a memcached on a free port (no UDP), tracked;
# waits (at most 20 s) until it accepts a connection.
hc_memcached_start() {
    HC_MC_PORT=$(hc_free_port)
    local mc
    mc=$(command -v memcached || echo /usr/bin/memcached)
    local user=()
    [ "$(id -u)" = 0 ] && user=(-u root) # memcached refuses to run as root unless told
    "$mc" -l 127.0.0.1 -p "$HC_MC_PORT" -U 0 "${user[@]}" "$@" >"$HC_TMP/memcached.log" 2>&1 &
    HC_MC_PID=$!
    hc_track "$HC_MC_PID"
    HC_MC_URL=memcached://127.0.0.1:$HC_MC_PORT
    local _
    for _ in $(seq 400); do
        python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
            "$HC_MC_PORT" 2>/dev/null && return 0
        kill -0 "$HC_MC_PID" 2>/dev/null || hc_fail "memcached exited: $(cat "$HC_TMP/memcached.log")"
        sleep 0.05
    done
    hc_fail "memcached did not accept a connection within 20 s"
}
