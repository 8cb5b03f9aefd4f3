/*
 * shard_stats.h: the hc_shard_* series of one shard, shared by every part of a store backend
 * that talks to it (its readers, the group committer, a fault-injecting wrapper), so they all
 * count into the same series:
 *
 *   hc_shard_queries_total{shard,role}           statements and transactions run
 *   hc_shard_errors_total{shard,role}            of those, the ones that failed
 *   hc_shard_query_duration_seconds{shard,role}  a read, or a whole committed batch
 *   hc_shard_up{shard,role}                      1 while the shard answers, else 0
 *   hc_shard_commit_batch_size{shard,role}       writes per committed transaction
 *
 * Updates are lock-free and may come from any thread.
 */
#ifndef HCSERVER_SHARD_STATS_H
#define HCSERVER_SHARD_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/metrics.h"

struct shard_stats {
    struct hc_metrics_counter *queries;   /* statements run */
    struct hc_metrics_counter *errors;    /* statements or commits that failed */
    struct hc_metrics_histogram *latency; /* seconds per read, per committed batch */
    struct hc_metrics_gauge *up;          /* 1 while the shard answers */
    struct hc_metrics_histogram *batch;   /* ops per committed transaction */
};

/*
 * The series of shard with role ("primary", "replica") in m, into *st; with m NULL, or when
 * the registry refuses, *st is all NULL and every update below does nothing. Marks the shard
 * up.
 */
void shard_stats_init(struct shard_stats *st, struct hc_metrics *m, unsigned shard,
                      const char *role);

/* Counts one statement (or transaction) begun at start_ns (CLOCK_MONOTONIC) that succeeded or
 * failed. */
void shard_stats_observe(const struct shard_stats *st, int64_t start_ns, bool ok);

/* A committed (or failed) batch of n writes: its size, and whether the shard is up. */
void shard_stats_batch(const struct shard_stats *st, size_t n, bool ok);

/* Marks the shard up or down. */
void shard_stats_up(const struct shard_stats *st, bool up);

#endif
