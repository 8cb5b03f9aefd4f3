#!/usr/bin/env bash
# hcload_vs_wrk.sh: hcload against its anchor, wrk, on the same nginx (one worker, `return 200`
# of a small JSON body, access log off) on loopback. Runs wrk and hcload alternately with the
# same -t 1 -c 50 -d 10s, PAIRS times (default 5), and prints each run and the median ratio
# hcload/wrk of (a) requests per second and (b) requests per CPU-second of the generator
# process (user + system time of the process, from getrusage of the child).
# Goal: (a) >= 1.0, (b) >= 1.25. The machine's other load skews both tools alike; run it on a
# quiet machine for figures worth quoting.
# usage: bench/hcload_vs_wrk.sh [BUILD_DIR]   (default build/release; needs hcload built there)
#        PAIRS=7 DURATION=10s bench/hcload_vs_wrk.sh build/h-hcload-rel
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}
pairs=${PAIRS:-5}
duration=${DURATION:-10s}
hcload=$build/hcload/hcload
[ -x "$hcload" ] || { echo "no $hcload: build hcload first (cmake --preset release)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is not installed" >&2; exit 1; }
nginx=$(command -v nginx || echo /usr/sbin/nginx)

tmp=$(mktemp -d)
nginx_pid=""
cleanup() {
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

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
        listen 127.0.0.1:$port;
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
url=http://127.0.0.1:$port/

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

echo "nginx on $url; $pairs pairs of -t 1 -c 50 -d $duration"
printf '%-4s %-7s %12s %10s %14s\n' pair tool req/s cpu_s req/cpu_s
for i in $(seq "$pairs"); do
    read -r wn ws wc < <(python3 "$tmp/run.py" wrk wrk -t 1 -c 50 -d "$duration" "$url")
    read -r hn hs hc < <(python3 "$tmp/run.py" hcload "$hcload" -t 1 -c 50 -d "$duration" -q \
        --json - "$url")
    echo "$i $wn $ws $wc $hn $hs $hc" >>"$tmp/results"
    python3 - "$i" "$wn" "$ws" "$wc" "$hn" "$hs" "$hc" <<'PY'
import sys
i, wn, ws, wc, hn, hs, hc = sys.argv[1], *map(float, sys.argv[2:])
for tool, n, s, c in (("wrk", wn, ws, wc), ("hcload", hn, hs, hc)):
    print(f"{i:<4} {tool:<7} {n / s:12.0f} {c:10.2f} {n / c:14.0f}")
PY
done
python3 - "$tmp/results" <<'PY'
import statistics, sys
rps, eff = [], []
for line in open(sys.argv[1]):
    _, wn, ws, wc, hn, hs, hc = map(float, line.split())
    rps.append((hn / hs) / (wn / ws))
    eff.append((hn / hc) / (wn / wc))
a, b = statistics.median(rps), statistics.median(eff)
print(f"median hcload/wrk requests per second:     {a:.3f}  (goal >= 1.0)")
print(f"median hcload/wrk requests per CPU-second: {b:.3f}  (goal >= 1.25)")
PY
