#!/usr/bin/env bash
# hcload_jtl.sh: what --jtl costs. Against nginx (one worker, `return 200`, access log off) on
# loopback, alternating rounds (the order flips every round, so load that drifts favours
# neither) of the same run with and without --jtl FILE (every request a row):
#   open     -t 1 -c 64 -R 50000 -d DURATION: the rate the issue names; the run must still
#            achieve it, and the cost shows as hcload's CPU-seconds and its p99;
#   closed   -t 1 -c 64 -d DURATION, as fast as it goes: the cost shows as requests per second.
# It prints each run, then the medians of jtl/plain for: closed requests per second (goal
# >= 0.80: at most 20 % slower), closed and open CPU-seconds per request (goal <= 1.20: what
# the rows cost, the figure least moved by other load on the machine), open achieved rate
# (goal >= 0.98) and open p99 (information). The JTL's row count is checked against the
# requests. On a machine that cannot reach RATE the open runs are saturated and their
# achieved rates and p99s say more about the machine than about --jtl.
# usage: bench/hcload_jtl.sh [BUILD_DIR]   (default build/release; needs hcload built there)
#        PAIRS=5 DURATION=10s RATE=50000 bench/hcload_jtl.sh
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}
pairs=${PAIRS:-5}
duration=${DURATION:-5s}
rate=${RATE:-50000}
hcload=$build/hcload/hcload
[ -x "$hcload" ] || { echo "no $hcload: build hcload first (cmake --preset release)" >&2; exit 1; }
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
        listen 127.0.0.1:$port backlog=4096;
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

# run MODE JTL: one hcload run; prints "req/s rate_achieved cpu_s p99_us requests".
run() {
    local mode=$1 jtl=$2 args=(-t 1 -c 64 -d "$duration" -q --json "$tmp/out.json")
    [ "$mode" = open ] && args+=(-R "$rate")
    [ "$jtl" = jtl ] && args+=(--jtl "$tmp/out.jtl")
    python3 - "$hcload" "${args[@]}" "$url" <<'PY'
import json, resource, subprocess, sys
before = resource.getrusage(resource.RUSAGE_CHILDREN)
rc = subprocess.run(sys.argv[1:], stderr=subprocess.DEVNULL).returncode
if rc not in (0, 1):  # 1: some due requests never sent on a saturated machine
    sys.exit("hcload exit %d" % rc)
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
args = sys.argv[1:]
d = json.load(open(args[args.index("--json") + 1]))
print(d["requests"] / d["duration_s"], d["rate"]["achieved"], cpu,
      d["latency_us"]["corrected"]["p99"], d["requests"] + d["errors"]["total"])
PY
    if [ "$jtl" = jtl ]; then
        local rows
        rows=$(($(wc -l <"$tmp/out.jtl") - 1))
        local want
        want=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["requests"]+d["errors"]["total"])' "$tmp/out.json")
        [ "$rows" = "$want" ] || { echo "the JTL has $rows rows for $want requests" >&2; exit 1; }
        rm -f "$tmp/out.jtl"
    fi
}

echo "hcload --jtl cost: nginx on 127.0.0.1:$port, $pairs rounds of $duration, -R $rate"
printf '%-5s %-6s %-5s %12s %12s %8s %10s\n' round mode jtl req/s achieved cpu_s p99_us
: >"$tmp/results"
for i in $(seq "$pairs"); do
    order="plain jtl"
    [ $((i % 2)) = 0 ] && order="jtl plain"
    for mode in closed open; do
        for j in $order; do
            run "$mode" "$j" >"$tmp/line"
            read -r rps ach cpu p99 n <"$tmp/line"
            printf '%-5s %-6s %-5s %12.0f %12.0f %8.2f %10.1f\n' "$i" "$mode" "$j" "$rps" "$ach" "$cpu" "$p99"
            echo "$i $mode $j $rps $ach $cpu $p99 $n" >>"$tmp/results"
        done
    done
done
python3 - "$tmp/results" <<'PY'
import collections, statistics, sys
r = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    i, mode, j, rps, ach, cpu, p99, n = line.split()
    r[(i, mode)][j] = (float(rps), float(ach), float(cpu), float(p99), float(n))
def ratios(mode, f):
    return [f(v["jtl"]) / f(v["plain"])
            for (i, m), v in sorted(r.items()) if m == mode]
def show(label, xs, goal):
    print(f"{label} {statistics.median(xs):.3f}  per round: {' '.join(f'{x:.3f}' for x in xs)}  {goal}")
show("median jtl/plain closed requests per second:", ratios("closed", lambda t: t[0]), "(goal >= 0.80)")
show("median jtl/plain closed CPU per request:    ", ratios("closed", lambda t: t[2] / t[4]), "(goal <= 1.20)")
show("median jtl/plain open achieved rate:        ", ratios("open", lambda t: t[1]), "(goal >= 0.98)")
show("median jtl/plain open CPU per request:      ", ratios("open", lambda t: t[2] / t[4]), "(goal <= 1.20)")
show("median jtl/plain open p99:                  ", ratios("open", lambda t: t[3]), "(information)")
PY
