# tests/integration/lib_redis.sh: real cache servers for the tests and benchmarks, sourced after
# lib.sh: a redis-server or a memcached on a free loopback port, its data in $HC_TMP, stopped
# by PID at exit.
#
#   hc_redis_start             # sets HC_REDIS_PORT, HC_REDIS_PID, HC_REDIS_URL; rcli runs redis-cli
#   hc_memcached_start         # sets HC_MC_PORT, HC_MC_PID, HC_MC_URL

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
