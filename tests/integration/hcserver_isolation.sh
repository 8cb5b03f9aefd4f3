#!/usr/bin/env bash
# integration.hcserver_isolation: resource isolation and degradation. A flood of behaviour
# events (non-critical pool) must not take the order routes down: while events flood, order
# reads and creations keep answering 2xx with a bounded p99, and events are shed (503) once
# their pool is deep instead of queueing without end.
# Usage: hcserver_isolation.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need curl python3
source "$(dirname "$0")/lib_hcserver.sh"


# One slow non-critical thread and a short queue: a flood must overflow it.
start_server --noncritical-threads 1 --pool-queue 200 --degrade-depth 16 --event-work 2ms
expect 201 POST /api/orders '{"user_id":11,"sku":"base","qty":1,"amount_cents":1}'
ID=$(json "$LAST" "['id']")

# baseline: order reads alone
"$TOOLS/hcserver_blast" get "$PORT" "/api/orders/$ID" 20000 16 >"$WORK/base"
BASE=$(awk '$1=="p99_ms" {print $2}' "$WORK/base")

# the same reads and some creations while 64 connections flood events
"$TOOLS/hcserver_blast" events "$PORT" 400000 64 >"$WORK/events" &
FLOOD=$!
sleep 0.5
"$TOOLS/hcserver_blast" get "$PORT" "/api/orders/$ID" 20000 16 >"$WORK/during"
"$TOOLS/hcserver_blast" create "$PORT" 2000 8 "$WORK/created" >"$WORK/create"
kill -TERM "$FLOOD" 2>/dev/null || true
wait "$FLOOD" 2>/dev/null || true
DURING=$(awk '$1=="p99_ms" {print $2}' "$WORK/during")
echo "order GET p99: alone ${BASE}ms, during the event flood ${DURING}ms"
grep -q '^status 200 20000$' "$WORK/during" || fail "order reads failed during the flood: $(cat "$WORK/during")"
grep -q '^status 201 2000$' "$WORK/create" || fail "creations failed during the flood: $(cat "$WORK/create")"
# 2 cores are shared by the flood, the reads and the server: allow a generous bound, but a
# read must never wait behind the event queue (which would be seconds).
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 100 else 1)" "$DURING" \
    || fail "order p99 ${DURING}ms during the flood"
curl -s "$URL/metrics" >"$WORK/metrics"
grep -q '^hc_degraded_total{route="POST /api/events"} [1-9]' "$WORK/metrics" \
    || grep -q '^hc_pool_rejected_total{pool="noncritical"} [1-9]' "$WORK/metrics" \
    || fail "the flood was neither shed nor rejected"
grep -q '^hc_pool_rejected_total{pool="critical"} 0$' "$WORK/metrics" || fail "critical pool rejected work"
expect 200 GET /healthz
stop_server
echo "hcserver_isolation: ok"
