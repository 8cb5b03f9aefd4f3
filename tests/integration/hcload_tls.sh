#!/usr/bin/env bash
# hcload's libcurl engine against nginx over TLS (a self-signed certificate made here):
# https over HTTP/1.1 and HTTP/2 count exactly what nginx logs (and nginx logs HTTP/2.0 for
# --http2); a certificate that does not verify fails every request as a connect error with a
# clear first-failure line unless -k; the open model keeps its rate over libcurl too.
# Usage: hcload_tls.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "skip: nginx not installed"; exit 77; }
command -v openssl >/dev/null || { echo "skip: openssl not installed"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 not installed"; exit 77; }
hcload=$build/hcload/hcload

tmp=$(mktemp -d)
nginx_pid=""
cleanup() {
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
    -days 2 -subj /CN=127.0.0.1 2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/logs"
cat >"$tmp/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log;
events { worker_connections 1024; }
http {
    log_format proto '\$server_protocol \$status';
    access_log $tmp/logs/access.log proto;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$port ssl http2;
        ssl_certificate $tmp/cert.pem;
        ssl_certificate_key $tmp/key.pem;
        location / { default_type application/json; return 200 '{"ok":true}'; }
    }
}
CONF
"$nginx" -p "$tmp" -e "$tmp/logs/error.log" -c "$tmp/nginx.conf" &
nginx_pid=$!
for _ in $(seq 100); do
    [ -s "$tmp/nginx.pid" ] && break
    sleep 0.05
done
[ -s "$tmp/nginx.pid" ] || fail "nginx did not start: $(cat "$tmp/logs/error.log")"
url=https://127.0.0.1:$port/

json() {
    python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    d = d[k]
print(d)' "$tmp/out.json" "$@"
}
logged=0
# log_delta PROTOCOL: sets d to the access-log lines added since the last call, and fails if
# any of them is not PROTOCOL with status 200.
log_delta() {
    sleep 0.3
    local now
    now=$(wc -l <"$tmp/logs/access.log")
    d=$((now - logged))
    local other
    other=$(tail -n "$d" "$tmp/logs/access.log" | grep -vc "^$1 200\$" || true)
    [ "$other" = 0 ] || fail "$other log lines are not '$1 200'"
    logged=$now
}

echo "== https over HTTP/1.1: counts agree"
"$hcload" -k -t 2 -c 8 -d 2s -q --json "$tmp/out.json" "$url" || fail "https run exit $?"
n=$(json requests)
log_delta HTTP/1.1
[ "$n" -gt 0 ] && [ "$n" = "$d" ] || fail "hcload counted $n, nginx logged $d"
echo "ok: $n requests on both sides"

echo "== --http2 over TLS: counts agree, nginx saw HTTP/2.0"
"$hcload" -k --http2 -t 1 -c 16 -n 2000 -q --json "$tmp/out.json" "$url" || fail "h2 run exit $?"
[ "$(json requests)" = 2000 ] || fail "-n 2000 over h2 gave $(json requests)"
log_delta HTTP/2.0
[ "$d" = 2000 ] || fail "nginx logged $d for 2000 h2 requests"
[ "$(json connects)" -le 2 ] || fail "h2 used $(json connects) connections for 16 streams"
echo "ok: 2000 on both sides over $(json connects) connection(s)"

echo "== an unverifiable certificate: connect errors and a clear first failure"
set +e
"$hcload" -t 1 -c 2 -d 1s -q --json "$tmp/out.json" "$url" 2>"$tmp/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "exit $rc without -k"
[ "$(json errors connect)" -gt 0 ] || fail "no connect errors without -k"
[ "$(json requests)" = 0 ] || fail "responses without -k"
grep -qi "certificate" "$tmp/err" || fail "no certificate message: $(cat "$tmp/err")"
echo "ok: $(head -1 "$tmp/err")"
log_delta HTTP/1.1

echo "== open model over libcurl: -R 500 -d 4s within 1 %"
"$hcload" -k --http2 -t 1 -c 8 -R 500 -d 4s -q --json "$tmp/out.json" "$url" ||
    fail "open h2 run exit $?"
achieved=$(json rate achieved)
python3 -c "import sys; a=float(sys.argv[1]); sys.exit(0 if abs(a - 500) <= 5 else 1)" \
    "$achieved" || fail "achieved $achieved/s, requested 500/s"
log_delta HTTP/2.0
[ "$(json requests)" = "$d" ] || fail "open h2: hcload $(json requests), nginx $d"
echo "ok: achieved $achieved/s"
echo "all passed"
