#!/usr/bin/env bash
# integration.hcserver_idem_restart: an Idempotency-Key retried after a restart of hcserver on
# the same data directory gets what it got before the restart: the first answer (201 with the
# order as created, PENDING, even though it has been confirmed since) and
# Idempotent-Replayed: true; the same key with another body still gets 422.
# Usage: hcserver_idem_restart.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need curl python3
source "$(dirname "$0")/lib_hcserver.sh"

B='{"user_id":41,"sku":"retry","qty":2,"amount_cents":700}'
# post_key BODY: POST /api/orders with Idempotency-Key k-restart; headers in $WORK/h.
post_key() {
    curl -s -D "$WORK/h" -o "$WORK/body" -w '%{http_code}' --data-binary "$1" \
        -H 'Idempotency-Key: k-restart' "$URL/api/orders"
}

start_server --confirm-delay 50ms
[ "$(post_key "$B")" = 201 ] || fail "the first creation: $(cat "$WORK/body")"
FIRST=$(cat "$WORK/body")
ID=$(json "$FIRST" "['id']")
[ "$(json "$FIRST" "['status']")" = PENDING ] || fail "a new order is not PENDING: $FIRST"
# The confirmation worker moves it on, so its current state is no longer the first answer.
for _ in $(seq 200); do
    expect 200 GET "/api/orders/$ID"
    [ "$(json "$LAST" "['status']")" = CONFIRMED ] && break
    sleep 0.05
done
[ "$(json "$LAST" "['status']")" = CONFIRMED ] || fail "order $ID never confirmed: $LAST"
# Before the restart: the table in memory replays the first answer.
[ "$(post_key "$B")" = 201 ] || fail "the replay before the restart: $(cat "$WORK/body")"
grep -qi '^Idempotent-Replayed: true' "$WORK/h" || fail "no Idempotent-Replayed before the restart"
[ "$(cat "$WORK/body")" = "$FIRST" ] || fail "the replay before the restart differs: $(cat "$WORK/body")"
stop_server

start_server --confirm-delay 50ms
[ "$(post_key "$B")" = 201 ] || fail "the retry after the restart: $(cat "$WORK/body")"
grep -qi '^Idempotent-Replayed: true' "$WORK/h" ||
    fail "the retry after a restart is not marked Idempotent-Replayed: $(tr -d '\r' <"$WORK/h")"
[ "$(cat "$WORK/body")" = "$FIRST" ] ||
    fail "the retry after the restart got $(cat "$WORK/body"), not the first answer $FIRST"
grep -qi '^Location:' "$WORK/h" && fail "a replay carries headers the first answer's replay did not"
# Once more: now from the table, the same bytes.
[ "$(post_key "$B")" = 201 ] || fail "the second retry after the restart"
[ "$(cat "$WORK/body")" = "$FIRST" ] || fail "the second retry differs: $(cat "$WORK/body")"
# The same key with another body: 422, as before the restart; the key's answer is unchanged.
[ "$(post_key '{"user_id":41,"sku":"other","qty":2,"amount_cents":700}')" = 422 ] ||
    fail "another body with the key after the restart: $(cat "$WORK/body")"
stop_server
start_server --confirm-delay 50ms
[ "$(post_key '{"user_id":41,"sku":"other","qty":2,"amount_cents":700}')" = 422 ] ||
    fail "another body with the key, first after a restart: $(cat "$WORK/body")"
[ "$(post_key "$B")" = 201 ] || fail "the retry after a 422"
[ "$(cat "$WORK/body")" = "$FIRST" ] || fail "the retry after a 422 differs: $(cat "$WORK/body")"
expect 200 GET "/api/users/41/orders?limit=100"
[ "$(json "$LAST" "['orders'].__len__()")" = 1 ] || fail "retries made more than one order: $LAST"
stop_server
echo "ok"
