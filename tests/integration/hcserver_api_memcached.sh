#!/usr/bin/env bash
# integration.hcserver_api_memcached: every check of hcserver_api.sh again, with the Memcached
# L2 (--cache memcached://) in front of the shards, against a memcached this test starts on a
# free loopback port.
# Usage: hcserver_api_memcached.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need memcached curl python3
source "$(dirname "$0")/lib_redis.sh"
hc_memcached_start
HCSERVER_EXTRA="--cache $HC_MC_URL" bash "$(dirname "$0")/hcserver_api.sh" "$@" ||
    hc_fail "hcserver_api.sh failed with --cache $HC_MC_URL"
