# tests/integration/hcwarm_redis.sh: `hcwarm redis` against a real redis-server: every key of
# a file lands with its value and a TTL in the jitter's range, --only-missing keeps values, the
# rate and memory caps hold, a preload killed mid-way resumes from its checkpoint without
# repeating the done part, malformed lines are reported with file:line while the good ones
# load, and a Redis that dies mid-way ends the run with exit 1 and a clear message.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_redis.sh"
hc_need redis-server redis-cli python3
BUILD=$1
HCWARM=$BUILD/hcwarm/hcwarm
W=$HC_TMP
hc_redis_start

now_ms() { date +%s%3N; }

# keys FILE N [PREFIX]: N kv lines "PREFIX:i<TAB>value i ..." (values with spaces).
keys() {
    python3 -c 'import sys
p = sys.argv[3] if len(sys.argv) > 3 else "k"
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write(f"{p}:{i}\tvalue {i} of {p}\n")' "$@"
}

# check_values FILE PREFIX N: every key of a kv FILE is in Redis with its value.
check_values() {
    python3 - "$1" "$HC_REDIS_PORT" <<'PY'
import subprocess, sys
want = {}
for line in open(sys.argv[1]):
    k, v = line.rstrip("\n").split("\t", 1)
    want[k] = v
keys = list(want)
bad = 0
for i in range(0, len(keys), 1000):
    chunk = keys[i:i + 1000]
    out = subprocess.run(["redis-cli", "-p", sys.argv[2], "MGET", *chunk], capture_output=True,
                         text=True, check=True).stdout.split("\n")
    for k, got in zip(chunk, out):
        if got != want[k]:
            bad += 1
            if bad < 5:
                print(f"{k}: {got!r} != {want[k]!r}")
sys.exit(1 if bad else 0)
PY
}

# ---- 10,000 keys with TTL and jitter ----
keys "$W/k.kv" 10000
t0=$(now_ms)
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/k.kv" --ttl 10m --jitter 1m \
    --json "$W/s.json" >"$W/out" 2>&1 || hc_fail "preload failed: $(cat "$W/out")"
[ "$(hc_json "$W/s.json" warmed)" = 10000 ] || hc_fail "warmed: $(cat "$W/s.json")"
[ "$(hc_json "$W/s.json" failed)" = 0 ] || hc_fail "failed: $(cat "$W/s.json")"
[ "$(rcli dbsize)" = 10000 ] || hc_fail "dbsize $(rcli dbsize)"
check_values "$W/k.kv" || hc_fail "values differ"
python3 - "$HC_REDIS_PORT" "$t0" <<'PY' || hc_fail "TTLs outside [10m, 11m]"
import subprocess, sys, time
cmds = "".join(f"PTTL k:{i}\n" for i in range(10000))
out = subprocess.run(["redis-cli", "-p", sys.argv[1]], input=cmds, capture_output=True,
                     text=True, check=True).stdout.split()
ttl = [int(x) for x in out]
lo, hi = min(ttl), max(ttl)
# Each TTL was drawn from [600000, 660000] ms and has run down by at most the elapsed time.
slack = int(time.time() * 1000) - int(sys.argv[2]) + 1000
print(f"PTTL from {lo} to {hi} ms")
if lo < 600000 - slack or hi > 660000:
    sys.exit(1)
# Spread over the range, not bunched: a tenth of the jitter from each end is reached.
if lo > 606000 or hi < 654000 - slack:
    sys.exit(1)
PY
echo "ok: 10000 keys with values and TTLs in the jitter range"

# ---- jsonl: a line's own ttl wins ----
printf '%s\n' '{"key":"j:1","value":"one"}' '{"key":"j:2","value":{"n":[1,2]},"ttl":30}' \
    '{"key":"j:3","value":"three","ttl":"2h"}' >"$W/k.jsonl"
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/k.jsonl" --format jsonl --ttl 10m -q ||
    hc_fail "jsonl preload failed"
[ "$(rcli get j:2)" = '{"n":[1,2]}' ] || hc_fail "j:2 = $(rcli get j:2)"
t1=$(rcli ttl j:1) t2=$(rcli ttl j:2) t3=$(rcli ttl j:3)
[ "$t1" -gt 550 ] && [ "$t1" -le 600 ] || hc_fail "j:1 ttl $t1"
[ "$t2" -gt 0 ] && [ "$t2" -le 30 ] || hc_fail "j:2 ttl $t2"
[ "$t3" -gt 7000 ] && [ "$t3" -le 7200 ] || hc_fail "j:3 ttl $t3"
echo "ok: jsonl values and per-line TTLs"

