#!/usr/bin/env bash
# hcload_gate.sh: what the CI gate costs the load generator. hcload's closed model against
# nginx (one worker, `return 200`, loopback), -n REQUESTS each, in alternating rounds: plain,
# then with thresholds on the whole run and on a sub-metric ({status:200}, which records its
# own latencies per response) plus --metrics-listen scraped once a second by curl. Prints
# each round's requests per second and hcload's CPU seconds (user + system, from
# /usr/bin/time), the medians and the ratios gated / plain. On a shared machine the CPU time
# per request is the steadier figure; the rate swings with the other load.
# Goal: the gate costs under 10 % of hcload's CPU time per request.
# usage: bench/hcload_gate.sh [BUILD_DIR]   (default build/release)
#        ROUNDS=5 REQUESTS=200000 CONNS=50 bench/hcload_gate.sh
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}
rounds=${ROUNDS:-5}
requests=${REQUESTS:-200000}
conns=${CONNS:-50}
hcload=$build/hcload/hcload
[ -x "$hcload" ] || { echo "no $hcload: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is not installed (Debian's time)" >&2; exit 1; }
for c in nginx python3 curl; do
    command -v "$c" >/dev/null || [ -x "/usr/sbin/$c" ] || { echo "$c is not installed (scripts/deps.sh)" >&2; exit 1; }
done
# lib.sh: the scratch directory, nginx on a free loopback port, every process stopped by PID.
source "$src/tests/integration/lib.sh"
hc_nginx_start 'location / { return 200 "ok"; }'
url=http://127.0.0.1:$HC_NGINX_PORT/

# round KIND: prints the requests per second and the CPU seconds of one run.
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
    /usr/bin/time -o "$HC_TMP/cpu" -f "%U %S" "$hcload" -t 1 -c "$conns" -n "$requests" -q \
        --json "$HC_TMP/r.json" "${args[@]}" "$url" || true
    if [ "$1" = gated ]; then
        kill "$scraper" 2>/dev/null || true
        wait "$scraper" 2>/dev/null || true
    fi
    echo "$(hc_json "$HC_TMP/r.json" rate achieved) $(awk '{print $1 + $2}' "$HC_TMP/cpu")"
}

plain=()
gated=()
for i in $(seq 1 "$rounds"); do
    read -r pr pc <<<"$(round plain)"
    read -r gr gc <<<"$(round gated)"
    plain+=("$pr:$pc")
    gated+=("$gr:$gc")
    printf 'round %d: plain %.0f/s %.2fs CPU   gated %.0f/s %.2fs CPU\n' "$i" "$pr" "$pc" "$gr" "$gc"
done
python3 - "$requests" "${plain[*]}" "${gated[*]}" <<'PY'
import statistics, sys
n = int(sys.argv[1])
p = [tuple(map(float, x.split(":"))) for x in sys.argv[2].split()]
g = [tuple(map(float, x.split(":"))) for x in sys.argv[3].split()]
pr, gr = statistics.median(r for r, _ in p), statistics.median(r for r, _ in g)
pc, gc = statistics.median(c for _, c in p), statistics.median(c for _, c in g)
print("median rate: plain %.0f/s, gated %.0f/s, ratio %.3f" % (pr, gr, gr / pr))
print("median CPU per request: plain %.2f us, gated %.2f us, ratio %.3f"
      % (pc / n * 1e6, gc / n * 1e6, gc / pc))
PY
