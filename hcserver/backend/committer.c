/*
 * committer.c: per-shard group commit, independent of the database behind it.
 *
 * Each shard's queue is a singly linked list through the ops themselves (store_op.next), so
 * queueing allocates nothing and its bound is a count. The thread takes a whole run of ops
 * off the queue under the lock and commits it without the lock, so submitters only ever wait
 * for a pointer swap, never for the disk.
 *
 * Admission (hc/admit.h, the rule the read pools follow too). A count bound (queue_cap) says
 * nothing about time: 50,000 queued writes at 20,000 commits a second is a 2.5 s wait, and
 * every client would get its 201 too late to matter. What matters is the wait a new write
 * would see: the full batches queued ahead of it (depth / batch_max) times the recent time of
 * a batch (the controller's moving average; one unit is one batch). A write
 * always waits for the batch in progress and its own, whatever the disk, so those are not
 * counted: on a slow disk a calm shard admits everything, and refuses only once writes queue
 * up beyond what the next batch takes. Past the target a new write is refused at once
 * (-EAGAIN: 503 with Retry-After at the door, in microseconds) until the committer has caught
 * up, so admitted writes wait about the target plus two batches, however much is offered.
 */
#include "backend/committer.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "backend/shard_stats.h"
#include "hc/admit.h"
#include "hc/core.h"
#include "hc/limits.h"
#include "hc/log.h"

struct cshard {
    struct committer *c;         /* the owner */
    unsigned idx;                /* shard number */
    pthread_t thread;            /* commits this shard's batches */
    bool started;                /* thread is running */
    pthread_mutex_t mu;          /* guards head, tail, depth, stopping */
    pthread_cond_t cv;           /* signalled on submit and on stop */
    struct store_op *head;       /* queue, oldest first */
    struct store_op *tail;       /* newest */
    size_t depth;                /* ops queued */
    struct hc_admit admit;       /* admission by expected wait; a unit is one batch */
    bool stopping;               /* commit what is queued, then exit */
    struct shard_stats stats;    /* hc_shard_* of this shard */
    struct hc_log_cond failing;  /* 1 while its writes fail (the committer thread reports) */
    struct hc_log_cond shedding; /* 1 while it refuses writes for their wait (submitters) */
};

struct committer {
    struct committer_config cfg;
    struct cshard *s; /* cfg.shards of them */
};

static void commit_batch(struct cshard *sh, struct store_op *batch, size_t n)
{
    const struct committer_ops *ops = sh->c->cfg.ops;
    void *arg = sh->c->cfg.arg;
    int64_t start = hc_now_ns();
    bool ok = ops->begin(arg, sh->idx) == 0;
    struct store_op *op, *next;

    for (op = batch; ok && op != NULL; op = op->next)
        ok = ops->apply(arg, sh->idx, op) == 0;
    if (ok)
        ok = ops->commit(arg, sh->idx) == 0;
    if (!ok) {
        ops->rollback(arg, sh->idx);
        for (op = batch; op != NULL; op = op->next)
            op->result = -EIO;
    }
    shard_stats_observe(&sh->stats, start, ok);
    shard_stats_batch(&sh->stats, n, ok);
    for (op = batch; ok && op != NULL; op = op->next)
        ok = op->result != -EIO;
    if (!ok)
        hc_log_cond_set(&sh->failing, 1, HC_LOG_LEVEL_ERROR,
                        "shard %u: writes fail: %s; they answer 500 (503 while its breaker "
                        "is open)",
                        sh->idx, ops->why != NULL ? ops->why(arg, sh->idx) : "no reason given");
    else
        hc_log_cond_set(&sh->failing, 0, HC_LOG_LEVEL_WARN, "shard %u: writes commit again",
                        sh->idx);
    /* Only now is every op in the batch durable (or known failed): acknowledge them. */
    for (op = batch; op != NULL; op = next) {
        next = op->next;
        op->next = NULL;
        op->done(op);
    }
}

static void *committer_main(void *arg)
{
    struct cshard *sh = arg;

    int64_t took = 0;

    for (;;) {
        struct store_op *batch, *last;
        size_t n;

        pthread_mutex_lock(&sh->mu);
        hc_admit_observe(&sh->admit, took);
        while (sh->head == NULL && !sh->stopping)
            pthread_cond_wait(&sh->cv, &sh->mu);
        if (sh->head == NULL) {
            pthread_mutex_unlock(&sh->mu);
            break;
        }
        batch = sh->head;
        last = batch;
        n = 1;
        while (n < sh->c->cfg.batch_max && last->next != NULL) {
            last = last->next;
            n++;
        }
        sh->head = last->next;
        if (sh->head == NULL)
            sh->tail = NULL;
        last->next = NULL;
        sh->depth -= n;
        pthread_mutex_unlock(&sh->mu);
        took = hc_now_ns();
        commit_batch(sh, batch, n);
        took = hc_now_ns() - took;
    }
    return NULL;
}