# ---- RESP passed through, replies counted ----
python3 -c 'import sys
def cmd(*a):
    return "*%d\r\n" % len(a) + "".join("$%d\r\n%s\r\n" % (len(x.encode()), x) for x in a)
with open(sys.argv[1], "w", newline="") as f:
    for i in range(500):
        f.write(cmd("SET", "r:%d" % i, "v\r\n%d" % i))
    f.write(cmd("INCR", "counter"))
    f.write(cmd("INCR", "counter"))
    f.write(cmd("LPUSH", "r:1", "x"))' "$W/k.resp"
rc=0
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/k.resp" --format resp --json "$W/r.json" \
    >"$W/out" 2>&1 || rc=$?
[ $rc = 1 ] || hc_fail "resp with a WRONGTYPE: exit $rc: $(cat "$W/out")"
[ "$(hc_json "$W/r.json" warmed)" = 502 ] || hc_fail "resp warmed: $(cat "$W/r.json")"
[ "$(hc_json "$W/r.json" failed)" = 1 ] || hc_fail "resp failed: $(cat "$W/r.json")"
grep -q "k.resp:.*WRONGTYPE" "$W/out" || hc_fail "no WRONGTYPE message: $(cat "$W/out")"
[ "$(rcli get counter)" = 2 ] || hc_fail "counter $(rcli get counter)"
[ "$(rcli --no-raw get r:7)" = '"v\r\n7"' ] || hc_fail "r:7 = $(rcli --no-raw get r:7)"
echo "ok: RESP commands passed through, an error reply counted as failed"

# ---- --only-missing keeps a value set beforehand ----
rcli flushall >/dev/null
rcli set k:5 fresher >/dev/null
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/k.kv" --only-missing --json "$W/o.json" \
    -q || hc_fail "--only-missing failed"
[ "$(rcli get k:5)" = fresher ] || hc_fail "k:5 overwritten: $(rcli get k:5)"
[ "$(rcli get k:6)" = "value 6 of k" ] || hc_fail "k:6 = $(rcli get k:6)"
[ "$(hc_json "$W/o.json" already_present)" = 1 ] || hc_fail "present: $(cat "$W/o.json")"
[ "$(hc_json "$W/o.json" warmed)" = 9999 ] || hc_fail "warmed: $(cat "$W/o.json")"
echo "ok: --only-missing keeps the value that was there"

# ---- --max-rate 2000/s over 4000 keys ----
rcli flushall >/dev/null
head -4000 "$W/k.kv" >"$W/k4.kv"
t0=$(now_ms)
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/k4.kv" --max-rate 2000/s -q ||
    hc_fail "rate-capped preload failed"
took=$(($(now_ms) - t0))
[ "$(rcli dbsize)" = 4000 ] || hc_fail "rate: dbsize $(rcli dbsize)"
# 4000 keys at 2000/s: 1.95 s after the 50 ms burst; loose above for a loaded machine.
[ "$took" -ge 1800 ] || hc_fail "4000 keys at 2000/s took only $took ms"
[ "$took" -le 15000 ] || hc_fail "4000 keys at 2000/s took $took ms"
echo "ok: --max-rate 2000/s: 4000 keys in $took ms"

# ---- --max-memory: pauses, resumes when there is room, gives up when there is none ----
rcli flushall >/dev/null
python3 -c 'import sys
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        f.write("big:%d\t%s\n" % (i, "x" * 200))' "$W/big.kv"
rcli config set maxmemory 3mb >/dev/null
rcli config set maxmemory-policy noeviction >/dev/null
rc=0
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/big.kv" --max-memory 80% \
    --memory-wait 1s --json "$W/m.json" >"$W/out" 2>&1 || rc=$?
[ $rc = 1 ] || hc_fail "--max-memory that holds: exit $rc"
grep -q "pausing: Redis uses" "$W/out" || hc_fail "no pause message: $(cat "$W/out")"
grep -q "stayed above the cap of .* for 1.00s" "$W/out" || hc_fail "no stop message: $(cat "$W/out")"
[ "$(hc_json "$W/m.json" failed)" = 0 ] || hc_fail "keys failed under the cap: $(cat "$W/m.json")"
used=$(rcli info memory | tr -d '\r' | sed -n 's/^used_memory://p')
[ "$used" -le 3145728 ] || hc_fail "used_memory $used went past maxmemory"
[ "$(rcli dbsize)" = "$(hc_json "$W/m.json" warmed)" ] || hc_fail "dbsize $(rcli dbsize) != warmed"
echo "ok: --max-memory stops after --memory-wait with used memory under maxmemory"
rcli flushall >/dev/null
(sleep 1.5 && rcli config set maxmemory 200mb >/dev/null) &
raiser=$!
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/big.kv" --max-memory 80% \
    --memory-wait 60s --json "$W/m.json" >"$W/out" 2>&1 || hc_fail "paused run failed: $(cat "$W/out")"
