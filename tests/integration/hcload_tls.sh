#!/usr/bin/env bash
# hcload's libcurl engine against nginx over TLS (a self-signed certificate made here):
# https over HTTP/1.1 and HTTP/2 count exactly what nginx logs (and nginx logs HTTP/2.0 for
# --http2); a certificate that does not verify fails every request as a connect error with a
# clear first-failure line unless -k; the open model keeps its rate over libcurl too.
# Usage: hcload_tls.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/lib.sh"
hc_need nginx openssl python3
build=$1
hcload=$build/hcload/hcload
tmp=$HC_TMP

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
    -days 2 -subj /CN=127.0.0.1 2>/dev/null
hc_nginx_start "ssl_certificate $tmp/cert.pem;
        ssl_certificate_key $tmp/key.pem;
        location / { default_type application/json; return 200 '{\"ok\":true}'; }" \
    "log_format proto '\$server_protocol \$status';
    access_log $HC_TMP/nginx/logs/access.log proto;" "" 1024 "ssl http2"
url=https://127.0.0.1:$HC_NGINX_PORT/
access=$HC_NGINX_DIR/logs/access.log

# json FIELD...: a value from the last run's JSON summary.
json() { hc_json "$tmp/out.json" "$@"; }

echo "== https over HTTP/1.1: counts agree"
"$hcload" -k -t 2 -c 8 -d 2s -q --json "$tmp/out.json" "$url" || hc_fail "https run exit $?"
n=$(json requests)
hc_log_delta "$access" '^HTTP/1\.1 200$'
[ "$n" -gt 0 ] && [ "$n" = "$d" ] || hc_fail "hcload counted $n, nginx logged $d"
echo "ok: $n requests on both sides"

echo "== --http2 over TLS: counts agree, nginx saw HTTP/2.0"
"$hcload" -k --http2 -t 1 -c 16 -n 2000 -q --json "$tmp/out.json" "$url" || hc_fail "h2 run exit $?"
[ "$(json requests)" = 2000 ] || hc_fail "-n 2000 over h2 gave $(json requests)"
hc_log_delta "$access" '^HTTP/2\.0 200$'
[ "$d" = 2000 ] || hc_fail "nginx logged $d for 2000 h2 requests"
[ "$(json connects)" -le 2 ] || hc_fail "h2 used $(json connects) connections for 16 streams"
echo "ok: 2000 on both sides over $(json connects) connection(s)"

echo "== an unverifiable certificate: connect errors and a clear first failure"
set +e
"$hcload" -t 1 -c 2 -d 1s -q --json "$tmp/out.json" "$url" 2>"$tmp/err"
rc=$?
set -e
[ "$rc" = 1 ] || hc_fail "exit $rc without -k"
[ "$(json errors connect)" -gt 0 ] || hc_fail "no connect errors without -k"
[ "$(json requests)" = 0 ] || hc_fail "responses without -k"
grep -qi "certificate" "$tmp/err" || hc_fail "no certificate message: $(cat "$tmp/err")"
echo "ok: $(head -1 "$tmp/err")"
hc_log_delta "$access" '^HTTP/1\.1 200$'

echo "== open model over libcurl: -R 500 -d 4s within 1 %"
# Headroom in connections and threads: a sanitizer build of libcurl + TLS on a loaded machine
# is slow, and a request still unsent at the deadline fails the run.
"$hcload" -k --http2 -t 2 -c 32 -R 500 -d 4s -q --json "$tmp/out.json" "$url" ||
    hc_fail "open h2 run exit $?"
achieved=$(json rate achieved)
python3 -c "import sys; a=float(sys.argv[1]); sys.exit(0 if abs(a - 500) <= 5 else 1)" \
    "$achieved" || hc_fail "achieved $achieved/s, requested 500/s"
hc_log_delta "$access" '^HTTP/2\.0 200$'
[ "$(json requests)" = "$d" ] || hc_fail "open h2: hcload $(json requests), nginx $d"
echo "ok: achieved $achieved/s"
# A plan on the libcurl engine: varied paths, a JSON check, an extraction read by the next step.
cat >"$tmp/plan.yaml" <<YAML
target: https://127.0.0.1:$HC_NGINX_PORT
insecure: true
http2: true
load: { connections: 4, threads: 2, requests: 40 }
requests:
  a:
    path: "/a/{{seq}}?r={{randint 1 9}}"
    headers: { X-Seq: "{{seq}}" }
    check: { status: 200, json: { ok: true } }
    extract: { v: json.ok }
  b:
    method: POST
    path: "/b/{{v}}"
    body: '{"v":{{v}},"seq":{{seq}}}'
    check: { status: 200 }
flows:
  f: { steps: [a, b] }
YAML
rc=0
"$hcload" run "$tmp/plan.yaml" -q --json "$tmp/out.json" 2>"$tmp/err.txt" || rc=$?
[ "$rc" = 0 ] || hc_fail "plan over h2: exit $rc: $(cat "$tmp/err.txt")"
# -n counts requests: the last iterations begun may not reach their second step.
na=$(json by_name a requests)
nb=$(json by_name b requests)
[ $((na + nb)) = 40 ] && [ $((na - nb)) -ge 0 ] && [ $((na - nb)) -le 4 ] ||
    hc_fail "plan over h2: a $na, b $nb"
[ "$(json checks failed)" = 0 ] || hc_fail "plan over h2: $(json checks failed) checks failed"
[ "$(json protocol)" = h2 ] || hc_fail "plan over h2: protocol $(json protocol)"
hc_log_delta "$access" '^HTTP/2\.0 200$'
[ "$d" = 40 ] || hc_fail "plan over h2: nginx logged $d"
echo "ok: a plan over h2"
echo "all passed"
