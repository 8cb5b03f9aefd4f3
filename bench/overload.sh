#!/usr/bin/env bash
# overload.sh: hcserver offered twice what it can do, with its defaults, in hcload's open model
# (requests sent on a schedule whatever the latency, so a slow server cannot slow the offer
# down), for writes (POST /api/orders over many users, so every shard) and for reads (GET of
# orders with the L1 cache off, --cache-entries 0, so every read is a SQLite read on the
# critical pool). The goals: admitted requests (2xx) p99 < 50 ms, refusals (503) p99 < 5 ms,
# RSS bounded.
#
# Capacity is measured first, per scenario: the 2xx rate of a closed-model run with CAL_CONNS
# connections. Then ROUNDS rounds alternate hcserver at 2x that rate with the anchor: nginx
# with limit_req set to the same capacity (nodelay, refusing the rest with 503 at once), the
# model of a fast refusal, answering a body of the same size. Each run prints offered and
# achieved rates, the 2xx and 503 counts and their latency, corrected (from the intended send
# time, the figure a user feels) and uncorrected (send to receive), p50 and p99, and
# hcserver's RSS before and at its highest (sampled every 100 ms); then the medians.
#
# usage: bench/overload.sh [BUILD_DIR]    (default build/release; hcserver and hcload built)
#        ROUNDS=3 DURATION=10s CAL=5s CONNS=2000 CAL_CONNS=256 THREADS=2 bench/overload.sh
#        SCENARIOS=write HC_ARGS="--commit-batch 1" bench/overload.sh   (hcserver options added
#        to the defaults: a disk-bound write capacity instead of a CPU-bound one)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}
rounds=${ROUNDS:-3}
duration=${DURATION:-10s}
cal=${CAL:-5s}
conns=${CONNS:-2000}
cal_conns=${CAL_CONNS:-256}
threads=${THREADS:-2}
scenarios=${SCENARIOS:-write read}
read -r -a hc_args <<<"${HC_ARGS:-}"
hcserver=${HCSERVER_BIN:-$build/hcserver/hcserver}
hcload=${HCLOAD_BIN:-$build/hcload/hcload}
for b in "$hcserver" "$hcload"; do
    [ -x "$b" ] || { echo "no $b: build it first (cmake --preset release)" >&2; exit 1; }
done
for c in curl python3; do command -v $c >/dev/null || { echo "$c is not installed" >&2; exit 1; }; done
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "nginx is not installed" >&2; exit 1; }

