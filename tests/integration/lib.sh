# tests/integration/lib.sh: what the integration tests and benchmarks share.
#
# Source it first thing: it turns on strict mode, makes a scratch directory ($HC_TMP) that is
# removed at exit, and stops at exit every process started through it, by PID. Servers listen
# on loopback ports chosen at run time.
#
#   source "$(dirname "$0")/lib.sh"
#   hc_need nginx python3               # exit 77 (skipped) when a tool is absent
#   hc_nginx_start 'location / { return 200 "ok"; }'
#   curl "http://127.0.0.1:$HC_NGINX_PORT/"

set -euo pipefail
HC_TMP=$(mktemp -d)
HC_PIDS=()

hc_cleanup() {
    local pid
    for pid in "${HC_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$HC_TMP"
}
trap hc_cleanup EXIT

# The tests start python3 hundreds of times; through a version manager's shim (pyenv's is a
# shell script) each start costs about 0.1 s more. The interpreter python3 names is put first
# on PATH for this run, so every start is the interpreter's own.
if hc_py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) && [ -x "$hc_py" ]; then
    mkdir -p "$HC_TMP/bin"
    ln -s "$hc_py" "$HC_TMP/bin/python3"
    PATH=$HC_TMP/bin:$PATH
fi
unset hc_py

# hc_fail MESSAGE: the test fails with MESSAGE.
hc_fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# hc_need COMMAND...: skip the test (exit 77) unless every COMMAND is installed.
hc_need() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || {
            echo "skip: $c is not installed"
            exit 77
        }
    done
}

# hc_track PID: stop PID (SIGTERM, then wait) when the test exits.
hc_track() {
    HC_PIDS+=("$1")
}

# hc_stop PID: stop PID now with SIGTERM and wait for it; its exit status is returned.
hc_stop() {
    local pid=$1 rc=0
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || rc=$?
    return $rc
}

# hc_tls_certs DIR: a test CA (DIR/ca.pem, ca.key) and a server certificate it signed for
# 127.0.0.1 (DIR/cert.pem, key.pem), made with openssl, valid two days.
hc_tls_certs() {
    local d=$1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 \
        -subj /CN=hc-test-ca 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout "$d/key.pem" -out "$d/srv.csr" \
        -subj /CN=127.0.0.1 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\n' >"$d/srv.ext"
    openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -days 2 -extfile "$d/srv.ext" -out "$d/cert.pem" 2>/dev/null
}

# hc_free_port: prints a TCP port on 127.0.0.1 that was free a moment ago.
hc_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# hc_wait_file FILE [SECONDS]: waits until FILE exists and is not empty (default 5 s).
hc_wait_file() {
    local file=$1 tries=$((${2:-5} * 20))
    while [ $tries -gt 0 ]; do
        [ -s "$file" ] && return 0
        sleep 0.05
        tries=$((tries - 1))
    done
    return 1
}

# hc_json FILE KEY...: prints FILE's JSON value at KEY/KEY/... (python3).
hc_json() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    d = d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$@"
}

# hc_log_delta FILE [REGEX]: sets d to the number of lines FILE gained since the last call,
# and fails if any of them does not match the extended REGEX. A server logs a request after
# answering it, so this first waits until the count has held still for 0.3 s (at most 10 s).
hc_log_seen=0
hc_log_delta() {
    local file=$1 now last=-1 still=0 tries=100
    while [ $tries -gt 0 ]; do
        now=$(wc -l <"$file")
        if [ "$now" = "$last" ]; then
            still=$((still + 1))
            [ $still -ge 3 ] && break
        else
            still=0
        fi
        last=$now
        sleep 0.1
        tries=$((tries - 1))
    done
    d=$((now - hc_log_seen))
    hc_log_seen=$now
    if [ $# -ge 2 ] && [ "$d" -gt 0 ]; then
        local other
        other=$(tail -n "$d" "$file" | grep -Evc "$2" || true)
        [ "$other" = 0 ] || hc_fail "$other of $d new lines in $file do not match '$2'"
    fi
}

# hc_nginx_start SERVER_BODY [HTTP_DIRECTIVES] [TOP_DIRECTIVES] [WORKER_CONNECTIONS] [LISTEN]:
# runs Debian's nginx in the foreground with one worker, everything under $HC_TMP/nginx, one
# server on a free loopback port with SERVER_BODY inside it. HTTP_DIRECTIVES go in the http
# block (default: no access log), TOP_DIRECTIVES at the top level, LISTEN after the listen
# address (default "backlog=16384"; "ssl http2" for TLS). Sets HC_NGINX_PORT,
# HC_NGINX_PID and HC_NGINX_DIR (its logs are in $HC_NGINX_DIR/logs).
hc_nginx_start() {
    local body=$1 http=${2:-access_log off;} top=${3:-} conns=${4:-1024}
    local listen=${5:-backlog=16384}
    local nginx
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
    HC_NGINX_DIR=$HC_TMP/nginx
    HC_NGINX_PORT=$(hc_free_port)
    mkdir -p "$HC_NGINX_DIR/logs"
    cat >"$HC_NGINX_DIR/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $HC_NGINX_DIR/nginx.pid;
error_log $HC_NGINX_DIR/logs/error.log;
$top
events { worker_connections $conns; }
http {
    client_body_temp_path $HC_NGINX_DIR/body;
    proxy_temp_path $HC_NGINX_DIR/proxy;
    fastcgi_temp_path $HC_NGINX_DIR/fastcgi;
    uwsgi_temp_path $HC_NGINX_DIR/uwsgi;
    scgi_temp_path $HC_NGINX_DIR/scgi;
    keepalive_requests 1000000;
    $http
    server {
        listen 127.0.0.1:$HC_NGINX_PORT $listen;
        $body
    }
}
CONF
    "$nginx" -p "$HC_NGINX_DIR" -e "$HC_NGINX_DIR/logs/error.log" -c "$HC_NGINX_DIR/nginx.conf" &
    HC_NGINX_PID=$!
    hc_track "$HC_NGINX_PID"
    hc_wait_file "$HC_NGINX_DIR/nginx.pid" ||
        hc_fail "nginx did not start: $(cat "$HC_NGINX_DIR/logs/error.log")"
}
