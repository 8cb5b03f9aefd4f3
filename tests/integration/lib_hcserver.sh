# tests/integration/lib_hcserver.sh: what the hcserver integration tests share, sourced after
# lib.sh with the build directory as $1: start and stop hcserver on a free port with its data
# in the scratch directory, send requests with curl and check their status, read JSON.
BUILD=$1
BIN=${HCSERVER_BIN:-$BUILD/hcserver/hcserver}
TOOLS=$BUILD/tests/integration
WORK=$HC_TMP
PID=
fail() { echo "FAIL: $*"; [ -f "$WORK/log" ] && tail -20 "$WORK/log"; exit 1; }

# start_server [options...]: runs hcserver on a free port; sets PID, PORT, URL. It waits for
# the log line START_UNTIL (default " ready: "; "listening on " to catch a server that is not
# ready yet) for at most START_WAIT seconds (default 20: a sanitizer build on a loaded machine
# starts slowly), and runs hcserver under the command in the array WRAP when set (valgrind).
# Options in the array HCSERVER_ARGS (or the string HCSERVER_EXTRA, split on spaces, for a
# test run by another with its backends: "--cache redis://127.0.0.1:6390") come before the
# test's own, so a test can run the same checks on every backend.
WRAP=()
read -r -a HCSERVER_ARGS <<<"${HCSERVER_EXTRA:-}"
start_server() {
    : >"$WORK/log" # not the last run's lines: the child truncates the log only once it runs
    "${WRAP[@]}" "$BIN" --listen 127.0.0.1:0 --data-dir "$WORK/data" --admin-token tok \
        --threads 2 "${HCSERVER_ARGS[@]}" "$@" >"$WORK/log" 2>&1 &
    PID=$!
    hc_track "$PID"
    for _ in $(seq $((${START_WAIT:-20} * 20))); do
        grep -q "${START_UNTIL:- ready: }" "$WORK/log" 2>/dev/null && break
        kill -0 "$PID" 2>/dev/null || fail "hcserver exited at start"
        sleep 0.05
    done
    PORT=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$WORK/log" | grep -o '[0-9]*$' || true)
    [ -n "$PORT" ] || fail "no port in the log"
    URL=http://127.0.0.1:$PORT
}
stop_server() {
    kill -TERM "$PID"
    wait "$PID" || fail "hcserver exited with $? after SIGTERM"
    PID=
}
# crash_server: kills hcserver with SIGKILL, as a power cut or the OOM killer would.
crash_server() {
    kill -KILL "$PID"
    wait "$PID" 2>/dev/null || true
    PID=
}

# req METHOD PATH [BODY] [curl args...]: prints "<status> <body>" on one line.
req() {
    local m=$1 p=$2 b=${3:-}
    shift 3 || shift $#
    if [ -n "$b" ]; then
        curl -s -X "$m" -o "$WORK/body" -w '%{http_code}' "$@" --data-binary "$b" "$URL$p"
    else
        curl -s -X "$m" -o "$WORK/body" -w '%{http_code}' "$@" "$URL$p"
    fi
    printf ' '
    cat "$WORK/body"
    echo
}
# expect STATUS METHOD PATH [BODY] [curl args]: the status must be STATUS.
expect() {
    local want=$1
    shift
    local got
    got=$(req "$@")
    [ "${got%% *}" = "$want" ] || fail "$* -> $got (wanted $want)"
    LAST=${got#* }
}
json() { python3 -c "import json,sys; print(json.loads(sys.argv[1])$2)" "$1"; }
