#!/usr/bin/env bash
# hcmon --record and --replay: a live batch run against a real hcserver under a bounded load
# and a real redis-server, recorded to SQLite, then replayed: the replayed JSON lines equal
# the live ones exactly (same pages, same computations), the replayed screen (in tmux) shows
# the recorded figures, and a live screen and its replay show the same panels. A file that is not a recording is refused with a reason.
# Usage: hcmon_record.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/lib.sh"
hc_need tmux redis-server redis-cli sqlite3 python3
build=$1
src=$2
hcmon=$build/hcmon/hcmon
tmp=$HC_TMP
source "$src/tests/integration/lib_hcserver.sh" "$build"
source "$src/tests/integration/lib_redis.sh"
source "$src/tests/integration/lib_tmux.sh"

start_server
hc_redis_start
rport=$HC_REDIS_PORT
redis-cli -p "$rport" set a 1 >/dev/null

"$build/hcload/hcload" -c 2 -R 200 -d 3s -q "$URL/api/orders/1" &
load=$!
hc_track $load
rc=0
"$hcmon" -n 4 -i 500ms --json --record "$tmp/rec.db" "$URL/metrics" "redis://127.0.0.1:$rport" \
    >"$tmp/live.jsonl" || rc=$?
wait $load || true
[ "$rc" = 0 ] || hc_fail "the recorded run exited $rc"
[ "$(sqlite3 "$tmp/rec.db" 'select count(*) from samples')" = 8 ] || hc_fail "8 samples not stored"

rc=0
"$hcmon" --replay "$tmp/rec.db" --json >"$tmp/replay.jsonl" || rc=$?
[ "$rc" = 0 ] || hc_fail "the replay exited $rc"
python3 - "$tmp/live.jsonl" "$tmp/replay.jsonl" <<'PY'
import json, sys
def by_target(path):
    out = {}
    for line in open(path):
        d = json.loads(line)
        out.setdefault(d["url"], []).append(d)
    return out
live, replay = by_target(sys.argv[1]), by_target(sys.argv[2])
if live != replay:
    sys.exit("FAIL: the replay's JSON lines differ from the live run's")
print("replay: %d lines equal the live run's" % sum(len(v) for v in live.values()))
PY

# The replayed screen shows the last recorded sample's figures.
want=$(python3 -c 'import json,sys
l=[json.loads(x) for x in open(sys.argv[1]) if "/metrics" in json.loads(x)["url"]][-1]
print("%.0f" % l["routes"]["GET /api/orders/{id}"]["requests"])' "$tmp/live.jsonl")
hc_tmux_start 150 40
tm send-keys -t t "$hcmon --replay $tmp/rec.db --speed 8 --panel routes; echo EXIT=\$?" Enter
wait_for "ended"
got=$(screen | grep -F "GET /api/orders/{id}" | awk '{print $5}')
[ "$got" = "$want" ] || hc_fail "the replayed Routes panel shows $got requests, the recording $want"
tm send-keys -t t 8
wait_for "redis_version"
tm send-keys -t t q
wait_for "EXIT=0"

# The same screens: a live screen over the scripted endpoint (its pages change, then hold
# still), held still by a long interval, against its replay, panel by panel; only the header
# line (the clock and the pace) may differ.
python3 "$src/tests/integration/tools/hcmon_exporter.py" "$tmp/xport" "$tmp/xserved" &
hc_track $!
hc_wait_file "$tmp/xport" || hc_fail "the test exporter did not start"
ex=http://127.0.0.1:$(cat "$tmp/xport")
tm send-keys -t t "clear; $hcmon -i 200ms --record $tmp/screen.db $ex/seq; echo EXIT=\$?" Enter
for _ in $(seq 100); do [ -f "$tmp/xserved" ] && [ "$(wc -l <"$tmp/xserved")" -ge 8 ] && break; sleep 0.1; done
for _ in $(seq 16); do tm send-keys -t t -; done
sleep 1.5
# The panels are captured while no scrape happens. On a loaded machine the keys that lengthen
# the interval may be read late, so a capture that a scrape overlapped is taken again.
stable=""
for _ in $(seq 5); do
    served=$(wc -l <"$tmp/xserved")
    for key in 1 2 3 0; do
        tm send-keys -t t "$key"
        sleep 0.4
        screen | tail -n +2 >"$tmp/live.$key"
    done
    if [ "$(wc -l <"$tmp/xserved")" = "$served" ]; then
        stable=1
        break
    fi
    sleep 1
done
[ -n "$stable" ] || hc_fail "the endpoint was scraped during each of 5 captures of the screens"
tm send-keys -t t q
wait_for "EXIT=0"
tm send-keys -t t "clear; $hcmon --replay $tmp/screen.db --speed 1000; echo EXIT=\$?" Enter
wait_for "ended"
for key in 1 2 3 0; do
    tm send-keys -t t "$key"
    sleep 0.4
    screen | tail -n +2 >"$tmp/replay.$key"
    diff "$tmp/live.$key" "$tmp/replay.$key" >"$tmp/diff" ||
        hc_fail "panel $key differs in the replay: $(cat "$tmp/diff")"
done
grep -q "GET /x" "$tmp/replay.2" || hc_fail "the Routes panel is empty"
tm send-keys -t t q
wait_for "EXIT=0"
echo "replay: the screens equal the live ones"

# Not a recording.
rc=0
"$hcmon" --replay "$tmp/nothing.db" --json 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] || hc_fail "a missing recording gave exit status $rc"
sqlite3 "$tmp/other.db" 'create table t(x)'
rc=0
"$hcmon" --replay "$tmp/other.db" --json 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q "not a recording" "$tmp/err" || hc_fail "another SQLite file: $rc $(cat "$tmp/err")"
rc=0
"$hcmon" --replay "$tmp/rec.db" "$URL/metrics" 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] || hc_fail "--replay with targets gave exit status $rc, not 2"
stop_server
echo "hcmon record: ok"
