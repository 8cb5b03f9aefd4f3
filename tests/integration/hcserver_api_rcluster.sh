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
echo "ok: API suite on a Redis Cluster; $total order keys over the three masters"
