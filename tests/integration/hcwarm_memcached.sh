# tests/integration/hcwarm_memcached.sh: `hcwarm memcached` against a real memcached: every
# key of a file lands with its value and a TTL in the jitter's range, --only-missing keeps
# values, the rate cap holds, malformed lines are reported while the good ones load, keys
# Memcached refuses in the middle of a pipelined window fail alone, a preload killed mid-way
# resumes from its checkpoint, a memcached that dies or stops answering mid-way ends the run
# with exit 1 and a clear message, and a server that is not Memcached 1.6 is refused.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_redis.sh"
hc_need memcached python3
BUILD=$1
HCWARM=$BUILD/hcwarm/hcwarm
W=$HC_TMP
hc_memcached_start

now_ms() { date +%s%3N; }

# mc_check FILE [TTL_LO TTL_HI]: every key of kv FILE is in memcached with its value (and,
# with the bounds, a remaining TTL in seconds within them), through the meta protocol.
mc_check() {
    python3 - "$HC_MC_PORT" "$@" <<'PY'
import socket, sys
port, path = int(sys.argv[1]), sys.argv[2]
lo = int(sys.argv[3]) if len(sys.argv) > 3 else None
hi = int(sys.argv[4]) if len(sys.argv) > 4 else None
want = [l.rstrip("\n").split(None, 1) for l in open(path) if l.strip()]
s = socket.create_connection(("127.0.0.1", port))
f = s.makefile("rb")
bad = 0
ttls = []
for i in range(0, len(want), 500):
    chunk = want[i:i + 500]
    s.sendall(b"".join(b"mg %s t v\r\n" % k.encode() for k, _ in chunk))
    for k, v in chunk:
        head = f.readline().split()
        if head[0] != b"VA":
            bad += 1
            print("missing", k)
            continue
        data = f.read(int(head[1]) + 2)[:-2].decode()
        ttl = int([x for x in head[2:] if x.startswith(b"t")][0][1:])
        ttls.append(ttl)
        if data != v:
            bad += 1
            print(k, repr(data), "!=", repr(v))
if lo is not None and ttls and (min(ttls) < lo or max(ttls) > hi):
    print("TTLs from", min(ttls), "to", max(ttls), "outside", lo, hi)
    bad += 1
sys.exit(1 if bad else 0)
PY
}

python3 -c 'import sys
with open(sys.argv[1], "w") as f:
    for i in range(10000):
        f.write(f"k:{i}\tvalue {i}\n")' "$W/k.kv"

# ---- 10,000 keys with TTL and jitter ----
"$HCWARM" memcached --target "$HC_MC_URL" --from-file "$W/k.kv" --ttl 10m --jitter 1m \
    --json "$W/s.json" >"$W/out" 2>&1 || hc_fail "preload failed: $(cat "$W/out")"
[ "$(hc_json "$W/s.json" warmed)" = 10000 ] || hc_fail "warmed: $(cat "$W/s.json")"
mc_check "$W/k.kv" 590 660 || hc_fail "values or TTLs differ"
echo "ok: 10000 keys with values and TTLs in [10m, 11m]"

# ---- --only-missing keeps a value set beforehand ----
printf 'k:5 fresher\n' >"$W/one.kv"
"$HCWARM" memcached --target "$HC_MC_URL" --from-file "$W/one.kv" -q || hc_fail "set k:5"
"$HCWARM" memcached --target "$HC_MC_URL" --from-file "$W/k.kv" --only-missing --json "$W/o.json" \
    -q || hc_fail "--only-missing failed"
[ "$(hc_json "$W/o.json" already_present)" = 10000 ] || hc_fail "present: $(cat "$W/o.json")"
mc_check "$W/one.kv" || hc_fail "k:5 overwritten"
echo "ok: --only-missing keeps the values that were there"

# ---- --max-rate 2000/s over 4000 keys ----
head -4000 "$W/k.kv" | sed 's/^k:/r:/' >"$W/k4.kv"
t0=$(now_ms)
"$HCWARM" memcached --target "$HC_MC_URL" --from-file "$W/k4.kv" --max-rate 2000/s -q ||
    hc_fail "rate-capped preload failed"
