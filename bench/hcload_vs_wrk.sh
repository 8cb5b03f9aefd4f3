#!/usr/bin/env bash
# hcload_vs_wrk.sh: hcload against its anchor, wrk, on the same nginx (one worker, `return 200`
# of a small JSON body, access log off) on loopback. Runs wrk and hcload alternately with the
# same -t 1 -c 50 -d 10s, PAIRS times (default 5; the order inside a pair swaps every pair so
# a drifting machine load favours neither), and prints each run and the median ratio
# hcload/wrk of (a) requests per second and (b) requests per CPU-second of the generator
# process (user + system time of the process, from getrusage of the child), and the spread of
# the ratios over the pairs as a measure of how noisy the machine was.
# Goal: (a) >= 1.0, (b) >= 1.25. The machine's other load skews both tools alike; run it on a
# quiet machine for figures worth quoting.
# Each run also shows the generator's voluntary context switches per second (each one is a
# sleep in epoll_wait and a wake-up, which on a VM costs microseconds of CPU).
# Each round also runs bench/floor_client.c (FLOOR=0 leaves it out): a client that does only
# what the kernel makes every client do (one send, one recv, two clock reads per request, no
# parsing, no statistics). Its requests per CPU-second over wrk's is about the ceiling of
# ratio (b) on the machine at hand, and hcload/floor shows how close hcload is to it.
# PIN=1 pins nginx to the last CPU and the generators to the first (taskset), so the two do
# not fight over one CPU; both tools are pinned alike. Default: not pinned.
# usage: bench/hcload_vs_wrk.sh [BUILD_DIR]   (default build/release; needs hcload built there)
#        PAIRS=7 DURATION=10s PIN=1 FLOOR=0 bench/hcload_vs_wrk.sh build/h-hcload-rel
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
pin_gen=()
pin_nginx=()
if [ "${PIN:-0}" = 1 ]; then
    command -v taskset >/dev/null || { echo "PIN=1 needs taskset" >&2; exit 1; }
    last=$(($(nproc) - 1))
    [ "$last" -ge 1 ] || { echo "PIN=1 needs two CPUs" >&2; exit 1; }
    pin_gen=(taskset -c 0)
    pin_nginx=(taskset -c "$last")
fi

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
"${pin_nginx[@]}" "$nginx" -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf" &
nginx_pid=$!
for _ in $(seq 100); do
    [ -s "$tmp/nginx.pid" ] && break
    sleep 0.05
done
url=http://127.0.0.1:$port/

# The runner: starts one generator, waits, prints "requests seconds cpu_seconds vcsw".
cat >"$tmp/run.py" <<'PY'
import json, re, resource, subprocess, sys
tool, cmd = sys.argv[1], sys.argv[2:]
before = resource.getrusage(resource.RUSAGE_CHILDREN)
out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
vcsw = after.ru_nvcsw - before.ru_nvcsw
if tool == "wrk":
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[m.group(3)]
    n, sec = int(m.group(1)), float(m.group(2)) * scale
else:
    d = json.loads(out)
    n, sec = d["requests"], d["duration_s"]
print(n, sec, cpu, vcsw)
PY

run_wrk() {
    python3 "$tmp/run.py" wrk "${pin_gen[@]}" wrk -t 1 -c 50 -d "$duration" "$url"
}
run_hcload() {
    python3 "$tmp/run.py" hcload "${pin_gen[@]}" "$hcload" -t 1 -c 50 -d "$duration" -q \
        --json - "$url"
}
run_floor() {
    python3 "$tmp/run.py" floor "${pin_gen[@]}" "$tmp/floor_client" 127.0.0.1 "$port" 50 \
        "$seconds"
}
seconds=$(python3 -c "
import re, sys
m = re.fullmatch(r'(\d+)(ms|s|m)?', sys.argv[1])
print(int(m.group(1)) * {'ms': 0.001, 's': 1, 'm': 60, None: 1}[m.group(2)])" "$duration")
tools="wrk hcload"
if [ "${FLOOR:-1}" = 1 ]; then
    ${CC:-cc} -std=c11 -O2 -D_GNU_SOURCE "$src/bench/floor_client.c" -o "$tmp/floor_client"
    tools="wrk hcload floor"
fi

echo "nginx on $url; $pairs rounds of -t 1 -c 50 -d $duration; pinned: ${PIN:-0}"
printf '%-5s %-7s %12s %10s %14s %12s\n' round tool req/s cpu_s req/cpu_s wakeups/s
for i in $(seq "$pairs"); do
    # Rotate the order every round, so load that drifts favours no tool.
    set -- $tools
    for _ in $(seq $(((i - 1) % $#))); do set -- "${@:2}" "$1"; done
    for tool in "$@"; do
        read -r n s c v < <("run_$tool")
        echo "$i $tool $n $s $c" >>"$tmp/results"
        python3 -c "import sys; i, t = sys.argv[1:3]; n, s, c, v = map(float, sys.argv[3:])
print(f'{i:<5} {t:<7} {n / s:12.0f} {c:10.2f} {n / c:14.0f} {v / s:12.0f}')" "$i" "$tool" "$n" "$s" "$c" "$v"
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
def show(label, xs, goal=""):
    print(f"{label} {statistics.median(xs):.3f}  per round: {' '.join(f'{x:.3f}' for x in xs)}{goal}")
show("median hcload/wrk requests per second:     ", ratios("hcload", "wrk", 0), "  (goal >= 1.0)")
show("median hcload/wrk requests per CPU-second: ", ratios("hcload", "wrk", 1), "  (goal >= 1.25)")
if all("floor" in r for r in runs.values()):
    # The floor client does only what the kernel makes every client do: its ratio to wrk is
    # about the best requests per CPU-second any generator can reach on this machine.
    show("median floor/wrk requests per CPU-second:  ", ratios("floor", "wrk", 1))
    show("median hcload/floor requests per CPU-second:", ratios("hcload", "floor", 1))
PY