wait $raiser
grep -q "pausing" "$W/out" && grep -q "resuming" "$W/out" || hc_fail "no pause/resume: $(cat "$W/out")"
[ "$(rcli dbsize)" = 20000 ] || hc_fail "after the pause: dbsize $(rcli dbsize)"
rcli config set maxmemory 0 >/dev/null
echo "ok: --max-memory pauses and resumes"

# ---- Redis answers OOM: exact counts, exit 1, the checkpoint lets a rerun finish ----
rcli flushall >/dev/null
rcli config set maxmemory 3mb >/dev/null
rm -f "$W/ck-oom"
rc=0
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/big.kv" --checkpoint "$W/ck-oom" \
    --json "$W/oom.json" >"$W/out" 2>&1 || rc=$?
[ $rc = 1 ] || hc_fail "OOM: exit $rc"
grep -q "Redis is out of memory" "$W/out" || hc_fail "no OOM message: $(cat "$W/out")"
[ "$(rcli dbsize)" = "$(hc_json "$W/oom.json" warmed)" ] ||
    hc_fail "OOM: dbsize $(rcli dbsize) != warmed $(hc_json "$W/oom.json" warmed)"
[ "$(hc_json "$W/oom.json" failed)" -gt 0 ] || hc_fail "OOM: no failed keys counted"
rcli config set maxmemory 0 >/dev/null
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/big.kv" --checkpoint "$W/ck-oom" -q ||
    hc_fail "rerun after OOM failed"
[ "$(rcli dbsize)" = 20000 ] || hc_fail "after the OOM rerun: dbsize $(rcli dbsize)"
echo "ok: an OOM reply stops the run with exact counts; the rerun finishes"

# ---- killed mid-way, resumed from the checkpoint ----
rcli flushall >/dev/null
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/k.kv" --checkpoint "$W/ck" --batch 100 \
    --max-rate 2000/s -q &
hp=$!
for _ in $(seq 400); do
    [ -s "$W/ck" ] && [ "$(sed -n 's/^items //p' "$W/ck")" -ge 2000 ] && break
    sleep 0.05
done
kill -9 $hp
wait $hp 2>/dev/null || true
before=$(sed -n 's/^items //p' "$W/ck")
[ "$before" -gt 0 ] && [ "$before" -lt 10000 ] || hc_fail "checkpoint after kill: $before items"
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/k.kv" --checkpoint "$W/ck" \
    --json "$W/c.json" >"$W/out" 2>&1 || hc_fail "resumed run failed: $(cat "$W/out")"
warmed=$(hc_json "$W/c.json" warmed)
skipped=$(hc_json "$W/c.json" skipped)
[ "$warmed" -lt 10000 ] || hc_fail "the resumed run warmed all $warmed keys again"
[ "$skipped" -ge "$before" ] || hc_fail "skipped $skipped < checkpoint $before"
[ $((warmed + skipped)) = 10000 ] || hc_fail "warmed $warmed + skipped $skipped != 10000"
[ "$(rcli dbsize)" = 10000 ] || hc_fail "after resuming: dbsize $(rcli dbsize)"
check_values "$W/k.kv" || hc_fail "values differ after resuming"
grep -q "continuing after the checkpoint" "$W/out" || hc_fail "no resume note"
# A checkpoint of another source is refused.
rc=0
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/k4.kv" --checkpoint "$W/ck" -q \
    2>"$W/err" || rc=$?
[ $rc = 1 ] && grep -q "records another source" "$W/err" || hc_fail "foreign checkpoint: $rc"
echo "ok: killed after $before keys, the rerun warmed $warmed and skipped $skipped"

