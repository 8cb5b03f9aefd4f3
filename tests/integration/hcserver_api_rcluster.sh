#!/usr/bin/env bash
# integration.hcserver_api_rcluster: every check of hcserver_api.sh again, with the Redis L2
# and the Redis flash queue on a Redis Cluster (--cache and --queue redis-cluster://): three
# masters with a replica each, started by this test on free loopback ports. The API behaves
# the same on a cluster as on one Redis, and the keys spread: order keys over every master, a
# sale's keys on one slot.
# Usage: hcserver_api_rcluster.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need redis-server redis-cli curl python3
source "$(dirname "$0")/lib_redis.sh"
hc_redis_cluster_start
HCSERVER_EXTRA="--cache $HC_RC_URL --queue $HC_RC_URL" bash "$(dirname "$0")/hcserver_api.sh" "$@" ||
    hc_fail "hcserver_api.sh failed with --cache and --queue $HC_RC_URL"

# The suite's reads went through the cluster, and its order keys sit on every master.
total=0
for p in "${HC_RC_PORTS[@]:0:3}"; do
    role=$(redis-cli -p "$p" role | head -1)
    [ "$role" = master ] || continue
    n=$(redis-cli -p "$p" --scan --pattern 'hc:order:*' | wc -l)
    [ "$n" -gt 0 ] || hc_fail "master $p holds no hc:order: key (the keys do not spread)"
    total=$((total + n))
done
[ "$total" -gt 0 ] || hc_fail "no hc:order: keys in the cluster"

# A sale's keys share one slot: every hc:flash:{SKU}:* key of one SKU is on one master.
for key in $(rccli --scan --pattern 'hc:flash:{*}:stock' | head -3); do
    sku=${key#hc:flash:\{}
    sku=${sku%\}:stock}
    slot=$(rccli cluster keyslot "$key")
    for part in users tickets orders; do
        k="hc:flash:{$sku}:$part"
        [ "$(rccli cluster keyslot "$k")" = "$slot" ] || hc_fail "$k is not on $key's slot"
    done
done

# Two instances share the cluster's L2: B answers A's order from it, and a PATCH through A
# reaches B's L1 through the invalidation channel (published on the order key's master).
source "$(dirname "$0")/lib_hcserver.sh"
WORK=$HC_TMP/a && mkdir -p "$WORK" && start_server --cache "$HC_RC_URL" && A_URL=$URL
WORK=$HC_TMP/b && mkdir -p "$WORK" && start_server --cache "$HC_RC_URL" && B_URL=$URL
ID=$(curl -s -X POST --data-binary '{"user_id":7,"sku":"tea","qty":1,"amount_cents":300}' \
    "$A_URL/api/orders" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
sleep 0.2
curl -s -D "$HC_TMP/h" -o /dev/null "$B_URL/api/orders/$ID"
grep -qi '^X-Cache: L2' "$HC_TMP/h" || hc_fail "B's answer for A's order is not from L2: $(cat "$HC_TMP/h")"
curl -s -D "$HC_TMP/h" -o /dev/null "$B_URL/api/orders/$ID"
grep -qi '^X-Cache: L1' "$HC_TMP/h" || hc_fail "B's second read is not from its L1"
curl -s -o /dev/null -X PATCH --data-binary '{"status":"CANCELLED"}' "$A_URL/api/orders/$ID"
fresh=
for _ in $(seq 100); do
    if curl -s "$B_URL/api/orders/$ID" | grep -q '"status":"CANCELLED"'; then
        fresh=1
        break
    fi
    sleep 0.05
done
[ -n "$fresh" ] || hc_fail "B serves A's order stale 5 s after the PATCH"
inval=$(curl -s "$B_URL/metrics" | awk '$1 == "hc_l2_invalidations_total" { print $2 + 0 }')
[ "${inval:-0}" -ge 1 ] || hc_fail "B counted no invalidation"
echo "ok: API suite on a Redis Cluster; $total order keys over the three masters; B heard A's change"