took=$(($(now_ms) - t0))
[ "$took" -ge 1800 ] && [ "$took" -le 15000 ] || hc_fail "4000 keys at 2000/s took $took ms"
mc_check "$W/k4.kv" || hc_fail "rate-capped keys missing"
echo "ok: --max-rate 2000/s: 4000 keys in $took ms"

# ---- malformed lines ----
printf 'm:1 one\nnovalue\nm:2 two\n{"key":"x"}\nm:3 three\n' >"$W/bad.kv"
rc=0
"$HCWARM" memcached --target "$HC_MC_URL" --from-file "$W/bad.kv" --json "$W/b.json" \
    >"$W/out" 2>&1 || rc=$?
[ $rc = 1 ] || hc_fail "malformed: exit $rc"
grep -q "bad.kv:2: expected KEY" "$W/out" && grep -q "bad.kv:4: expected KEY" "$W/out" ||
    hc_fail "messages: $(cat "$W/out")"
printf 'm:1 one\nm:2 two\nm:3 three\n' >"$W/good.kv"
mc_check "$W/good.kv" || hc_fail "good lines lost"
# A key memcached cannot take (a space is impossible in kv; jsonl can carry one) fails alone.
printf '%s\n' '{"key":"has space","value":"v"}' '{"key":"j:1","value":"one"}' >"$W/bad.jsonl"
rc=0
"$HCWARM" memcached --target "$HC_MC_URL" --from-file "$W/bad.jsonl" --format jsonl \
    --json "$W/b.json" >"$W/out" 2>&1 || rc=$?
[ $rc = 1 ] && grep -q "bad.jsonl:1: Memcached refused the key" "$W/out" ||
    hc_fail "bad key: exit $rc: $(cat "$W/out")"
[ "$(hc_json "$W/b.json" warmed)" = 1 ] || hc_fail "bad key counts: $(cat "$W/b.json")"
echo "ok: malformed lines and refused keys reported, the good ones loaded"

# ---- a host name: localhost may resolve to ::1 first while memcached listens on 127.0.0.1 ----
printf 'lh:1 by-name\n' >"$W/lh.kv"
"$HCWARM" memcached --target "memcached://localhost:$HC_MC_PORT" --from-file "$W/lh.kv" -q ||
    hc_fail "memcached://localhost failed"
mc_check "$W/lh.kv" || hc_fail "memcached://localhost: the key is not there"
echo "ok: memcached://localhost"

# ---- keys Memcached refuses in the middle of a pipelined window ----
# A key over 250 bytes is refused before it is sent; a 2 MB value past memcached's 1 MB item
# limit is answered SERVER_ERROR after memcached read it. The keys around both still land, in
# one window (--batch 1000): the answers stayed in step with the sets.
python3 -c 'import sys
with open(sys.argv[1], "w") as f:
    for i in range(300):
        if i == 100:
            f.write("L" * 251 + " long key\n")
        elif i == 200:
            f.write("big:1 " + "x" * (2 << 20) + "\n")
        else:
            f.write(f"w:{i} value {i}\n")' "$W/win.kv"
grep '^w:' "$W/win.kv" >"$W/win_good.kv"
rc=0
"$HCWARM" memcached --target "$HC_MC_URL" --from-file "$W/win.kv" --batch 1000 \
    --json "$W/w.json" >"$W/out" 2>&1 || rc=$?
[ $rc = 1 ] || hc_fail "refused keys: exit $rc: $(cat "$W/out")"
grep -q "win.kv:101: Memcached refused the key: its text protocol takes 1 to 250 bytes" "$W/out" &&
    grep -q "win.kv:201: Memcached refused the key: SERVER_ERROR object too large" "$W/out" ||
    hc_fail "refused keys: messages: $(cat "$W/out")"
[ "$(hc_json "$W/w.json" warmed)" = 298 ] && [ "$(hc_json "$W/w.json" failed)" = 2 ] ||
    hc_fail "refused keys: counts: $(cat "$W/w.json")"
mc_check "$W/win_good.kv" || hc_fail "keys around the refused ones lost"
echo "ok: a long key and a too-large value refused in the middle of a window, 298 others stored"