# ---- malformed lines: file:line messages, exit 1, good lines loaded ----
rcli flushall >/dev/null
# line | text | what the message must say
bad_kv=(
    "2|novalue|expected KEY, a tab or space"
    "4| leading space|expected KEY before"
    "6|	tab first|expected KEY before"
)
{
    echo "g:1 one"
    echo "novalue"
    echo "g:2 two"
    echo " leading space"
    echo "g:3 three"
    printf '\ttab first\n'
    echo "g:4 four"
} >"$W/bad.kv"
rc=0
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/bad.kv" --json "$W/b.json" \
    >"$W/out" 2>&1 || rc=$?
[ $rc = 1 ] || hc_fail "malformed kv: exit $rc"
for row in "${bad_kv[@]}"; do
    IFS='|' read -r line _ want <<<"$row"
    grep -q "bad.kv:$line: $want" "$W/out" || hc_fail "no 'bad.kv:$line: $want' in $(cat "$W/out")"
done
[ "$(hc_json "$W/b.json" failed)" = 3 ] && [ "$(hc_json "$W/b.json" warmed)" = 4 ] ||
    hc_fail "malformed kv counts: $(cat "$W/b.json")"
for i in 1 2 3 4; do
    [ -n "$(rcli get g:$i)" ] || hc_fail "g:$i not loaded"
done
bad_jsonl=(
    '2|{"key":"a"}|expected a "value" member'
    '3|not json|expected a JSON object: column'
    '4|{"key":"b","value":"v","tll":5}|unexpected member "tll"'
    '5|{"key":"","value":"v"}|expected "key" to be a non-empty string'
    '6|{"key":"c","value":"v","ttl":-3}|expected "ttl" to be a positive number'
)
{
    echo '{"key":"h:1","value":"one"}'
    for row in "${bad_jsonl[@]}"; do
        IFS='|' read -r _ text _ <<<"$row"
        echo "$text"
    done
    echo '{"key":"h:2","value":"two"}'
} >"$W/bad.jsonl"
rc=0
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/bad.jsonl" --format jsonl \
    --json "$W/b.json" >"$W/out" 2>&1 || rc=$?
[ $rc = 1 ] || hc_fail "malformed jsonl: exit $rc"
for row in "${bad_jsonl[@]}"; do
    IFS='|' read -r line _ want <<<"$row"
    grep -qF "bad.jsonl:$line: $want" "$W/out" || hc_fail "no 'bad.jsonl:$line: $want' in $(cat "$W/out")"
done
[ "$(rcli get h:1)" = one ] && [ "$(rcli get h:2)" = two ] || hc_fail "good jsonl lines lost"
[ "$(hc_json "$W/b.json" failed)" = 5 ] || hc_fail "malformed jsonl counts: $(cat "$W/b.json")"
printf '*3\r\n$3\r\nSET\r\n$2\r\np1\r\n$1\r\n1\r\nSET p2 2\r\n*3\r\n$3\r\nSET\r\n$2\r\np3\r\n$1\r\n3\r\n*2\r\n$3\r\nGET\r\n' >"$W/bad.resp"
rc=0
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/bad.resp" --format resp \
    >"$W/out" 2>&1 || rc=$?
[ $rc = 1 ] || hc_fail "malformed resp: exit $rc"
grep -qF "bad.resp:8: expected '*'" "$W/out" || hc_fail "resp line 8: $(cat "$W/out")"
grep -qF "bad.resp:16: expected the rest of the command" "$W/out" || hc_fail "resp line 16: $(cat "$W/out")"
[ "$(rcli get p1)" = 1 ] && [ "$(rcli get p3)" = 3 ] || hc_fail "good resp commands lost"
echo "ok: malformed lines reported with file:line, the good ones loaded"

# ---- Redis dies mid-way ----
rcli flushall >/dev/null
rm -f "$W/ck"
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/k.kv" --checkpoint "$W/ck" --batch 100 \
    --max-rate 2000/s --json "$W/d.json" >"$W/out" 2>&1 &
hp=$!
for _ in $(seq 400); do
    [ -s "$W/ck" ] && [ "$(sed -n 's/^items //p' "$W/ck")" -ge 1000 ] && break
    sleep 0.05
done
kill -9 "$HC_REDIS_PID"
rc=0
wait $hp || rc=$?
[ $rc = 1 ] || hc_fail "Redis died: exit $rc: $(cat "$W/out")"
grep -Eq "lost the connection to Redis|cannot send to Redis" "$W/out" || hc_fail "no message: $(cat "$W/out")"
warmed=$(hc_json "$W/d.json" warmed)
[ "$warmed" -gt 0 ] && [ "$warmed" -lt 10000 ] || hc_fail "warmed $warmed"
done_ck=$(sed -n 's/^done //p' "$W/ck")
[ "$done_ck" -le "$warmed" ] || hc_fail "checkpoint records $done_ck done, more than $warmed warmed"
hc_redis_start
"$HCWARM" redis --target "$HC_REDIS_URL" --from-file "$W/k.kv" --checkpoint "$W/ck" \
    --json "$W/d2.json" -q || hc_fail "rerun after the crash failed"