int committer_new(const struct committer_config *cfg, struct committer **out)
{
    struct committer *c;
    int rc = 0;

    if (cfg->shards == 0 || cfg->shards > HCSERVER_MAX_SHARDS || cfg->batch_max == 0 ||
        cfg->queue_cap == 0 || cfg->ops == NULL)
        return -EINVAL;
    c = hc_xcalloc(1, sizeof(*c));
    c->cfg = *cfg;
    if (c->cfg.wait_target_ns <= 0)
        c->cfg.wait_target_ns = HC_SERVER_WRITE_WAIT_TARGET_NS;
    c->s = hc_xcalloc(cfg->shards, sizeof(*c->s));
    for (unsigned i = 0; i < cfg->shards; i++) {
        struct cshard *sh = &c->s[i];
        sh->c = c;
        sh->idx = i;
        pthread_mutex_init(&sh->mu, NULL);
        pthread_cond_init(&sh->cv, NULL);
        hc_admit_init(&sh->admit, c->cfg.wait_target_ns, 1);
        hc_log_cond_init(&sh->failing, 0, 0);
        hc_log_cond_init(&sh->shedding, 0, 0);
        shard_stats_init(&sh->stats, cfg->m, i, "primary");
    }
    for (unsigned i = 0; i < cfg->shards && rc == 0; i++) {
        struct cshard *sh = &c->s[i];
        rc = -pthread_create(&sh->thread, NULL, committer_main, sh);
        sh->started = rc == 0;
    }
    if (rc < 0) {
        committer_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int committer_submit(struct committer *c, unsigned shard, struct store_op *op)
{
    struct cshard *sh;
    enum hc_admit_verdict v = HC_ADMIT_OK;
    int64_t wait = 0;
    int rc = 0;

    if (shard >= c->cfg.shards)
        return -ENODEV;
    sh = &c->s[shard];
    op->next = NULL;
    op->enqueued_ns = hc_now_ns();
    pthread_mutex_lock(&sh->mu);
    if (sh->stopping)
        rc = -ESHUTDOWN;
    else if (sh->depth >= c->cfg.queue_cap)
        rc = -EAGAIN;
    else if (!hc_admit_ok(
                 v = hc_admit_check(&sh->admit, sh->depth / c->cfg.batch_max, op->enqueued_ns)))
        rc = -EAGAIN;
    wait = sh->admit.last_wait_ns;
    if (rc == 0) {
        if (sh->tail != NULL)
            sh->tail->next = op;
        else
            sh->head = op;
        sh->tail = op;
        sh->depth++;
        pthread_cond_signal(&sh->cv);
    }
    pthread_mutex_unlock(&sh->mu);
    if (v == HC_ADMIT_SHED_START)
        hc_log_cond_set(&sh->shedding, 1, HC_LOG_LEVEL_WARN,
                        "shard %u: shedding writes: expected wait %.1f ms over the %.1f ms "
                        "target; they answer 503 with Retry-After",
                        shard, (double)wait / HC_NSEC_PER_MSEC,
                        (double)c->cfg.wait_target_ns / HC_NSEC_PER_MSEC);
    else if (v == HC_ADMIT_SHED_STOP)
        hc_log_cond_set(&sh->shedding, 0, HC_LOG_LEVEL_WARN,
                        "shard %u: shedding stopped: writes admitted again", shard);
    return rc;
}

size_t committer_depth(struct committer *c, unsigned shard)
{
    size_t d;

    if (shard >= c->cfg.shards)
        return 0;
    pthread_mutex_lock(&c->s[shard].mu);
    d = c->s[shard].depth;
    pthread_mutex_unlock(&c->s[shard].mu);
    return d;
}

void committer_free(struct committer *c)
{
    if (c == NULL)
        return;
    for (unsigned i = 0; i < c->cfg.shards; i++) {
        struct cshard *sh = &c->s[i];
        if (sh->started) {
            pthread_mutex_lock(&sh->mu);
            sh->stopping = true;
            pthread_cond_broadcast(&sh->cv);
            pthread_mutex_unlock(&sh->mu);
            pthread_join(sh->thread, NULL);
        }
        shard_stats_up(&sh->stats, false);
        hc_log_cond_destroy(&sh->failing);
        hc_log_cond_destroy(&sh->shedding);
        pthread_mutex_destroy(&sh->mu);
        pthread_cond_destroy(&sh->cv);
    }
    free(c->s);
    free(c);
}
