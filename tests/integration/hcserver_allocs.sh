#!/usr/bin/env bash
# integration.hcserver_allocs: a warm hcserver answers GET /api/orders/{id} from its L1 cache
# without allocating.
#
# hcserver runs under valgrind, whose memcheck counts every malloc, calloc and realloc of the
# process and prints the total when it exits. It runs twice, the same way both times (start,
# one order created and read, the drain on SIGTERM), answering K cached GETs over one
# keep-alive connection the first time and 2K the second: the difference between the totals
# is what K more requests cost, and it must stay near zero (one allocation per request would
# add K). Skipped (77) without valgrind, and in sanitizer builds, which valgrind cannot run.
# Usage: hcserver_allocs.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need valgrind curl python3
source "$(dirname "$0")/lib_hcserver.sh"
if grep -q '^HC_SANITIZE:STRING=..*' "$BUILD/CMakeCache.txt"; then
    echo "skip: a sanitizer build does not run under valgrind"
    exit 77
fi
HCLOAD=$BUILD/hcload/hcload
K=500
# allocs runs in $(...), whose output is its figure: a failure there must say why on stderr.
fail() { { echo "FAIL: $*"; [ -f "$WORK/log" ] && tail -20 "$WORK/log"; } >&2; exit 1; }

# allocs N: runs hcserver under valgrind for N cached GETs of one order; prints its allocations.
allocs() {
    local n=$1 vg=$WORK/vg.$1 id
    rm -rf "$WORK/data"
    # One loop thread and one thread per pool, no background job due during the run (the
    # order's confirmation included: the 500-GET run would sometimes end before it, the longer
    # one never), and no expiry: the runs differ only in the number of GETs. Valgrind starts
    # slowly.
    WRAP=(valgrind --tool=memcheck --leak-check=no --log-file="$vg")
    START_WAIT=60 start_server --threads 1 --critical-threads 1 --secondary-threads 1 \
        --noncritical-threads 1 --compensate-every 1h --confirm-delay 1h --cache-ttl 1h --cache-jitter 0 \
        --synchronous off
    WRAP=()
    expect 201 POST /api/orders '{"user_id":7,"sku":"pizza","qty":1,"amount_cents":900}' >&2
    id=$(json "$LAST" "['id']")
    curl -s -D "$WORK/head" -o /dev/null "$URL/api/orders/$id"
    grep -qi '^X-Cache: L1' "$WORK/head" || fail "the order is not answered from L1"
    "$HCLOAD" -q -t 1 -c 1 -n "$n" --json "$WORK/run.json" "$URL/api/orders/$id" >&2
    [ "$(hc_json "$WORK/run.json" responses 200)" = "$n" ] || fail "hcload: not $n answers 200"
    stop_server
    grep -o 'total heap usage: [0-9,]* allocs' "$vg" | tr -dc '0-9' ||
        fail "no heap summary from valgrind: $(tail -5 "$vg")"
}

one=$(allocs $K) || exit 1
two=$(allocs $((2 * K))) || exit 1
extra=$((two - one))
echo "allocations: $one for $K GETs, $two for $((2 * K)): $extra for $K more"
# Timers and wake-ups differ a little between runs; a per-request allocation would add K.
[ "$extra" -lt $((K / 10)) ] || fail "$K more cached GETs cost $extra allocations (want ~0)"
echo "ok"
