#!/usr/bin/env bash
# integration.hcserver_startup: hcserver refuses to start where it would share what it must own.
# A second hcserver on the port of a running one exits 1 naming the address (SO_REUSEPORT would
# otherwise let it take half the connections silently); a second one on the same data directory
# exits 1 naming the holder's pid (on another port, so only the lock can stop it). The data
# directory is created with its parents. --listen without a host, or malformed, is a usage
# error (exit 2). After the first server stops, its port and directory are free again.
# Usage: hcserver_startup.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need curl
source "$(dirname "$0")/lib_hcserver.sh"

# run_second ARGS...: runs a second hcserver that must not start; sets RC and OUT.
run_second() {
    set +e
    OUT=$(timeout 20 "$BIN" "$@" 2>&1)
    RC=$?
    set -e
}

start_server --data-dir "$WORK/a/b/c/data"
[ -d "$WORK/a/b/c/data" ] || fail "the data directory was not created with its parents"
expect 200 GET /healthz

# The same port, another directory: refused, naming the address.
run_second --listen "127.0.0.1:$PORT" --data-dir "$WORK/other"
[ "$RC" = 1 ] || fail "a second server on port $PORT exited $RC (wanted 1): $OUT"
grep -q "already listens on 127.0.0.1:$PORT" <<<"$OUT" || fail "no address in: $OUT"

# Another port, the same directory: refused, naming the first server's pid.
run_second --listen 127.0.0.1:0 --data-dir "$WORK/a/b/c/data"
[ "$RC" = 1 ] || fail "a second server on the same data directory exited $RC: $OUT"
grep -q "pid $PID" <<<"$OUT" || fail "the holder's pid $PID is not named in: $OUT"

# The first server still serves alone.
expect 200 GET /healthz
stop_server

# Usage errors: no host, no port, a port out of range, a word for a port.
for bad in ":$PORT" "127.0.0.1" "127.0.0.1:65536" "127.0.0.1:http" "127.0.0.1:-1" "127.0.0.1:"; do
    run_second --listen "$bad" --data-dir "$WORK/usage"
    [ "$RC" = 2 ] || fail "--listen '$bad' exited $RC (wanted 2): $OUT"
    grep -q -- "--listen" <<<"$OUT" || fail "--listen '$bad': no mention of the option: $OUT"
done

# Once stopped, both are free: the same port and directory start again.
start_server --data-dir "$WORK/a/b/c/data"
expect 200 GET /healthz
stop_server
echo "ok"
