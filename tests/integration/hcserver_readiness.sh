#!/usr/bin/env bash
# integration.hcserver_readiness: hcserver listens before its stores are open, and until they
# are it is alive but not ready: /healthz 200, /readyz 503 {"ready":false,"reason":"starting"},
# every /api/ route 503 (problem+json, Retry-After: 1), hc_ready 0 in /metrics. Once the
# stores open, /readyz says 200 and orders are taken.
#
# Store opening is made slow with a real lock, not a switch in the server: a first run creates
# the shards (SQLite in WAL mode), then python3's sqlite3 module holds shard-0.db with
# "PRAGMA locking_mode=EXCLUSIVE" and "BEGIN EXCLUSIVE" while hcserver starts. In WAL mode a
# plain BEGIN IMMEDIATE or BEGIN EXCLUSIVE would not stop it (readers and the schema's
# CREATE ... IF NOT EXISTS go on beside a writer); the exclusive locking mode keeps every other
# connection out of the file, so the first statement hcserver runs on it (the
# "PRAGMA journal_mode=WAL" in sqlite_file.c) waits until the lock is released. The lock is
# held until the checks below are done (at most 8 s, inside the 10 s hcserver waits).
# A second case: a fresh shard file still in SQLite's default journal mode, held by a plain
# writer (BEGIN IMMEDIATE), as an operator's sqlite3 shell would. Switching it to WAL needs it
# unlocked and SQLite refuses at once rather than waiting; hcserver must wait (not readiness,
# not an exit) and become ready when the writer commits.
# Usage: hcserver_readiness.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need curl python3
source "$(dirname "$0")/lib_hcserver.sh"

# A first run creates the shard files; an order on shard 0 shows the data survives the wait.
start_server --confirm-delay 1h
expect 201 POST /api/orders '{"user_id":4,"sku":"before","qty":1,"amount_cents":1}'
BEFORE=$(json "$LAST" "['id']")
stop_server
[ -f "$WORK/data/shard-0.db" ] || fail "no shard-0.db after the first run"

# hold_shard0 exclusive|writer: holds shard-0.db from python3 until $WORK/release appears (or
# 8 s pass), in the background as HOLDER; returns once the lock is held. exclusive: the
# exclusive locking mode, which keeps every other connection out of a WAL file. writer: a
# plain write transaction on a file (created if need be) in the default journal mode.
hold_shard0() {
    rm -f "$WORK/locked" "$WORK/release"
    python3 - "$1" "$WORK/data/shard-0.db" "$WORK/locked" "$WORK/release" <<'PY' &
import os, sqlite3, sys, time
mode, path, locked, release = sys.argv[1:]
db = sqlite3.connect(path, isolation_level=None, timeout=0)
if mode == "exclusive":
    db.execute("PRAGMA locking_mode=EXCLUSIVE")
    db.execute("BEGIN EXCLUSIVE")
else:
    db.execute("CREATE TABLE IF NOT EXISTS held (a)")
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO held VALUES (1)")
open(locked, "w").write("locked\n")
deadline = time.time() + 8
while not os.path.exists(release) and time.time() < deadline:
    time.sleep(0.02)
# The lock was taken without waiting; its end may wait: in the default journal mode a COMMIT
# needs hcserver's brief shared lock (its attempts to open the file) gone, and hcserver keeps
# trying while the writer holds.
db.execute("PRAGMA busy_timeout = 5000")
db.execute("ROLLBACK" if mode == "exclusive" else "COMMIT")
db.close()
PY
    HOLDER=$!
    hc_track "$HOLDER"
    hc_wait_file "$WORK/locked" 5 || fail "the $1 lock holder did not take the lock"
}

hold_shard0 exclusive

# Start without waiting for readiness (start_server waits for it by default).
START_UNTIL='listening on ' start_server --confirm-delay 1h

