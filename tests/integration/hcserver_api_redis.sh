#!/usr/bin/env bash
# integration.hcserver_api_redis: every check of hcserver_api.sh again, with the Redis L2
# (--cache redis://) in front of the shards and the Redis flash queue (--queue redis://), against
# a redis-server this test starts on a free
# loopback port: the API behaves the same on a shared cache as on the embedded default.
# Usage: hcserver_api_redis.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need redis-server redis-cli curl python3
source "$(dirname "$0")/lib_redis.sh"
hc_redis_start
HCSERVER_EXTRA="--cache $HC_REDIS_URL --queue $HC_REDIS_URL" bash "$(dirname "$0")/hcserver_api.sh" "$@" ||
    hc_fail "hcserver_api.sh failed with --cache and --queue $HC_REDIS_URL"
# The suite's reads went through Redis: it holds orders under the shared key rule.
[ "$(rcli --scan --pattern 'hc:order:*' | wc -l)" -gt 0 ] || hc_fail "no hc:order: keys in Redis"
