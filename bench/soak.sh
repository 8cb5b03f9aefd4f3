#!/usr/bin/env bash
# soak.sh: hcserver under a long steady mix at 70 % of its capacity, with its defaults: no
# request may fail, and its memory must stay flat.
#
# The mix, one request per arrival, picked by weight: create an order (1), read an order by id
# (4; ids of orders made beforehand, so mostly L1 hits), list a user's orders (2), post a
# behaviour event (1), the static menu (1); every answer is checked for its status (201, 200,
# 200, 202, 200). Capacity is the request rate of a closed-model run of the same mix (CAL,
# CAL_CONNS connections); the soak then offers PERCENT of it in hcload's open model for
# DURATION (default 10m). RSS is sampled every second. Passes when hcload saw no failed request
# and no failed check, and the mean RSS of the last WINDOW (default 1m) is within 5 % of the
# mean of the second WINDOW (the first is warm-up). Prints the figures and exits 1 on a fail.
#
# usage: bench/soak.sh [BUILD_DIR]     (default build/release; hcserver and hcload built)
#        DURATION=90s WINDOW=10s bench/soak.sh     (a quick check that the soak works)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}
duration=${DURATION:-10m}
window=${WINDOW:-1m}
percent=${PERCENT:-70}
cal=${CAL:-5s}
cal_conns=${CAL_CONNS:-64}
conns=${CONNS:-256}
threads=${THREADS:-2}
hcserver=${HCSERVER_BIN:-$build/hcserver/hcserver}
hcload=${HCLOAD_BIN:-$build/hcload/hcload}
for b in "$hcserver" "$hcload"; do
    [ -x "$b" ] || { echo "no $b: build it first (cmake --preset release)" >&2; exit 1; }
done
for c in curl python3; do command -v $c >/dev/null || { echo "$c is not installed" >&2; exit 1; }; done
secs() { python3 -c "
import re, sys
t, n = sys.argv[1], 0.0
for v, u in re.findall(r'([0-9.]+)(ms|s|m|h)?', t):
    n += float(v) * {'ms': 0.001, 's': 1, 'm': 60, 'h': 3600, '': 1}[u]
print(int(n))" "$1"; }
dur_s=$(secs "$duration")
win_s=$(secs "$window")
[ "$dur_s" -ge $((3 * win_s)) ] || { echo "DURATION must be at least 3 x WINDOW" >&2; exit 2; }

tmp=$(mktemp -d)
hc_pid=""
sampler=""
cleanup() {
    [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
    [ -n "$hc_pid" ] && kill "$hc_pid" 2>/dev/null && wait "$hc_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

"$hcserver" --listen 127.0.0.1:0 --data-dir "$tmp/data" --threads "$threads" >"$tmp/hc.log" 2>&1 &
hc_pid=$!
port=""
for _ in $(seq 200); do
    port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$tmp/hc.log" 2>/dev/null | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.05
done
[ -n "$port" ] || { echo "hcserver did not start" >&2; cat "$tmp/hc.log" >&2; exit 1; }
url=http://127.0.0.1:$port

# Orders to read: 2,000 of them, over 1,000 users.
for i in $(seq 2000); do
    printf '{"user_id":%d,"sku":"soak","qty":1,"amount_cents":100}\n' $((i % 1000 + 1))
done | python3 -c "
import json, sys, urllib.request
ids = []
for line in sys.stdin:
    r = urllib.request.urlopen(urllib.request.Request(sys.argv[1] + '/api/orders', data=line.encode()))
    ids.append(json.load(r)['id'])
open(sys.argv[2], 'w').write('id\n' + '\n'.join(map(str, ids)) + '\n')" "$url" "$tmp/ids.csv"

cat >"$tmp/plan.yaml" <<PLAN
target: $url
data:
  ids: { csv: $tmp/ids.csv, order: random, on_end: recycle }
requests:
  create:
    weight: 1
    method: POST
    path: /api/orders
    headers: { Content-Type: application/json }
    body: '{"user_id":{{randint 1 1000}},"sku":"soak-{{randint 1 20}}","qty":1,"amount_cents":250}'
    check: { status: 201 }
  read:
    weight: 4
    method: GET
    path: /api/orders/{{csv.ids.id}}
    check: { status: 200 }
  list:
    weight: 2
    method: GET
    path: /api/users/{{randint 1 1000}}/orders
    check: { status: 200 }
  event:
    weight: 1
    method: POST
    path: /api/events
    body: '{"type":"view","item":{{randint 1 500}}}'
    check: { status: 202 }
  menu:
    weight: 1
    method: GET
    path: /static/menu.json
    check: { status: 200 }
PLAN

"$hcload" run "$tmp/plan.yaml" -q -c "$cal_conns" -d "$cal" --json "$tmp/cal.json" >/dev/null 2>&1 || true
cap=$(python3 -c "import json; d = json.load(open('$tmp/cal.json')); print(int(d['rate']['achieved']))")
rate=$((cap * percent / 100))
echo "bench/soak.sh: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg);" \
    "capacity $cap req/s (closed, $cal_conns connections); soak at $percent %: $rate req/s" \
    "for $duration, -c $conns, RSS windows of $window"

(
    t=0
    while kill -0 "$hc_pid" 2>/dev/null; do
        echo "$t $(awk '/^VmRSS:/ {print $2}' "/proc/$hc_pid/status")"
        t=$((t + 1))
        sleep 1
    done
) >"$tmp/rss" &
sampler=$!
"$hcload" run "$tmp/plan.yaml" -q -R "$rate" -d "$duration" -c "$conns" -T 5s \
    --json "$tmp/soak.json" >/dev/null 2>"$tmp/soak.err" || true
kill "$sampler" 2>/dev/null || true
sampler=""

python3 - "$tmp/soak.json" "$tmp/rss" "$dur_s" "$win_s" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
dur, win = int(sys.argv[3]), int(sys.argv[4])
rss = {}
for line in open(sys.argv[2]):
    f = line.split()
    if len(f) == 2:
        rss[int(f[0])] = int(f[1]) / 1024.0
def mean(a, b):
    v = [rss[t] for t in range(a, b) if t in rss]
    return sum(v) / len(v) if v else float("nan")
second = mean(win, 2 * win)
last = mean(dur - win, dur)
drift = (last - second) / second * 100
errors = d["errors"]["total"]
checks = d["checks"]["failed"]
bad = d["non_2xx_3xx"]
lat = d["latency_us"]["corrected"]
print(f"requests {d['requests']}  achieved {d['rate']['achieved']:.0f}/s  errors {errors}  "
      f"failed checks {checks}  non-2xx/3xx {bad}  responses {d['responses']}")
print(f"latency (corrected) p50 {lat['p50']/1000:.2f} ms  p99 {lat['p99']/1000:.2f} ms  "
      f"max {lat['max']/1000:.1f} ms")
print(f"RSS MB: min {min(rss.values()):.1f}  max {max(rss.values()):.1f}  "
      f"second window {second:.1f}  last window {last:.1f}  drift {drift:+.1f} %")
ok = errors == 0 and checks == 0 and bad == 0 and abs(drift) <= 5
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
