#!/usr/bin/env bash
# cluster_read.sh: a cached GET through the cluster of scripts/cluster.sh (nginx in front of
# INSTANCES hcserver instances, default 2, on Redis and two MariaDB shards) against the same
# front nginx, with the same configuration, in front of as many nginx servers that answer
# `return 200` with the same body (each with as many workers as an instance has threads). The
# proxy hop is the same for both; what differs is who answers behind it. wrk -t1 -c50
# -d DURATION on each, alternately, PAIRS times (default 5; the order inside a pair swaps every
# pair); prints every run and the median ratio cluster/nginx of requests per second.
# Goal: >= 0.8.
# usage: bench/cluster_read.sh [BUILD_DIR]   (default build/release; built when missing)
#        PAIRS=7 DURATION=10s INSTANCES=2 bench/cluster_read.sh build/release
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}
pairs=${PAIRS:-5}
duration=${DURATION:-10s}
instances=${INSTANCES:-2}
for c in wrk curl python3; do
    command -v "$c" >/dev/null || { echo "$c is not installed" >&2; exit 1; }
done
nginx=$(command -v nginx || echo /usr/sbin/nginx)
tmp=$(mktemp -d)
ng_pid=""
back_pid=""
cleanup() {
    [ -n "$ng_pid" ] && kill "$ng_pid" 2>/dev/null && wait "$ng_pid" 2>/dev/null
    [ -n "$back_pid" ] && kill "$back_pid" 2>/dev/null && wait "$back_pid" 2>/dev/null
    [ -f "$tmp/cluster/cluster.env" ] && "$src/scripts/cluster.sh" down --dir "$tmp/cluster" >/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

"$src/scripts/cluster.sh" up --dir "$tmp/cluster" --build "$build" --instances "$instances" |
    sed -n '/^cluster up/,$p'
# shellcheck disable=SC1091
source "$tmp/cluster/cluster.env"
id=$(curl -sf --data-binary '{"user_id":42,"sku":"pizza-margherita","qty":2,"amount_cents":1999}' \
    "$url/api/orders" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
sleep 0.5 # the confirmation lands, so the cached order no longer changes
for port in $hc_ports; do # in every instance's L1
    curl -sf -o /dev/null "http://127.0.0.1:$port/api/orders/$id"
    curl -sf -D "$tmp/h" -o /dev/null "http://127.0.0.1:$port/api/orders/$id"
    grep -qi '^X-Cache: L1' "$tmp/h" || { echo "order $id not in the L1 of :$port" >&2; exit 1; }
done
cl_url=$url/api/orders/$id
curl -sf "$cl_url" >"$tmp/body"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# The anchor: as many nginx backends as instances, each answering the body, and a front nginx
# whose configuration is the cluster's own with the backends in its upstream.
back_ports=""
for port in $hc_ports; do back_ports="$back_ports $(free_port)"; done
ng_port=$(free_port)
python3 - "$tmp" "$tmp/body" "$tmp/cluster/nginx/nginx.conf" "$ng_port" "$nginx_port" \
    "$hc_ports" "$back_ports" <<'PY'
import sys
tmp, body_path, front_conf, ng_port, cl_port = sys.argv[1:6]
hc_ports, back_ports = sys.argv[6].split(), sys.argv[7].split()
body = open(body_path).read().replace("\\", "\\\\").replace("'", "\\'")
servers = "".join(f"""    server {{
        listen 127.0.0.1:{p} backlog=4096;
        location / {{ default_type application/json; return 200 '{body}'; }}
    }}
""" for p in back_ports)
open(f"{tmp}/back.conf", "w").write(f"""worker_processes 2;
daemon off;
pid {tmp}/back.pid;
error_log {tmp}/back-error.log;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    keepalive_requests 100000;
    client_body_temp_path {tmp}; proxy_temp_path {tmp};
    fastcgi_temp_path {tmp}; uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
{servers}}}
""")
conf = open(front_conf).read()
conf = conf.replace(f"127.0.0.1:{cl_port}", f"127.0.0.1:{ng_port}")
for h, b in zip(hc_ports, back_ports):
    conf = conf.replace(f"server 127.0.0.1:{h} ", f"server 127.0.0.1:{b} ")
cdir = front_conf.rsplit("/", 1)[0]
conf = conf.replace(cdir, f"{tmp}/front")
open(f"{tmp}/front.conf", "w").write(conf)
PY
mkdir -p "$tmp/front/logs"
"$nginx" -p "$tmp" -c "$tmp/back.conf" &
back_pid=$!
"$nginx" -p "$tmp/front" -e "$tmp/front/logs/error.log" -c "$tmp/front.conf" &
ng_pid=$!
ng_url=http://127.0.0.1:$ng_port/api/orders/$id
for _ in $(seq 100); do curl -sf "$ng_url" >/dev/null 2>&1 && break; sleep 0.05; done
cmp -s <(curl -s "$ng_url") "$tmp/body" || { echo "nginx's body differs" >&2; exit 1; }
echo "body: $(wc -c <"$tmp/body") bytes, $instances instances, wrk -t1 -c50 -d$duration, $pairs pairs"

rps() { wrk -t1 -c50 -d"$duration" "$1" | awk '/^Requests\/sec:/ {print $2}'; }
cl_runs=()
ng_runs=()
for i in $(seq "$pairs"); do
    if [ $((i % 2)) = 1 ]; then
        c=$(rps "$cl_url")
        n=$(rps "$ng_url")
    else
        n=$(rps "$ng_url")
        c=$(rps "$cl_url")
    fi
    cl_runs+=("$c")
    ng_runs+=("$n")
    printf 'pair %d: cluster %8.0f req/s   nginx to nginx return 200 %8.0f req/s   ratio %.3f\n' \
        "$i" "$c" "$n" "$(python3 -c "print($c / $n)")"
done
python3 - "${cl_runs[*]}" "${ng_runs[*]}" <<'PY'
import statistics, sys
c = [float(x) for x in sys.argv[1].split()]
n = [float(x) for x in sys.argv[2].split()]
print(f"median: cluster {statistics.median(c):.0f} req/s, nginx to nginx {statistics.median(n):.0f} req/s")
print(f"median of the pair ratios: {statistics.median(a / b for a, b in zip(c, n)):.3f} (goal >= 0.8)")
PY
