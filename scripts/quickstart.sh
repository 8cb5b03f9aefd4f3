#!/usr/bin/env bash
# scripts/quickstart.sh: hc's main job, from a fresh Debian 12 machine.
#
# Installs what is missing (scripts/deps.sh), builds the release preset, then runs the job hc
# exists for: hcserver on its embedded default (SQLite shards, in-process cache and queue) is
# seeded with orders, warmed by hcwarm (a ramp of reads held until the cache answers them), and
# loaded by hcload; hcload prints its summary with the full latency spectrum. It ends with a
# gated run, the plan examples/quickstart.yaml (orders created and read back, with
# thresholds), as a CI job would run it. The run's files land in build/quickstart/: warm.json
# (hcwarm's summary), report.json (hcload's summary of the load), latency.hlog (HdrHistogram
# interval log), gate.json, report.html, junit.xml and results.jtl (the gated run's result, its
# HTML report, its thresholds as JUnit XML and its requests in JMeter's CSV), hcserver.log, metrics.txt (hcserver's /metrics after the
# runs) and hcdata/ (the shard files). The script's exit status is the gated run's (99: a
# threshold failed).
#
# Usage: scripts/quickstart.sh [DURATION]   (default 10s)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}

scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
bin=build/release
out=build/quickstart
rm -rf "$out"
mkdir -p "$out"

server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL "$server_pid"
    fi
}
trap cleanup EXIT

echo "== hcserver: embedded default, data in $out/hcdata"
"$bin/hcserver/hcserver" --listen 127.0.0.1:0 --data-dir "$out/hcdata" >"$out/hcserver.log" 2>&1 &
server_pid=$!
for _ in $(seq 200); do
    grep -q ' ready: ' "$out/hcserver.log" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$out/hcserver.log"; exit 1; }
    sleep 0.05
done
port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$out/hcserver.log" | grep -o '[0-9]*$')
[ -n "$port" ] || { echo "quickstart: hcserver did not start" >&2; cat "$out/hcserver.log"; exit 1; }
base=http://127.0.0.1:$port

echo "== seed: 2000 orders through POST /api/orders"
"$bin/hcload/hcload" -q -c 20 -n 2000 -m POST -H 'Content-Type: application/json' \
    --body '{"user_id":7,"sku":"noodles","qty":1,"amount_cents":1250}' "$base/api/orders"
order=$(curl -s -X POST -H 'Content-Type: application/json' \
    --data-binary '{"user_id":42,"sku":"pizza","qty":2,"amount_cents":1999}' "$base/api/orders" |
    grep -o '"id":[0-9]*' | head -n 1 | cut -d: -f2)
[ -n "$order" ] || { echo "quickstart: could not create an order" >&2; exit 1; }

echo "== warm: hcwarm ramps reads of order $order to 2000/s until the cache answers them"
echo "/api/orders/$order" >"$out/hot.txt"
"$bin/hcwarm/hcwarm" http --target "$base" --urls "$out/hot.txt" --from 100/s --to 2000/s \
    --steps 3 --step-hold 2s --max-errors 1% --min-hit-ratio 0.95 --deadline 60s \
    --json "$out/warm.json"

echo "== load: 50 connections for $duration on GET /api/orders/$order"
"$bin/hcload/hcload" -c 50 -d "$duration" --latency --json "$out/report.json" \
    --hlog "$out/latency.hlog" "$base/api/orders/$order"

echo "== gate: examples/quickstart.yaml (create, read back, list) with its thresholds"
# The plan names hcserver's default address; this hcserver listens on a port of its own.
sed "s|^target: .*|target: $base|" examples/quickstart.yaml >"$out/quickstart.yaml"
gate=0
"$bin/hcload/hcload" run "$out/quickstart.yaml" --json "$out/gate.json" \
    --html "$out/report.html" --junit "$out/junit.xml" --jtl "$out/results.jtl" || gate=$?

curl -s "$base/metrics" >"$out/metrics.txt"
kill -TERM "$server_pid"
wait "$server_pid"
server_pid=""
echo "== files: $out/warm.json $out/report.json $out/latency.hlog $out/gate.json $out/report.html" \
    "$out/junit.xml $out/results.jtl $out/metrics.txt $out/hcserver.log"
if [ "$gate" = 0 ]; then
    echo "== gate passed: open $out/report.html in a browser"
else
    echo "== gate failed (hcload exit $gate): $out/report.html shows why" >&2
fi
exit "$gate"
