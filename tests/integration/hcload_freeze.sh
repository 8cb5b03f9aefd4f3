#!/usr/bin/env bash
# Coordinated omission: against a server that freezes for 200 ms every second, the open
# model's corrected p99 shows the freeze and the uncorrected p99 does not; the --hlog file
# holds one interval per second.
# Usage: hcload_freeze.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/lib.sh"
hc_need python3
build=$1
hcload=$build/hcload/hcload
server=$build/tests/integration/hcload_badserver
tmp=$HC_TMP

"$server" freeze "$tmp/port" "$tmp/count" 1000 200 &
server_pid=$!
hc_track "$server_pid"
hc_wait_file "$tmp/port" || hc_fail "test server did not start"
port=$(cat "$tmp/port")

# One connection, so requests due during a freeze wait in hcload, as a real client's would.
# 200/s: a loaded machine (sanitizers, tests in parallel) still drains the backlog after each
# freeze, so no request is left unsent at the end (which would rightly be exit 1).
rc=0
"$hcload" -t 1 -c 1 -R 200 -d 5s -q --json "$tmp/out.json" --hlog "$tmp/out.hlog" \
    "http://127.0.0.1:$port/" || rc=$?
[ "$rc" = 0 ] || hc_fail "exit $rc; errors $(hc_json "$tmp/out.json" errors), unsent $(hc_json "$tmp/out.json" unsent)"
kill "$server_pid"
wait "$server_pid" || true
server_pid=""

python3 - "$tmp/out.json" "$(cat "$tmp/count")" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
served = int(sys.argv[2])
lat = d["latency_us"]
c, u = lat["corrected"]["p99"], lat["uncorrected"]["p99"]
print(f"corrected p99 {c / 1000:.1f} ms, uncorrected p99 {u / 1000:.1f} ms")
assert d["requests"] == served, f"hcload {d['requests']} vs server {served}"
assert c >= 100_000, "the corrected p99 does not show the 200 ms freeze"
# Half the freeze: room for a loaded machine's scheduling delays, none for the freeze itself.
assert u <= 100_000, "the uncorrected p99 shows the freeze"
assert d["queued"] > 0, "no request waited for the connection"
PY
intervals=$(grep -c '^[0-9]' "$tmp/out.hlog" || true)
[ "$intervals" -ge 5 ] && [ "$intervals" -le 7 ] || hc_fail "$intervals untagged intervals in the hlog"
grep -q '^Tag=uncorrected,' "$tmp/out.hlog" || hc_fail "no uncorrected intervals in the hlog"
# HdrHistogram's own log processor reads the log back, every request counted.
jar=""
for j in /usr/share/java/hdrhistogram.jar /usr/share/java/HdrHistogram.jar; do
    [ -f "$j" ] && jar=$j && break
done
if command -v java >/dev/null && [ -n "$jar" ]; then
    total=$(timeout 120 java -cp "$jar" org.HdrHistogram.HistogramLogProcessor \
        -i "$tmp/out.hlog" -csv | tail -1 | cut -d, -f3)
    requests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' \
        "$tmp/out.json")
    [ "$total" = "$requests" ] || hc_fail "HistogramLogProcessor counted $total, hcload $requests"
    echo "ok: HdrHistogram's HistogramLogProcessor reads $total values"
else
    echo "note: java or HdrHistogram's jar missing, log not cross-checked"
fi
echo "all passed"
