#!/usr/bin/env bash
# hcwarm_redis.sh: hcwarm redis against its anchor, redis-cli --pipe, loading the same keys
# from a file into the same fresh Redis (no persistence, FLUSHALL before every run). The keys
# are generated once as a kv file for hcwarm and as the equivalent RESP SET commands for
# redis-cli; each round runs both, the order swapping every round so a drifting machine load
# favours neither, and the script prints every run, the median keys per second of each tool
# and the median ratio hcwarm / redis-cli (goal >= 0.9), then a run capped with --max-rate
# and how close its achieved rate came to the cap (goal: within 2%).
# Every run is checked: DBSIZE must be the key count afterwards.
# usage: bench/hcwarm_redis.sh [BUILD_DIR]   (default build/release; needs hcwarm built there)
#        KEYS=1000000 ROUNDS=5 CAP=200k/s VALUE_BYTES=32 bench/hcwarm_redis.sh
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}
keys=${KEYS:-1000000}
rounds=${ROUNDS:-5}
cap=${CAP:-200k/s}
value_bytes=${VALUE_BYTES:-32}
hcwarm=$build/hcwarm/hcwarm
[ -x "$hcwarm" ] || {
    echo "no $hcwarm: build it first (cmake --preset release && cmake --build --preset release --target hcwarm)" >&2
    exit 1
}
source "$src/tests/integration/lib.sh"
source "$src/tests/integration/lib_redis.sh"
hc_need redis-server redis-cli python3
hc_redis_start

echo "generating $keys keys ($value_bytes-byte values) as kv and RESP"
python3 - "$HC_TMP/keys.kv" "$HC_TMP/keys.resp" "$keys" "$value_bytes" <<'PY'
import sys
kv, resp, n, vb = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(kv, "w") as a, open(resp, "w", newline="") as b:
    for i in range(n):
        k = "key:%d" % i
        v = ("value-%d-" % i).ljust(vb, "x")
        a.write("%s\t%s\n" % (k, v))
        b.write("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
PY

# timed CMD...: runs CMD, prints its wall-clock seconds.
timed() {
    python3 -c 'import subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print("%.3f" % (time.monotonic() - t))' "$@"
}

fresh() {
    rcli flushall sync >/dev/null
}

check() {
    local n
    n=$(rcli dbsize)
    [ "$n" = "$keys" ] || hc_fail "$1: DBSIZE $n after the run, not $keys"
}

run_cli() {
    fresh
    local s
    s=$(timed bash -c "redis-cli -p $HC_REDIS_PORT --pipe <'$HC_TMP/keys.resp'")
    check redis-cli
    echo "$s"
}

run_warm() {
    fresh
    local s
    s=$(timed "$hcwarm" redis --target "$HC_REDIS_URL" --from-file "$HC_TMP/keys.kv" -q)
    check hcwarm
    echo "$s"
}

cli=()
warm=()
for r in $(seq "$rounds"); do
    if [ $((r % 2)) = 1 ]; then
        c=$(run_cli)
        w=$(run_warm)
    else
        w=$(run_warm)
        c=$(run_cli)
    fi
    cli+=("$c")
    warm+=("$w")
    python3 -c 'import sys
k, c, w = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print("round %s: redis-cli --pipe %.0f keys/s (%.2fs)   hcwarm %.0f keys/s (%.2fs)   ratio %.2f"
      % (sys.argv[4], k / c, c, k / w, w, c / w))' "$keys" "$c" "$w" "$r"
done

python3 - "$keys" "${cli[*]}" "${warm[*]}" <<'PY'
import statistics, sys
k = int(sys.argv[1])
cli = [float(x) for x in sys.argv[2].split()]
warm = [float(x) for x in sys.argv[3].split()]
ratios = [c / w for c, w in zip(cli, warm)]
print("median: redis-cli --pipe %.0f keys/s, hcwarm %.0f keys/s, hcwarm/redis-cli %.2f "
      "(ratios %.2f..%.2f; goal >= 0.90)"
      % (k / statistics.median(cli), k / statistics.median(warm), statistics.median(ratios),
         min(ratios), max(ratios)))
PY

fresh
"$hcwarm" redis --target "$HC_REDIS_URL" --from-file "$HC_TMP/keys.kv" --max-rate "$cap" -q \
    --json "$HC_TMP/capped.json"
check "hcwarm --max-rate"
python3 - "$HC_TMP/capped.json" "$cap" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
m = re.fullmatch(r"([0-9.]+)([kKM]?)(/s)?", sys.argv[2])
capv = float(m.group(1)) * {"": 1, "k": 1e3, "K": 1e3, "M": 1e6}[m.group(2)]
got = d["keys_per_s"]
print("capped: --max-rate %s: %.0f keys/s achieved over %.2fs, %+.2f%% of the cap (goal within 2%%)"
      % (sys.argv[2], got, d["duration_s"], (got / capv - 1) * 100))
PY
