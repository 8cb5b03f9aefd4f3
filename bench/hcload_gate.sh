#!/usr/bin/env bash
# hcload_gate.sh: what the CI gate costs the load generator. hcload's closed model against
# nginx (one worker, `return 200`, loopback) in alternating rounds: plain, then with
# thresholds on the whole run and on a sub-metric ({status:200}, which records its own
# latencies per response) plus --metrics-listen scraped once a second by curl. Prints the
# requests per second of each round, the medians and the ratio gated / plain.
# Goal: the gate costs under 5 % of the requests per second.
# usage: bench/hcload_gate.sh [BUILD_DIR]   (default build/release)
#        ROUNDS=5 DURATION=5s CONNS=50 bench/hcload_gate.sh
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}
rounds=${ROUNDS:-5}
duration=${DURATION:-5s}
conns=${CONNS:-50}
hcload=$build/hcload/hcload
[ -x "$hcload" ] || { echo "no $hcload: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
for c in nginx python3 curl; do
    command -v "$c" >/dev/null || [ -x "/usr/sbin/$c" ] || { echo "$c is not installed (scripts/deps.sh)" >&2; exit 1; }
done
# lib.sh: the scratch directory, nginx on a free loopback port, every process stopped by PID.
source "$src/tests/integration/lib.sh"
hc_nginx_start 'location / { return 200 "ok"; }'
url=http://127.0.0.1:$HC_NGINX_PORT/

# round KIND: prints the requests per second of one run.
round() {
    local args=()
    if [ "$1" = gated ]; then
        local mport
        mport=$(hc_free_port)
        args=(--threshold 'http_req_duration: p(99)<1s' --threshold 'http_req_failed: rate<0.01'
            --threshold 'http_req_duration{status:200}: p(95)<1s' --metrics-listen "127.0.0.1:$mport")
        (for _ in $(seq 1 30); do sleep 1; curl -s "http://127.0.0.1:$mport/metrics" >/dev/null || true; done) &
        local scraper=$!
    fi
    "$hcload" -t 1 -c "$conns" -d "$duration" -q --json "$HC_TMP/r.json" "${args[@]}" "$url" || true
    [ "$1" = gated ] && { kill "$scraper" 2>/dev/null || true; wait "$scraper" 2>/dev/null || true; }
    hc_json "$HC_TMP/r.json" rate achieved
}

plain=()
gated=()
for i in $(seq 1 "$rounds"); do
    p=$(round plain)
    g=$(round gated)
    plain+=("$p")
    gated+=("$g")
    printf 'round %d: plain %.0f/s  gated %.0f/s\n' "$i" "$p" "$g"
done
python3 - "${plain[*]}" "${gated[*]}" <<'PY'
import statistics, sys
p = [float(x) for x in sys.argv[1].split()]
g = [float(x) for x in sys.argv[2].split()]
mp, mg = statistics.median(p), statistics.median(g)
print("median plain %.0f/s, gated %.0f/s, ratio gated/plain %.3f" % (mp, mg, mg / mp))
PY