# midway PREFIX TIMEOUT ITEMS: a preload of the 10,000 keys renamed PREFIX:N at 2000/s, in
# the background (PID hp, summary $W/PREFIX.json, output $W/out), once its checkpoint has
# passed ITEMS.
midway() {
    sed "s/^k:/$1:/" "$W/k.kv" >"$W/$1.kv"
    "$HCWARM" memcached --target "$HC_MC_URL" --from-file "$W/$1.kv" --checkpoint "$W/$1.ck" \
        --batch 100 --max-rate 2000/s --timeout "$2" --json "$W/$1.json" >"$W/out" 2>&1 &
    hp=$!
    for _ in $(seq 400); do
        [ -s "$W/$1.ck" ] && [ "$(sed -n 's/^items //p' "$W/$1.ck")" -ge "$3" ] && break
        sleep 0.05
    done
}

# ---- a memcached that stops answering: --timeout ends the run ----
midway s 1s 500
kill -STOP "$HC_MC_PID"
rc=0
t0=$(now_ms)
wait $hp || rc=$?
took=$(($(now_ms) - t0))
kill -CONT "$HC_MC_PID"
[ $rc = 1 ] && grep -q "lost the connection to Memcached.*no answer within --timeout" "$W/out" ||
    hc_fail "stalled memcached: exit $rc: $(cat "$W/out")"
[ "$took" -le 10000 ] || hc_fail "stalled memcached: the run ended $took ms after the stop"
echo "ok: a stopped memcached ends the run after --timeout ($took ms)"

# ---- killed mid-way, resumed ----
sed 's/^k:/c:/' "$W/k.kv" >"$W/c.kv"
"$HCWARM" memcached --target "$HC_MC_URL" --from-file "$W/c.kv" --checkpoint "$W/ck" --batch 100 \
    --max-rate 2000/s -q &
hp=$!
for _ in $(seq 400); do
    [ -s "$W/ck" ] && [ "$(sed -n 's/^items //p' "$W/ck")" -ge 2000 ] && break
    sleep 0.05
done
kill -9 $hp
wait $hp 2>/dev/null || true
before=$(sed -n 's/^items //p' "$W/ck")
[ "$before" -gt 0 ] && [ "$before" -lt 10000 ] || hc_fail "checkpoint after kill: $before"
"$HCWARM" memcached --target "$HC_MC_URL" --from-file "$W/c.kv" --checkpoint "$W/ck" \
    --json "$W/c.json" -q || hc_fail "resumed run failed"
warmed=$(hc_json "$W/c.json" warmed)
[ "$warmed" -lt 10000 ] && [ $((warmed + $(hc_json "$W/c.json" skipped))) = 10000 ] ||
    hc_fail "resume counts: $(cat "$W/c.json")"
mc_check "$W/c.kv" || hc_fail "keys missing after resuming"
echo "ok: killed after $before keys, the rerun warmed $warmed"

# ---- memcached dies mid-way ----
midway d 2s 1000
kill -9 "$HC_MC_PID"
rc=0
wait $hp || rc=$?
[ $rc = 1 ] && grep -q "lost the connection to Memcached" "$W/out" ||
    hc_fail "memcached died: exit $rc: $(cat "$W/out")"
warmed=$(hc_json "$W/d.json" warmed)
[ "$warmed" -gt 0 ] && [ "$warmed" -lt 10000 ] || hc_fail "warmed $warmed"
echo "ok: memcached killed mid-way: exit 1 after $warmed keys"

# A server that is not Memcached 1.6 (here Redis) is refused at connect, nothing sent.
hc_redis_start
rc=0
"$HCWARM" memcached --target "memcached://127.0.0.1:$HC_REDIS_PORT" --from-file "$W/k.kv" \
    2>"$W/err" || rc=$?
[ $rc = 1 ] && grep -q "Memcached 1.6 or later is needed" "$W/err" ||
    hc_fail "not memcached: exit $rc $(cat "$W/err")"
[ "$(rcli dbsize)" = 0 ] || hc_fail "not memcached: Redis got keys"
rc=0
"$HCWARM" memcached --target "$HC_MC_URL" --from-file "$W/k.kv" --format resp >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || hc_fail "--format resp for memcached: exit $rc"
rc=0
"$HCWARM" memcached --target "memcached://127.0.0.1:$(hc_free_port)" --from-file "$W/k.kv" \
    2>"$W/err" || rc=$?
[ $rc = 1 ] && grep -q "cannot connect" "$W/err" || hc_fail "no memcached: exit $rc $(cat "$W/err")"
echo "ok: usage and connection errors"