tmp=$(mktemp -d)
hc_pid=""
ng_pid=""
cleanup() {
    [ -n "$hc_pid" ] && kill "$hc_pid" 2>/dev/null && wait "$hc_pid" 2>/dev/null
    [ -n "$ng_pid" ] && kill "$ng_pid" 2>/dev/null && wait "$ng_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
ulimit -n 65536 2>/dev/null || true

# hc_start ARGS...: a fresh hcserver with its defaults plus ARGS; sets hc_pid, hc_url.
hc_start() {
    [ -n "$hc_pid" ] && kill "$hc_pid" 2>/dev/null && wait "$hc_pid" 2>/dev/null
    rm -rf "$tmp/data"
    "$hcserver" --listen 127.0.0.1:0 --data-dir "$tmp/data" --threads "$threads" "${hc_args[@]}" "$@" \
        >"$tmp/hc.log" 2>&1 &
    hc_pid=$!
    local port=""
    for _ in $(seq 200); do
        port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$tmp/hc.log" 2>/dev/null | grep -o '[0-9]*$' || true)
        [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
        sleep 0.05
    done
    [ -n "$port" ] || { echo "hcserver did not start" >&2; cat "$tmp/hc.log" >&2; exit 1; }
    hc_url=http://127.0.0.1:$port
}

# ng_start RATE: nginx answering the body in $tmp/body, limit_req at RATE/s; sets ng_url.
ng_start() {
    [ -n "$ng_pid" ] && kill "$ng_pid" 2>/dev/null && wait "$ng_pid" 2>/dev/null
    local port
    port=$(free_port)
    python3 - "$tmp/body" "$tmp/nginx.conf" "$port" "$threads" "$tmp" "$1" <<'PY'
import sys
body = open(sys.argv[1]).read().replace("\\", "\\\\").replace("'", "\\'")
t = sys.argv[5]
open(sys.argv[2], "w").write(f"""worker_processes {sys.argv[4]};
daemon off;
pid {t}/nginx.pid;
error_log {t}/error.log;
events {{ worker_connections 65536; }}
worker_rlimit_nofile 70000;
http {{
    access_log off;
    keepalive_requests 10000000;
    client_body_temp_path {t}; proxy_temp_path {t};
    fastcgi_temp_path {t}; uwsgi_temp_path {t}; scgi_temp_path {t};
    limit_req_zone $binary_remote_addr zone=cap:1m rate={sys.argv[6]}r/s;
    limit_req_status 503;
    server {{
        listen 127.0.0.1:{sys.argv[3]} backlog=16384;
        # limit_req runs in the preaccess phase, after a return in this location would
        # have answered: the body comes from a named location reached by try_files.
        location / {{
            limit_req zone=cap burst=20 nodelay;
            try_files /nonexistent @body;
        }}
        location @body {{
            default_type application/json;
            return 200 '{body}';
        }}
    }}
}}
""")
PY
    rm -f "$tmp/nginx.pid"
    "$nginx" -p "$tmp" -c "$tmp/nginx.conf" &
    ng_pid=$!
    for _ in $(seq 100); do [ -f "$tmp/nginx.pid" ] && break; sleep 0.05; done
    ng_url=http://127.0.0.1:$port
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# A plan for each scenario: writes over 100,000 users (every shard), reads of existing ids.
write_plan() { # TARGET
    cat <<PLAN
target: $1
requests:
  create:
    method: POST
    path: /api/orders
    headers: { Content-Type: application/json }
    body: '{"user_id":{{randint 1 100000}},"sku":"pizza-margherita","qty":2,"amount_cents":1999}'
PLAN
}
read_plan() { # TARGET
    cat <<PLAN
target: $1
data:
  ids: { csv: $tmp/ids.csv, order: random, on_end: recycle }
requests:
  read:
    method: GET
    path: /api/orders/{{csv.ids.id}}
PLAN
}

# run NAME PLANFILE ARGS...: hcload with ARGS, summary JSON in $tmp/NAME.json.
run() {
    local name=$1 plan=$2
    shift 2
    "$hcload" run "$plan" -q --json "$tmp/$name.json" "$@" >/dev/null 2>"$tmp/$name.err" || true
}

# Prints a run's row: offered achieved n2xx n5xx, 2xx p50/p99 corrected and uncorrected,
# 503 p50/p99 corrected and uncorrected (ms), and RSS figures given.
row() { # LABEL JSON RSS0 RSSMAX
    python3 - "$@" <<'PY'
import json, sys
label, path, rss0, rssmax = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
d = json.load(open(path))
lat = d["latency_us"].get("by_class", {})
def q(cls, kind, p):
    c = lat.get(cls)
    return c[kind][p] / 1000.0 if c else float("nan")
r = d["responses"]
n2 = sum(v for k, v in r.items() if k.startswith("2"))
n5 = r.get("503", 0)
offered = d["rate"]["requested"] or 0
print(f"{label:9s} {offered:9.0f} {d['rate']['achieved']:9.0f} {n2:8d} {n5:8d} "
      f"{q('2xx','corrected','p50'):7.2f} {q('2xx','corrected','p99'):8.2f} "
      f"{q('2xx','uncorrected','p50'):7.2f} {q('2xx','uncorrected','p99'):8.2f} "
      f"{q('5xx','corrected','p50'):7.3f} {q('5xx','corrected','p99'):8.3f} "
      f"{q('5xx','uncorrected','p50'):7.3f} {q('5xx','uncorrected','p99'):8.3f} "
      f"{d['errors']['total']:6d} {rss0/1024:6.1f} {rssmax/1024:6.1f}")
PY
}
header() {
    printf '%-9s %9s %9s %8s %8s %7s %8s %7s %8s %7s %8s %7s %8s %6s %6s %6s\n' server offered \
        achieved 2xx 503 2xx_p50 2xx_p99 raw_p50 raw_p99 503_p50 503_p99 raw_p50 raw_p99 errors \
        rss0MB rssMB
}

# One hcserver run at RATE under the sampler: prints its row. Sets last_rss0/last_rssmax.
hc_round() { # SCENARIO PLAN RATE LABEL
    local rss0 rssmax=0 s
    rss0=$(rss_kb "$hc_pid")
    run "$1-hc" "$2" -R "$3" -d "$duration" -c "$conns" -T 10s &
    local lp=$!
    while kill -0 "$lp" 2>/dev/null; do
        s=$(rss_kb "$hc_pid")
        [ "$s" -gt "$rssmax" ] && rssmax=$s
        sleep 0.1
    done
    wait "$lp" || true
    row "$4" "$tmp/$1-hc.json" "$rss0" "$rssmax"
}

echo "bench/overload.sh: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
    "hcserver --threads $threads ${HC_ARGS:-}, open model -c $conns for $duration, $rounds rounds"
echo "latency in ms; corrected = from the intended send time; raw = send to receive"

for scenario in $scenarios; do
    if [ "$scenario" = write ]; then
        hc_start
        write_plan "$hc_url" >"$tmp/plan.yaml"
    else
        hc_start --cache-entries 0
        # 20,000 orders to read, ids from the answers' Location.
        write_plan "$hc_url" >"$tmp/fill.yaml"
        "$hcload" run "$tmp/fill.yaml" -q -n 20000 -c 64 >/dev/null 2>&1 || true
        python3 - "$hc_url" "$tmp/ids.csv" <<'PY'
import json, sys, urllib.request
url, out = sys.argv[1], sys.argv[2]
ids = []
for uid in range(1, 100001, 97):
    d = json.load(urllib.request.urlopen(f"{url}/api/users/{uid}/orders?limit=100"))
    ids += [o["id"] for o in d["orders"]]
open(out, "w").write("id\n" + "\n".join(map(str, ids)) + "\n")
PY
        read_plan "$hc_url" >"$tmp/plan.yaml"
    fi
    run "$scenario-cal" "$tmp/plan.yaml" -c "$cal_conns" -d "$cal"
    cap=$(python3 -c "
import json; d = json.load(open('$tmp/$scenario-cal.json'))
print(int(sum(v for k, v in d['responses'].items() if k.startswith('2')) / d['duration_s']))")
    [ "$cap" -gt 0 ] || { echo "$scenario: no capacity measured" >&2; cat "$tmp/$scenario-cal.err" >&2; exit 1; }
    rate=$((2 * cap))
    # nginx answers a body of the same size as hcserver's order.
    curl -s -o "$tmp/body" --data-binary '{"user_id":7,"sku":"pizza-margherita","qty":2,"amount_cents":1999}' \
        "$hc_url/api/orders"
    echo
    echo "== $scenario: capacity $cap/s (closed model, $cal_conns connections, 2xx only);" \
        "offered $rate/s; nginx limit_req rate=$cap r/s"
    header
    : >"$tmp/$scenario.rows"
    for i in $(seq "$rounds"); do
        hc_round "$scenario" "$tmp/plan.yaml" "$rate" "hcserver" | tee -a "$tmp/$scenario.rows"
        ng_start "$cap"
        sed "s#^target: .*#target: $ng_url#" "$tmp/plan.yaml" >"$tmp/ng.yaml"
        run "$scenario-ng" "$tmp/ng.yaml" -R "$rate" -d "$duration" -c "$conns" -T 10s
        row "nginx" "$tmp/$scenario-ng.json" 0 0 | tee -a "$tmp/$scenario.rows"
        kill "$ng_pid" 2>/dev/null && wait "$ng_pid" 2>/dev/null || true
        ng_pid=""
    done
    echo "-- medians over $rounds rounds"
    python3 - "$tmp/$scenario.rows" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault(f[0], []).append([float(x) for x in f[1:]])
for name, rs in rows.items():
    med = [statistics.median(c) for c in zip(*rs)]
    print(f"{name:9s} " + " ".join(
        f"{v:9.0f}" if i < 2 else f"{v:8.0f}" if i < 4 else f"{v:8.3f}" if i < 12 else f"{v:6.1f}"
        for i, v in enumerate(med)))
PY
    grep -E "shedding|shed" "$tmp/hc.log" | tail -4 || true
done
