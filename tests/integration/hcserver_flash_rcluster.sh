#!/usr/bin/env bash
# integration.hcserver_flash_rcluster: every check of hcserver_flash_redis.sh (hcserver_flash.sh
# on the Redis queue; two instances sharing a sale without oversell; kill -9 of an instance and
# the reclaim of its tickets) with --queue redis-cluster://, on three masters with a replica
# each started here: a sale's stock, users, stream and orders share one hash tag, so the grab
# script runs on one master and the consumer group reads the stream from it.
# Usage: hcserver_flash_rcluster.sh <build-dir> <source-dir>
HC_FLASH_REDIS_CLUSTER=1 exec bash "$(dirname "$0")/hcserver_flash_redis.sh" "$@"