[ $(($(hc_json "$W/d2.json" warmed) + $(hc_json "$W/d2.json" skipped))) = 10000 ] ||
    hc_fail "rerun counts: $(cat "$W/d2.json")"
echo "ok: Redis killed mid-way: exit 1 after $warmed keys, the rerun finished"

# ---- --from-hotkeys and --from-store against a real hcserver ----
source "$(dirname "$0")/lib_hcserver.sh" "$BUILD"
source "$(dirname "$0")/lib_hcwarm.sh"
rcli flushall >/dev/null
start_server
ids=()
for u in 1 2 3 4 5 6 7 8; do
    expect 201 POST /api/orders "{\"user_id\":$u,\"sku\":\"sku-$u\",\"qty\":$u,\"amount_cents\":$((u * 100))}" \
        -H "Idempotency-Key: o$u"
    ids+=("$(json "$LAST" "['id']")")
done
# Every order confirmed, so the bodies compared below no longer change.
wait_confirmed "${ids[@]}"
# Four orders read often enough to be hot (the report samples one read in eight).
hot=("${ids[1]}" "${ids[3]}" "${ids[4]}" "${ids[6]}")
make_hot "${hot[@]}"
HC_ADMIN_TOKEN=tok "$HCWARM" redis --target "$HC_REDIS_URL" --from-hotkeys "$URL" --ttl 1h -q ||
    hc_fail "--from-hotkeys failed"
same_orders "$W/hot.ids"
rc=0
"$HCWARM" redis --target "$HC_REDIS_URL" --from-hotkeys "$URL" --admin-token wrong -q 2>"$W/err" || rc=$?
[ $rc = 1 ] && grep -q "status 401" "$W/err" || hc_fail "a wrong token: exit $rc $(cat "$W/err")"
echo "ok: --from-hotkeys stored exactly the hot orders' JSON under hc:order:{id}"
rcli flushall >/dev/null
"$HCWARM" redis --target "$HC_REDIS_URL" --from-store "sqlite:$WORK/data" --order requested \
    --from-hotkeys "$URL" --admin-token tok -q || hc_fail "--from-store --order requested failed"
same_orders "$W/hot.ids"
echo "ok: --from-store --order requested read the hot orders from the shard files"
stop_server
rcli flushall >/dev/null
"$HCWARM" redis --target "$HC_REDIS_URL" --from-store "sqlite:$WORK/data" --limit 5 \
    --json "$W/st.json" -q || hc_fail "--from-store failed"
# The five most recently created: the last five posted.
printf '%s\n' "${ids[@]:3}" | sort >"$W/recent.ids"
same_orders "$W/recent.ids"
[ "$(hc_json "$W/st.json" warmed)" = 5 ] || hc_fail "store counts: $(cat "$W/st.json")"
rc=0
"$HCWARM" redis --target "$HC_REDIS_URL" --from-store "sqlite:$W/nowhere" -q 2>"$W/err" || rc=$?
[ $rc = 1 ] && grep -q "no shard files" "$W/err" || hc_fail "no store: exit $rc $(cat "$W/err")"
echo "ok: --from-store put the most recent orders' JSON under hc:order:{id}"

# ---- usage errors ----
for args in "" "redis" "redis --target $HC_REDIS_URL" "bogus --target x" \
    "redis --target $HC_REDIS_URL --from-file x --format resp --ttl 1m" \
    "redis --target http://x --from-file x" "redis --target $HC_REDIS_URL --from-file x --batch 0"; do
    rc=0
    # shellcheck disable=SC2086
    "$HCWARM" $args >/dev/null 2>&1 || rc=$?
    [ $rc = 2 ] || hc_fail "'hcwarm $args' exited $rc, not 2"
done
rc=0
"$HCWARM" redis --target "redis://127.0.0.1:$(hc_free_port)" --from-file "$W/k.kv" 2>"$W/err" || rc=$?
[ $rc = 1 ] && grep -q "cannot connect" "$W/err" || hc_fail "no Redis: exit $rc $(cat "$W/err")"
echo "ok: usage errors exit 2, no Redis exits 1"
