#!/usr/bin/env bash
# integration.hcserver_operators: what an operator is told when the disk fills, made for real
# on a small tmpfs. Every write then fails: the log says once per shard that its writes fail,
# with SQLite's reason ("database or disk is full"), and once that its breaker opened, however
# many requests fail; /readyz turns 503 "no shard can take writes" once every shard's breaker
# is open. When space returns: once "writes commit again" and "breaker closed" per shard, and
# /readyz 200. Needs root for the mount (skipped otherwise).
# Usage: hcserver_operators.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need curl python3
source "$(dirname "$0")/lib_hcserver.sh"

MNT=$WORK/small
mkdir -p "$MNT"
mount -t tmpfs -o size=8m tmpfs "$MNT" 2>/dev/null || { echo "skip: cannot mount a tmpfs"; exit 77; }
# Stop hcserver before the mount goes, and the mount before the scratch directory.
trap '[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; wait 2>/dev/null; umount -l "$MNT"; hc_cleanup' EXIT

start_server --data-dir "$MNT/data" --shards 2 --breaker-errors 3 --breaker-cooldown 2s \
    --confirm-delay 1h
for u in 2 1; do
    expect 201 POST /api/orders "{\"user_id\":$u,\"sku\":\"full\",\"qty\":1,\"amount_cents\":1}"
done
expect 200 GET /readyz

# Fill the disk: every write of both shards fails from now on.
dd if=/dev/zero of="$MNT/fill" bs=64k 2>/dev/null || true
: >"$WORK/codes"
for i in $(seq 12); do
    for u in 2 1; do
        req POST /api/orders "{\"user_id\":$u,\"sku\":\"full\",\"qty\":1,\"amount_cents\":1}" |
            cut -d' ' -f1 >>"$WORK/codes"
    done
done
grep -qv '^\(500\|503\)$' "$WORK/codes" && fail "writes on a full disk got $(sort "$WORK/codes" | uniq -c)"
grep -q '^503$' "$WORK/codes" || fail "no 503 once the breakers opened: $(sort "$WORK/codes" | uniq -c)"
for s in 0 1; do
    n=$(grep -c "shard $s: writes fail: database or disk is full" "$WORK/log" || true)
    [ "$n" = 1 ] || fail "shard $s: $n 'writes fail ... disk is full' lines for 12 failed writes"
    n=$(grep -c "shard $s: breaker open after 3 failures" "$WORK/log" || true)
    [ "$n" = 1 ] || fail "shard $s: $n 'breaker open' lines"
done
code=$(curl -s -o "$WORK/body" -w '%{http_code}' "$URL/readyz")
[ "$code" = 503 ] || fail "/readyz with every breaker open: $code $(cat "$WORK/body")"
[ "$(json "$(cat "$WORK/body")" "['reason']")" = "no shard can take writes" ] ||
    fail "/readyz reason: $(cat "$WORK/body")"
expect 200 GET /healthz

# Space returns: after the cooldown, the trial writes commit and the breakers close.
rm -f "$MNT/fill"
for u in 2 1; do
    ok=0
    for _ in $(seq 100); do
        got=$(req POST /api/orders "{\"user_id\":$u,\"sku\":\"back\",\"qty\":1,\"amount_cents\":1}")
        [ "${got%% *}" = 201 ] && { ok=1; break; }
        sleep 0.1
    done
    [ $ok = 1 ] || fail "user $u: no 201 once space returned: $got"
done
expect 201 POST /api/orders '{"user_id":2,"sku":"back","qty":1,"amount_cents":1}'
for s in 0 1; do
    n=$(grep -c "shard $s: writes commit again" "$WORK/log" || true)
    [ "$n" = 1 ] || fail "shard $s: $n 'writes commit again' lines"
    n=$(grep -c "shard $s: breaker closed" "$WORK/log" || true)
    [ "$n" = 1 ] || fail "shard $s: $n 'breaker closed' lines"
done
expect 200 GET /readyz
stop_server
echo "ok"
