#!/usr/bin/env bash
# hcload against a misbehaving server (tools/hcload_badserver.c) and a refused port: each
# failure is counted under its own kind, hcload's count equals the server's, the exit status
# is 1 for failures, and every run ends within its duration plus its timeout.
# Usage: hcload_errors.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/lib.sh"
hc_need python3
build=$1
hcload=$build/hcload/hcload
server=$build/tests/integration/hcload_badserver
tmp=$HC_TMP
server_pid=""

# json FIELD...: a value from the last run's JSON summary.
json() { hc_json "$tmp/out.json" "$@"; }

# start_server MODE [ARGS...]: runs the misbehaving server; sets server_pid and port.
start_server() {
    rm -f "$tmp/port" "$tmp/count"
    "$server" "$@" "$tmp/port" "$tmp/count" &
    server_pid=$!
    hc_track "$server_pid"
    hc_wait_file "$tmp/port" || hc_fail "test server did not start"
    port=$(cat "$tmp/port")
}

# stop_server: sets served to the server's request count.
stop_server() {
    kill "$server_pid"
    wait "$server_pid" || true
    server_pid=""
    served=$(cat "$tmp/count")
}

# Start-up, exit and a loaded machine (sanitizers, tests in parallel) add to a run's
# duration + timeout; the failures these cases look for (a wait per queued request, a hang)
# would add tens of seconds.
slack_s=3

# run_timed BUDGET_S ARGS...: runs hcload, sets rc, fails if it took longer than BUDGET_S
# (its duration plus its timeout) plus the slack.
run_timed() {
    local limit
    limit=$(python3 -c "import sys; print(float(sys.argv[1]) + float(sys.argv[2]))" "$1" "$slack_s")
    shift
    local t0 t1
    t0=$(date +%s.%N)
    set +e
    timeout 60 "$hcload" "$@"
    rc=$?
    set -e
    t1=$(date +%s.%N)
    local took
    took=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$t0" "$t1")
    python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)" \
        "$took" "$limit" || hc_fail "hcload $* took ${took}s, more than ${limit}s"
}

echo "== a well-behaved server: counts agree, exit 0"
start_server ok
run_timed 2 -t 2 -c 6 -d 1s -T 1s -q --json "$tmp/out.json" "http://127.0.0.1:$port/"
stop_server
[ "$rc" = 0 ] || hc_fail "exit $rc against a good server"
[ "$(json requests)" = "$served" ] || hc_fail "hcload counted $(json requests), server $served"
echo "ok: $served requests on both sides"

# expect_kind MODE KIND: every request against MODE fails, and as KIND only.
expect_kind() {
    local mode=$1 kind=$2
    echo "== $mode: failures counted as $kind"
    start_server "$mode"
    run_timed 1.5 -t 1 -c 4 -d 1s -T 500ms -q --json "$tmp/out.json" "http://127.0.0.1:$port/"
    stop_server
    [ "$rc" = 1 ] || hc_fail "$mode: exit $rc, expected 1"
    [ "$(json requests)" = 0 ] || hc_fail "$mode: $(json requests) responses counted"
    local n
    n=$(json errors "$kind")
    [ "$n" -gt 0 ] || hc_fail "$mode: no $kind errors"
    [ "$(json errors total)" = "$n" ] || hc_fail "$mode: errors of other kinds: $(json errors)"
    [ "$(json sent)" = "$n" ] || hc_fail "$mode: sent $(json sent), failed $n"
    if [ "$kind" != timeout ]; then
        [ "$served" = "$n" ] || hc_fail "$mode: server read $served requests, hcload failed $n"
    fi
    echo "ok: $n $kind errors, server read $served"
}
expect_kind reset reset
expect_kind close read
expect_kind stall timeout
expect_kind garbage parse

echo "== a refused port: connect errors, exit 1, no hang"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_timed 2 -t 2 -c 4 -d 1s -T 1s -q --json "$tmp/out.json" "http://127.0.0.1:$port/"
[ "$rc" = 1 ] || hc_fail "refused: exit $rc"
[ "$(json errors connect)" -gt 0 ] || hc_fail "refused: no connect errors"
[ "$(json errors total)" = "$(json errors connect)" ] || hc_fail "refused: other errors"
echo "ok: $(json errors connect) connect errors"

echo "== a refused port with -n: the count is used up, the run ends"
run_timed 10 -t 1 -c 2 -n 20 -q --json "$tmp/out.json" "http://127.0.0.1:$port/"
[ "$rc" = 1 ] || hc_fail "refused -n: exit $rc"
[ "$(json errors connect)" = 20 ] || hc_fail "refused -n 20: $(json errors connect) connect errors"
echo "ok: 20 connect errors for -n 20"

echo "== a stalled server in the open model ends within duration + timeout"
start_server stall
run_timed 2 -t 1 -c 2 -R 100 -d 1s -T 1s -q --json "$tmp/out.json" "http://127.0.0.1:$port/"
stop_server
[ "$rc" = 1 ] || hc_fail "stalled open model: exit $rc"
[ "$(json errors timeout)" -gt 0 ] || hc_fail "stalled open model: no timeouts"
echo "ok: $(json errors timeout) timeouts, $(json unsent) never sent"
echo "== on a terminal the header comes before the run's progress and summary"
if command -v script >/dev/null; then
    start_server ok
    script -qec "$hcload -t 1 -c 2 -d 1500ms http://127.0.0.1:$port/" /dev/null >"$tmp/tty" ||
        true
    stop_server
    head -n 1 "$tmp/tty" | grep -q "^Running 1.50s test @ " ||
        hc_fail "the first line on a terminal is not the header: $(head -c 300 "$tmp/tty")"
    grep -q "Requests/sec" "$tmp/tty" || hc_fail "no summary on the terminal"
    echo "ok: header first"
fi

echo "== --http2 on http:// against an HTTP/1.1 server says h2c is not spoken"
start_server ok
rc=0
"$hcload" --http2 -t 1 -c 1 -n 3 -T 2s -q --json "$tmp/out.json" "http://127.0.0.1:$port/" \
    2>"$tmp/err" || rc=$?
stop_server
[ "$rc" = 1 ] || hc_fail "--http2 against HTTP/1.1: exit $rc"
grep -q "does not speak HTTP/2 with prior knowledge" "$tmp/err" ||
    hc_fail "--http2 against HTTP/1.1 did not say so: $(cat "$tmp/err")"
[ "$(json protocol)" = HTTP/1.1 ] || hc_fail "the JSON says protocol $(json protocol)"
echo "ok: said so"
echo "all passed"
