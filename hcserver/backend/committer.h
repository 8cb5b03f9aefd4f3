/*
 * committer.h: group commit for any store backend: a bounded write queue and a committer
 * thread per shard, batching, and the batch metrics (shard_stats.h).
 *
 * A backend supplies its transaction as four callbacks per shard; submitting an op puts it on
 * the shard's queue; the shard's thread takes everything waiting (up to batch_max), runs
 * begin, apply for each op, commit (rollback when any step failed, and then every op of the
 * batch fails with -EIO), and only then calls each op's done callback, in queue order. One
 * commit thus acknowledges every write that arrived while the previous one ran: with an fsync
 * per commit that is what makes durable writes cheap. Because a shard's writes all come from
 * its own thread, the backend's write connection of a shard is used by one thread only.
 *
 * The callbacks run on the shard's thread, one at a time per shard.
 *
 * The log (hc_log_cond, once per change): a shard whose writes start failing (a batch that
 * failed, or a write that failed with -EIO, with the backend's reason) and commit again; a
 * shard that starts refusing writes for their expected wait, and stops.
 */
#ifndef HCSERVER_COMMITTER_H
#define HCSERVER_COMMITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/store.h"
#include "hc/metrics.h"

/* A backend's transaction on one shard; arg is committer_config.arg. */
struct committer_ops {
    /* Opens a transaction on shard. 0, or a negative code: the batch fails. */
    int (*begin)(void *arg, unsigned shard);
    /* Runs op in the open transaction and sets op->result (and op->order) as store.h says;
     * an op that fails alone (-EEXIST, -EPERM, -ENOENT) does not fail the batch. Returns 0,
     * or a negative code when the transaction can no longer commit. */
    int (*apply)(void *arg, unsigned shard, struct store_op *op);
    /* Commits: 0 once the batch is durable, or a negative code: the batch fails. */
    int (*commit)(void *arg, unsigned shard);
    /* Undoes an open transaction (or does nothing when begin failed). */
    void (*rollback)(void *arg, unsigned shard);
    /* Why the batch just run on shard failed, in the database's words ("database or disk is
     * full"), for the log; called after a failed batch only. NULL: no reason is given. */
    const char *(*why)(void *arg, unsigned shard);
};

struct committer_config {
    unsigned shards;                 /* 1..HCSERVER_MAX_SHARDS queues and threads */
    size_t batch_max;                /* most ops per transaction (1: a transaction per op) */
    size_t queue_cap;                /* most ops waiting per shard */
    int64_t wait_target_ns;          /* refuse an op expected to wait longer (0: default) */
    const struct committer_ops *ops; /* the backend's transaction */
    void *arg;                       /* for ops */
    struct hc_metrics *m;            /* for the shards' hc_shard_* series, or NULL */
};

struct committer;

/* Starts one thread per shard. 0 with *out, -EINVAL for a bad config, or a thread error. */
int committer_new(const struct committer_config *cfg, struct committer **out);

/*
 * Queues op for shard. 0: op->done runs once, on the shard's thread, after the batch holding
 * op committed or failed. -EAGAIN when the shard's queue is full or the full batches queued
 * ahead would take longer than wait_target_ns (committer.c, hc/admit.h), -ESHUTDOWN once stopping,
 * -ENODEV for a shard out of range; done then never runs.
 */
int committer_submit(struct committer *c, unsigned shard, struct store_op *op);

/* Ops waiting in shard's queue. */
size_t committer_depth(struct committer *c, unsigned shard);

/* Commits everything queued, stops and joins the threads, frees. Accepts NULL. After it the
 * backend may close its connections. */
void committer_free(struct committer *c);

#endif
