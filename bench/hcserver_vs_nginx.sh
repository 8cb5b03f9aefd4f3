#!/usr/bin/env bash
# hcserver_vs_nginx.sh: hcserver's fastest path against nginx. GET of an order held in hcserver's
# L1 cache versus nginx answering `return 200` with a body of the same size, both with THREADS
# worker threads (hcserver --threads, nginx worker_processes; default 1), both on loopback with
# keep-alive, wrk as the client (-t 1 -c 50 -d DURATION). Runs them alternately, PAIRS times
# (default 5), prints every run and the median ratio hcserver/nginx of requests per second
# (the median of the pair ratios, which cancels load that drifts between pairs, and the ratio
# of the medians).
# Goal: >= 1.0.
# Each run also shows the server's CPU time per request (user + system, from /proc), the
# figure that says which server does the work for less when wrk is what limits the rate.
# Pinned by default: wrk on the first CPU, both servers on the last (taskset), so client and
# server never share a CPU by the scheduler's chance. Unpinned on 2 CPUs, some runs put both
# on one CPU and halve (seen: 43k against 95k req/s in the same pair), which no median of a
# few pairs irons out. PIN=0 leaves the placement to the scheduler, as do one CPU and
# THREADS above 1 (the servers' threads then need more than the one CPU left beside wrk).
# usage: bench/hcserver_vs_nginx.sh [BUILD_DIR]   (default build/release; needs hcserver built)
#        PAIRS=7 DURATION=10s THREADS=1 PIN=0 bench/hcserver_vs_nginx.sh build/h-hcserver-rel
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}
pairs=${PAIRS:-5}
duration=${DURATION:-10s}
threads=${THREADS:-1}
pin_client=()
pin_server=()
pin=${PIN:-1}
[ "$(nproc)" -ge 2 ] && [ "$threads" = 1 ] || pin=0
if [ "$pin" = 1 ]; then
    command -v taskset >/dev/null || { echo "pinning needs taskset (or PIN=0)" >&2; exit 1; }
    last=$(($(nproc) - 1))
    pin_client=(taskset -c 0)
    pin_server=(taskset -c "$last")
fi
hcserver=${HCSERVER_BIN:-$build/hcserver/hcserver}
[ -x "$hcserver" ] || { echo "no $hcserver: build hcserver first (cmake --preset release)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is not installed" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is not installed" >&2; exit 1; }
nginx=$(command -v nginx || echo /usr/sbin/nginx)

tmp=$(mktemp -d)
nginx_pid=""
hc_pid=""
cleanup() {
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    [ -n "$hc_pid" ] && kill "$hc_pid" 2>/dev/null && wait "$hc_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# hcserver with one order, read once so it sits in L1.
"${pin_server[@]}" "$hcserver" --listen 127.0.0.1:0 --data-dir "$tmp/data" --threads "$threads" \
    --confirm-delay 0s >"$tmp/hc.log" 2>&1 &
hc_pid=$!
hc_port=""
for _ in $(seq 100); do
    hc_port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$tmp/hc.log" 2>/dev/null | grep -o '[0-9]*$' || true)
    [ -n "$hc_port" ] && curl -sf "http://127.0.0.1:$hc_port/readyz" >/dev/null 2>&1 && break
    sleep 0.05
done
[ -n "$hc_port" ] || { echo "hcserver did not start" >&2; cat "$tmp/hc.log" >&2; exit 1; }
id=$(curl -s --data-binary '{"user_id":42,"sku":"pizza-margherita","qty":2,"amount_cents":1999}' \
    "http://127.0.0.1:$hc_port/api/orders" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
sleep 0.2 # let the confirmation land, so the cached order no longer changes
hc_url="http://127.0.0.1:$hc_port/api/orders/$id"
curl -s "$hc_url" >"$tmp/body"
curl -s -D "$tmp/headers" -o /dev/null "$hc_url"
grep -qi '^X-Cache: L1' "$tmp/headers" || { echo "order not in L1" >&2; exit 1; }

# nginx returning the same bytes.
ng_port=$(free_port)
python3 - "$tmp/body" "$tmp/nginx.conf" "$ng_port" "$threads" "$tmp" <<'PY'
import sys
body = open(sys.argv[1]).read().replace("\\", "\\\\").replace("'", "\\'")
open(sys.argv[2], "w").write(f"""worker_processes {sys.argv[4]};
daemon off;
pid {sys.argv[5]}/nginx.pid;
error_log {sys.argv[5]}/error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 10000000;
    client_body_temp_path {sys.argv[5]}; proxy_temp_path {sys.argv[5]};
    fastcgi_temp_path {sys.argv[5]}; uwsgi_temp_path {sys.argv[5]}; scgi_temp_path {sys.argv[5]};
    server {{
        listen 127.0.0.1:{sys.argv[3]};
        location / {{ default_type application/json; return 200 '{body}'; }}
    }}
}}
""")
PY
"${pin_server[@]}" "$nginx" -p "$tmp" -c "$tmp/nginx.conf" &
nginx_pid=$!
ng_url="http://127.0.0.1:$ng_port/order"
for _ in $(seq 100); do curl -sf "$ng_url" >/dev/null 2>&1 && break; sleep 0.05; done
cmp -s <(curl -s "$ng_url") "$tmp/body" || { echo "nginx body differs" >&2; exit 1; }
echo "body: $(wc -c <"$tmp/body") bytes, threads: $threads, wrk -t1 -c50 -d$duration, $pairs pairs, pinned: $pin"

# CPU ticks (user + system) a server's process has used, from /proc: for nginx its worker
# processes (the children of the master), for hcserver the process itself.
ticks() { awk '{s += $14 + $15} END {print s}' "$@"; }
ng_procs() { for c in $(pgrep -P "$nginx_pid"); do echo "/proc/$c/stat"; done; }
hz=$(getconf CLK_TCK)
# rps URL STATFILES...: prints "req/s server-cpu-microseconds-per-request".
rps() {
    local url=$1 before after r n
    shift
    before=$(ticks "$@")
    r=$("${pin_client[@]}" wrk -t1 -c50 -d"$duration" "$url" | awk '/requests in/ {n = $1} /^Requests\/sec:/ {r = $2} END {print r, n}')
    after=$(ticks "$@")
    n=${r#* }
    echo "${r% *} $(python3 -c "print(($after - $before) / $hz * 1e6 / $n)")"
}
hc_runs=()
ng_runs=()
for i in $(seq "$pairs"); do
    read -r h hcpu < <(rps "$hc_url" "/proc/$hc_pid/stat")
    read -r n ncpu < <(rps "$ng_url" $(ng_procs))
    hc_runs+=("$h")
    ng_runs+=("$n")
    printf 'pair %d: hcserver %8.0f req/s %5.2f us cpu/req   nginx %8.0f req/s %5.2f us cpu/req   ratio %.3f\n' \
        "$i" "$h" "$hcpu" "$n" "$ncpu" "$(python3 -c "print($h / $n)")"
done
python3 - "${hc_runs[*]}" "${ng_runs[*]}" <<'PY'
import statistics, sys
h = [float(x) for x in sys.argv[1].split()]
n = [float(x) for x in sys.argv[2].split()]
mh, mn = statistics.median(h), statistics.median(n)
# Each pair runs back to back, so its ratio cancels the machine's load drift between pairs.
mr = statistics.median(a / b for a, b in zip(h, n))
print(f"median: hcserver {mh:.0f} req/s, nginx {mn:.0f} req/s (ratio of medians {mh / mn:.3f})")
print(f"median of the pair ratios: {mr:.3f} (goal >= 1.0)")
PY
