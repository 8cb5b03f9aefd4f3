#!/usr/bin/env bash
# hcload_tls.sh: hcload against wrk over https (HTTP/1.1, TLS by OpenSSL in both) on the same
# nginx (one worker, a self-signed certificate made here, `return 200` of a small JSON body,
# access log off, keep-alive without limit) on loopback. Runs wrk and hcload alternately with
# the same -t 1 -c 50 -d 10s, PAIRS times (default 5; the order inside a pair swaps every pair
# so a drifting machine load favours neither), and prints each run and the median ratio
# hcload/wrk of (a) requests per second and (b) requests per CPU-second of the generator
# process (user + system time, from getrusage of the child), with the ratios of every pair as
# a measure of how noisy the machine was.
# Goal: (a) >= 1.0, (b) >= 1.1. Both tools pay the same AES-GCM per byte, so (b) is about what
# is left: system calls, parsing, statistics.
# usage: bench/hcload_tls.sh [BUILD_DIR]   (default build/release; needs hcload built there)
#        PAIRS=7 DURATION=10s bench/hcload_tls.sh build/release
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}
pairs=${PAIRS:-5}
duration=${DURATION:-10s}
conns=${CONNS:-50}
hcload=$build/hcload/hcload
[ -x "$hcload" ] || { echo "no $hcload: build hcload first (cmake --preset release)" >&2; exit 1; }
for c in wrk python3 openssl; do
    command -v "$c" >/dev/null || { echo "$c is not installed" >&2; exit 1; }
done
nginx=$(command -v nginx || echo /usr/sbin/nginx)

tmp=$(mktemp -d)
nginx_pid=""
cleanup() {
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/key.pem" \
    -out "$tmp/cert.pem" -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 10000000;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    server {
        listen 127.0.0.1:$port ssl;
        ssl_protocols TLSv1.2 TLSv1.3; # Debian nginx 1.22 leaves 1.3 out by default
        ssl_certificate $tmp/cert.pem;
        ssl_certificate_key $tmp/key.pem;
        location / { default_type application/json; return 200 '{"id":1,"status":"ok"}'; }
    }
}
CONF
"$nginx" -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf" &
nginx_pid=$!
for _ in $(seq 100); do
    [ -s "$tmp/nginx.pid" ] && break
    sleep 0.05
done
url=https://127.0.0.1:$port/

# The runner: starts one generator, waits, prints "requests seconds cpu_seconds".
cat >"$tmp/run.py" <<'PY'
import json, re, resource, subprocess, sys
tool, cmd = sys.argv[1], sys.argv[2:]
before = resource.getrusage(resource.RUSAGE_CHILDREN)
out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
if tool == "wrk":
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[m.group(3)]
    n, sec = int(m.group(1)), float(m.group(2)) * scale
else:
    d = json.loads(out)
    n, sec = d["requests"], d["duration_s"]
print(n, sec, cpu)
PY

run_wrk() {
    python3 "$tmp/run.py" wrk wrk -t 1 -c "$conns" -d "$duration" "$url"
}
run_hcload() {
    python3 "$tmp/run.py" hcload "$hcload" -t 1 -c "$conns" -d "$duration" -q \
        --cacert "$tmp/cert.pem" --json - "$url"
}

echo "nginx (TLS) on $url; $pairs rounds of -t 1 -c $conns -d $duration"
printf '%-5s %-7s %12s %10s %14s\n' round tool req/s cpu_s req/cpu_s
for i in $(seq "$pairs"); do
    if [ $((i % 2)) = 1 ]; then order="wrk hcload"; else order="hcload wrk"; fi
    for tool in $order; do
        read -r n s c < <("run_$tool")
        echo "$i $tool $n $s $c" >>"$tmp/results"
        python3 -c "import sys; i, t = sys.argv[1:3]; n, s, c = map(float, sys.argv[3:])
print(f'{i:<5} {t:<7} {n / s:12.0f} {c:10.2f} {n / c:14.0f}')" "$i" "$tool" "$n" "$s" "$c"
    done
done
python3 - "$tmp/results" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(dict)  # round -> tool -> (req/s, req/cpu-s)
for line in open(sys.argv[1]):
    i, tool, n, s, c = line.split()
    runs[i][tool] = (float(n) / float(s), float(n) / float(c))
def ratios(a, b, k):
    return [r[a][k] / r[b][k] for r in runs.values()]
def show(label, xs, goal):
    print(f"{label} {statistics.median(xs):.3f}  per round: {' '.join(f'{x:.3f}' for x in xs)}{goal}")
show("median hcload/wrk requests per second:     ", ratios("hcload", "wrk", 0), "  (goal >= 1.0)")
show("median hcload/wrk requests per CPU-second: ", ratios("hcload", "wrk", 1), "  (goal >= 1.1)")
PY
