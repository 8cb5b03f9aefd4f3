#!/usr/bin/env bash
# warm_effect.sh: what hcwarm buys at the start of a peak. hcserver with a Redis L2 is restarted
# cold (its L1 gone with the process, Redis flushed), then a peak starts at once: hcload's open
# model at RATE (default 1500/s) for 10 s of random reads over N orders (default 20000). The
# same peak follows either nothing (cold) or `hcwarm run` of a plan that preloads the orders from
# the shard files into Redis and ramps reads until hcserver's hit ratio passes 0.95 (warm).
# Alternating rounds (ROUNDS, default 3), each on a fresh restart; prints every round's p99 and
# error rate of the peak's first 10 s, the medians, the ratio warm/cold and the hit ratio the
# warm-up reached. Goal: the warm p99 at least 50 % lower (ratio <= 0.5).
# usage: bench/warm_effect.sh [BUILD_DIR]   (default build/release; needs hcserver, hcload, hcwarm)
#        ROUNDS=5 RATE=3000/s N=20000 bench/warm_effect.sh build/release
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build/release}" && pwd)
rounds=${ROUNDS:-3}
rate=${RATE:-1500/s}
n=${N:-20000}
hcserver=$build/hcserver/hcserver
hcload=$build/hcload/hcload
hcwarm=$build/hcwarm/hcwarm
for b in "$hcserver" "$hcload" "$hcwarm"; do
    [ -x "$b" ] || { echo "no $b: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 1; }
done
for t in redis-server redis-cli curl python3; do
    command -v "$t" >/dev/null || { echo "$t is not installed (scripts/deps.sh)" >&2; exit 1; }
done

tmp=$(mktemp -d)
redis_pid=""
hc_pid=""
cleanup() {
    [ -n "$hc_pid" ] && kill "$hc_pid" 2>/dev/null && wait "$hc_pid" 2>/dev/null
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" \
    --daemonize no >"$tmp/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 200); do
    [ "$(redis-cli -p "$rport" ping 2>/dev/null)" = PONG ] && break
    sleep 0.05
done
hport=$(free_port)
url=http://127.0.0.1:$hport

# start_cold: hcserver restarted (an empty L1) over the same shard files, Redis flushed.
start_cold() {
    if [ -n "$hc_pid" ]; then
        kill "$hc_pid"
        wait "$hc_pid" || true
        hc_pid=""
    fi
    redis-cli -p "$rport" flushall >/dev/null
    "$hcserver" --listen "127.0.0.1:$hport" --data-dir "$tmp/data" \
        --cache "redis://127.0.0.1:$rport" --confirm-delay 0s >"$tmp/hc.log" 2>&1 &
    hc_pid=$!
    for _ in $(seq 400); do
        curl -sf "$url/readyz" >/dev/null 2>&1 && return 0
        kill -0 "$hc_pid" 2>/dev/null || { cat "$tmp/hc.log" >&2; exit 1; }
        sleep 0.05
    done
    echo "hcserver did not get ready" >&2
    exit 1
}

start_cold
echo "seeding $n orders..."
python3 - "$hport" "$n" "$tmp/ids.csv" "$tmp/hot.txt" <<'PY'
import http.client, json, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
ids = []
for i in range(n):
    body = json.dumps({"user_id": i + 1, "sku": "margherita", "qty": 1, "amount_cents": 100})
    c.request("POST", "/api/orders", body, {"Content-Type": "application/json"})
    r = c.getresponse()
    b = r.read()
    if r.status != 201:
        sys.exit(f"POST /api/orders: {r.status} {b!r}")
    ids.append(json.loads(b)["id"])
with open(sys.argv[3], "w") as f:
    f.write("id\n" + "".join(f"{i}\n" for i in ids))
with open(sys.argv[4], "w") as f:
    f.write("".join(f"/api/orders/{i}\n" for i in ids))
PY

cat >"$tmp/peak.yaml" <<YAML
target: $url
load: { rate: $rate, duration: 10s, connections: 256, timeout: 5s }
data:
  ids: { csv: ids.csv, order: random }
requests:
  read:
    path: /api/orders/{{csv.ids.id}}
YAML
cat >"$tmp/warm.yaml" <<YAML
target: $url
steps:
  - name: preload
    redis: { target: "redis://127.0.0.1:$rport", from-store: "sqlite:$tmp/data", limit: $n }
  - name: ramp
    http: { urls: hot.txt, from: 500/s, to: $rate, steps: 3, step-hold: 2s,
            min-hit-ratio: 0.95, max-errors: 1%, deadline: 2m, connections: 256 }
  - name: ready
    ready: { timeout: 10s }
YAML

# peak NAME: the peak's p99 (ms) and error rate (%) into $tmp/NAME.txt.
peak() {
    "$hcload" run "$tmp/peak.yaml" -q --json "$tmp/$1.json" >/dev/null 2>&1 || true
    python3 - "$tmp/$1.json" >"$tmp/$1.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
lat = d["latency_us"]["corrected"]
bad = d["errors"]["total"] + d["non_2xx_3xx"]
total = d["requests"] + d["errors"]["total"]
print("%.3f %.3f" % (lat["p99"] / 1000, 100 * bad / max(total, 1)))
PY
}

cold_p99=()
warm_p99=()
hits=()
for r in $(seq "$rounds"); do
    start_cold
    peak cold
    read -r cp ce <"$tmp/cold.txt"
    start_cold
    (cd "$tmp" && "$hcwarm" run warm.yaml -q --json "$tmp/warm.json") ||
        { echo "round $r: hcwarm run failed: $(cat "$tmp/warm.json" 2>/dev/null)" >&2; exit 1; }
    hit=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print("%.3f" % [s for s in d["steps"] if s["step"] == "ramp"][0]["signals"]["hit_ratio"])' "$tmp/warm.json")
    wsecs=$(python3 -c 'import json,sys; print("%.1f" % json.load(open(sys.argv[1]))["duration_s"])' "$tmp/warm.json")
    peak warm
    read -r wp we <"$tmp/warm.txt"
    echo "round $r: cold p99 ${cp} ms errors ${ce}%   after hcwarm (${wsecs}s, hit ratio ${hit}) p99 ${wp} ms errors ${we}%"
    cold_p99+=("$cp $ce")
    warm_p99+=("$wp $we")
    hits+=("$hit")
done
python3 - "$(printf '%s,' "${cold_p99[@]}")" "$(printf '%s,' "${warm_p99[@]}")" "${hits[*]}" "$rate" <<'PY'
import statistics, sys
def rows(s):
    return [tuple(map(float, x.split())) for x in s.split(",") if x]
cold, warm = rows(sys.argv[1]), rows(sys.argv[2])
hits = [float(h) for h in sys.argv[3].split()]
cp = statistics.median(c[0] for c in cold)
ce = statistics.median(c[1] for c in cold)
wp = statistics.median(w[0] for w in warm)
we = statistics.median(w[1] for w in warm)
print("median over %d rounds, peak %s for 10 s:" % (len(cold), sys.argv[4]))
print("  cold start:    p99 %.2f ms, errors %.2f%%" % (cp, ce))
print("  after hcwarm:  p99 %.2f ms, errors %.2f%%, hit ratio reached %.3f" % (wp, we, statistics.median(hits)))
print("  ratio warm/cold p99 %.2f (goal <= 0.5: at least 50%% lower)" % (wp / cp if cp else float("nan")))
PY
