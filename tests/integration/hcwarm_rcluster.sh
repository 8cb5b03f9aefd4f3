#!/usr/bin/env bash
# integration.hcwarm_rcluster: `hcwarm redis --target redis-cluster://` against three masters
# with a replica each, started here: 20,000 keys from a kv file and a RESP file land, each with
# its value, spread over the three masters (each key on its slot's master); --max-memory is
# refused for a cluster (usage error).
# Usage: hcwarm_rcluster.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_redis.sh"
hc_need redis-server redis-cli python3
BUILD=$1
HCWARM=$BUILD/hcwarm/hcwarm
W=$HC_TMP
hc_redis_cluster_start

python3 -c 'import sys
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        f.write(f"w:{i}\tvalue {i}\n")' "$W/keys.kv"
"$HCWARM" redis --target "$HC_RC_URL" --from-file "$W/keys.kv" --ttl 10m --jitter 1m \
    >"$W/out" 2>&1 || hc_fail "hcwarm failed: $(cat "$W/out")"

# RESP commands as redis-cli --pipe takes them, routed by their keys.
python3 -c 'import sys
with open(sys.argv[1], "wb") as f:
    for i in range(2000):
        k, v = f"r:{{t{i % 7}}}:{i}".encode(), f"rv {i}".encode()
        f.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))' "$W/keys.resp"
"$HCWARM" redis --target "$HC_RC_URL" --from-file "$W/keys.resp" --format resp \
    >"$W/out2" 2>&1 || hc_fail "hcwarm (resp) failed: $(cat "$W/out2")"

python3 - "${HC_RC_PORTS[@]:0:3}" <<'PY' || hc_fail "keys missing or misplaced"
import subprocess, sys
total, masters = 0, []
for port in sys.argv[1:]:
    role = subprocess.run(["redis-cli", "-p", port, "role"], capture_output=True, text=True).stdout
    if not role.startswith("master"):
        continue
    n = int(subprocess.run(["redis-cli", "-p", port, "dbsize"], capture_output=True,
                           text=True).stdout)
    masters.append((port, n))
    total += n
print("keys per master:", masters)
if total != 22000 or len(masters) != 3 or min(n for _, n in masters) < 5000:
    print("FAIL: %d keys (want 22000), spread %s" % (total, masters))
    sys.exit(1)
bad = 0
for i in range(0, 20000, 997):
    got = subprocess.run(["redis-cli", "-c", "-p", sys.argv[1], "GET", "w:%d" % i],
                         capture_output=True, text=True).stdout.strip()
    bad += got != "value %d" % i
for i in range(0, 2000, 101):
    got = subprocess.run(["redis-cli", "-c", "-p", sys.argv[1], "GET", "r:{t%d}:%d" % (i % 7, i)],
                         capture_output=True, text=True).stdout.strip()
    bad += got != "rv %d" % i
ttl = int(subprocess.run(["redis-cli", "-c", "-p", sys.argv[1], "PTTL", "w:5"],
                         capture_output=True, text=True).stdout)
if bad or not 500000 < ttl <= 660000:
    print("FAIL: %d wrong values, PTTL of w:5 %d" % (bad, ttl))
    sys.exit(1)
PY

set +e
"$HCWARM" redis --target "$HC_RC_URL" --from-file "$W/keys.kv" --max-memory 50% >"$W/out3" 2>&1
rc=$?
set -e
[ $rc = 2 ] || hc_fail "--max-memory on a cluster: exit $rc, not 2: $(cat "$W/out3")"
grep -q 'max-memory is for one Redis' "$W/out3" || hc_fail "no reason given: $(cat "$W/out3")"
echo "hcwarm_rcluster: ok"