# --- while shard 0 is locked: alive, not ready, routes refused
grep -q ' ready: ' "$WORK/log" && fail "hcserver was ready while shard 0 was locked"
expect 200 GET /healthz
[ "$(json "$LAST" "['status']")" = ok ] || fail "healthz body while starting: $LAST"
expect 503 GET /readyz
[ "$(json "$LAST" "['ready']")" = False ] || fail "readyz body while starting: $LAST"
[ "$(json "$LAST" "['reason']")" = starting ] || fail "readyz reason while starting: $LAST"
curl -s -D "$WORK/h" -o "$WORK/body" -w '%{http_code}' --data-binary \
    '{"user_id":4,"sku":"early","qty":1,"amount_cents":1}' "$URL/api/orders" >"$WORK/code"
[ "$(cat "$WORK/code")" = 503 ] || fail "an order while starting got $(cat "$WORK/code")"
grep -qi '^Content-Type: application/problem+json' "$WORK/h" || fail "the 503 is not problem+json"
grep -qi '^Retry-After: 1' "$WORK/h" || fail "the 503 while starting has no Retry-After: 1"
[ "$(hc_json "$WORK/body" status)" = 503 ] || fail "503 body: $(cat "$WORK/body")"
expect 503 GET "/api/orders/$BEFORE"
expect 503 GET /api/users/4/orders
curl -s "$URL/metrics" >"$WORK/metrics"
grep -q '^hc_ready 0$' "$WORK/metrics" || fail "hc_ready is not 0 while starting"
sleep 1 # still waiting on the lock a while later: blocked, not merely slow
expect 503 GET /readyz
grep -q ' ready: ' "$WORK/log" && fail "hcserver became ready while shard 0 was locked"
kill -0 "$HOLDER" 2>/dev/null || fail "the lock holder let go before the checks ended"

# --- the lock goes: the stores open, readiness follows, orders are taken
touch "$WORK/release"
wait "$HOLDER" || fail "the lock holder failed"
for _ in $(seq 400); do
    grep -q ' ready: ' "$WORK/log" 2>/dev/null && break
    kill -0 "$PID" 2>/dev/null || fail "hcserver exited while opening its stores"
    sleep 0.05
done
grep -q ' ready: ' "$WORK/log" || fail "hcserver not ready after the lock was released"
expect 200 GET /readyz
[ "$(json "$LAST" "['ready']")" = True ] || fail "readyz body once ready: $LAST"
expect 201 POST /api/orders '{"user_id":4,"sku":"after","qty":1,"amount_cents":1}'
AFTER=$(json "$LAST" "['id']")
expect 200 GET "/api/orders/$AFTER"
[ "$(json "$LAST" "['sku']")" = after ] || fail "the new order reads back as $LAST"
expect 200 GET "/api/orders/$BEFORE"
[ "$(json "$LAST" "['sku']")" = before ] || fail "the order from the first run reads back as $LAST"
curl -s "$URL/metrics" >"$WORK/metrics"
grep -q '^hc_ready 1$' "$WORK/metrics" || fail "hc_ready is not 1 once ready"
stop_server

# --- a fresh shard held by a writer in the default journal mode
rm -rf "$WORK/data"
mkdir -p "$WORK/data"
hold_shard0 writer
START_UNTIL='listening on ' start_server --confirm-delay 1h
sleep 1
kill -0 "$PID" 2>/dev/null || fail "hcserver gave up on a shard held by a writer: $(tail -3 "$WORK/log")"
expect 503 GET /readyz
[ "$(json "$LAST" "['reason']")" = starting ] || fail "readyz body while a writer holds: $LAST"
touch "$WORK/release"
wait "$HOLDER" || fail "the writer failed"
for _ in $(seq 400); do
    grep -q ' ready: ' "$WORK/log" 2>/dev/null && break
    kill -0 "$PID" 2>/dev/null || fail "hcserver exited while opening its stores: $(tail -3 "$WORK/log")"
    sleep 0.05
done
expect 200 GET /readyz
expect 201 POST /api/orders '{"user_id":4,"sku":"fresh","qty":1,"amount_cents":1}'
stop_server
echo "hcserver_readiness: ok"
