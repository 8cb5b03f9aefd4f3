/*
 * confirm.c: PENDING -> CONFIRMED, and compensation.
 *
 * One thread owns a ring of (id, due time) pairs. Orders arrive in creation order with the
 * same delay, so the ring is also sorted by due time and the thread only ever looks at its
 * head. Confirmations are submitted through the orders module asynchronously, many at a time,
 * so they join the shard's group commits instead of costing a transaction each; the orders
 * module refreshes both cache levels as each one commits.
 *
 * The same thread runs compensation every period: it asks each shard for orders PENDING for
 * longer than stuck_after and queues them again. Re-driving is safe because a confirmation is
 * a conditional transition (PENDING only), so a duplicate is refused by the store, not
 * applied twice. Then it asks each shard for the range rows of batches whose sku index entries
 * were not all written and has them written (orders_index_sweep), which a repeat leaves as
 * it was.
 */
#include "domain/confirm.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "domain/orders.h"
#include "hc/core.h"
#include "hc/limits.h"
#include "server.h"

#define REDRIVE_BATCH 1000

struct item {
    uint64_t id;
    int64_t due;
};

struct confirm {
    struct server *srv;
    pthread_t thread;
    pthread_mutex_t mu; /* guards ring, head, n, stopping */
    pthread_cond_t cv;
    struct item *ring;
    size_t cap, head, n;
    bool stopping;
    atomic_long outstanding; /* ops submitted and not yet done */
    struct hc_metrics_counter *enqueued, *processed, *failed, *runs, *redriven, *reindexed;
};

static void op_done(struct orders_write *w)
{
    struct confirm *c = w->arg;
    int rc = w->op.result;

    if (rc == 0 || rc == -EPERM || rc == -ENOENT)
        hc_metrics_counter_inc(c->processed); /* -EPERM, -ENOENT: already moved on */
    else
        hc_metrics_counter_inc(c->failed);
    free(w);
    atomic_fetch_sub(&c->outstanding, 1);
}

static void submit(struct confirm *c, uint64_t id)
{
    struct orders_write *w = hc_xcalloc(1, sizeof(*w));
    int rc;

    w->done = op_done;
    w->arg = c;
    atomic_fetch_add(&c->outstanding, 1);
    rc = orders_set_status(c->srv->orders, w, id, ORDER_CONFIRMED);
    if (rc < 0) {
        /* A full, failing or closing store: compensation will pick this order up again. */
        atomic_fetch_sub(&c->outstanding, 1);
        hc_metrics_counter_inc(c->failed);
        free(w);
    }
}

void confirm_enqueue(struct confirm *c, uint64_t id)
{
    pthread_mutex_lock(&c->mu);
    if (c->n < c->cap && !c->stopping) {
        c->ring[(c->head + c->n) % c->cap] =
            (struct item){id, hc_now_ns() + c->srv->cfg->confirm_delay};
        if (c->n == 0)
            pthread_cond_signal(&c->cv);
        c->n++;
        hc_metrics_counter_inc(c->enqueued);
    }
    pthread_mutex_unlock(&c->mu);
}

static void compensate(struct confirm *c)
{
    struct orders *o = c->srv->orders;
    int64_t older = hc_wall_ns() / HC_NSEC_PER_MSEC - c->srv->cfg->stuck_after / HC_NSEC_PER_MSEC;
    uint64_t *ids = hc_xmalloc(REDRIVE_BATCH * sizeof(*ids));

    hc_metrics_counter_inc(c->runs);
    for (unsigned s = 0; s < orders_shards(o); s++) {
        size_t n = 0;
        if (orders_list_pending(o, s, older, ids, REDRIVE_BATCH, &n) < 0)
            continue;
        for (size_t i = 0; i < n; i++)
            submit(c, ids[i]);
        hc_metrics_counter_add(c->redriven, n);
    }
    /* The same job for the sku index: orders committed whose entry never was (orders.h). */
    for (unsigned s = 0; s < orders_shards(o); s++) {
        size_t n = 0;
        int64_t left_by = hc_wall_ns() / HC_NSEC_PER_MSEC - HC_SERVER_INDEX_SWEEP_AGE_MS;
        if (orders_index_sweep(o, s, left_by, REDRIVE_BATCH, &n) == 0)
            hc_metrics_counter_add(c->reindexed, n);
    }
    free(ids);
}

static void *confirm_main(void *arg)
{
    struct confirm *c = arg;
    int64_t next_comp = hc_now_ns() + c->srv->cfg->compensate_every;

    pthread_mutex_lock(&c->mu);
    for (;;) {
        int64_t now = hc_now_ns();
        int64_t wake = next_comp;
        struct timespec ts;

        while (c->n > 0 && (c->stopping || c->ring[c->head].due <= now)) {
            uint64_t id = c->ring[c->head].id;
            c->head = (c->head + 1) % c->cap;
            c->n--;
            pthread_mutex_unlock(&c->mu);
            submit(c, id);
            pthread_mutex_lock(&c->mu);
        }
        if (c->stopping)
            break;
        if (now >= next_comp) {
            pthread_mutex_unlock(&c->mu);
            compensate(c);
            pthread_mutex_lock(&c->mu);
            next_comp = hc_now_ns() + c->srv->cfg->compensate_every;
            continue;
        }
        if (c->n > 0 && c->ring[c->head].due < wake)
            wake = c->ring[c->head].due;
        /* cond waits use the realtime clock; convert the monotonic deadline to a delay. */
        clock_gettime(CLOCK_REALTIME, &ts);
        {
            int64_t t = (int64_t)ts.tv_sec * HC_NSEC_PER_SEC + ts.tv_nsec + (wake - now);
            ts.tv_sec = t / HC_NSEC_PER_SEC;
            ts.tv_nsec = t % HC_NSEC_PER_SEC;
        }
        pthread_cond_timedwait(&c->cv, &c->mu, &ts);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

static double depth_cb(void *arg)
{
    struct confirm *c = arg;
    size_t n;

    pthread_mutex_lock(&c->mu);
    n = c->n;
    pthread_mutex_unlock(&c->mu);
    return (double)n;
}

static double age_cb(void *arg)
{
    struct confirm *c = arg;
    int64_t due;

    pthread_mutex_lock(&c->mu);
    due = c->n > 0 ? c->ring[c->head].due : 0;
    pthread_mutex_unlock(&c->mu);
    if (due == 0)
        return 0;
    return (double)(hc_now_ns() - (due - c->srv->cfg->confirm_delay)) / HC_NSEC_PER_SEC;
}

int confirm_new(struct server *srv, struct confirm **out)
{
    struct confirm *c = hc_xcalloc(1, sizeof(*c));
    struct hc_metrics_family *f;
    const char *v[] = {"confirm"};
    int rc;

    c->srv = srv;
    c->cap = HC_SERVER_MAX_CONFIRM_QUEUE;
    c->ring = hc_xmalloc(c->cap * sizeof(*c->ring));
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    rc = hc_metrics_register_counter(srv->m, "hc_queue_enqueued_total", "Messages put on a queue.",
                                     "queue", &f);
    if (rc == 0)
        rc = hc_metrics_counter_get(f, v, &c->enqueued);
    if (rc == 0)
        rc = hc_metrics_register_counter(srv->m, "hc_queue_processed_total",
                                         "Messages a queue's workers finished.", "queue", &f);
    if (rc == 0)
        rc = hc_metrics_counter_get(f, v, &c->processed);
    if (rc == 0)
        rc = hc_metrics_register_counter(srv->m, "hc_queue_failed_total",
                                         "Messages whose processing failed (retried later).",
                                         "queue", &f);
    if (rc == 0)
        rc = hc_metrics_counter_get(f, v, &c->failed);
    if (rc == 0)
        rc = hc_metrics_register_gauge(srv->m, "hc_queue_depth", "Messages waiting on a queue.",
                                       "queue", &f);
    if (rc == 0)
        rc = hc_metrics_add_callback(f, v, depth_cb, c);
    if (rc == 0)
        rc =
            hc_metrics_register_gauge(srv->m, "hc_queue_oldest_age_seconds",
                                      "Age of the oldest message waiting on a queue.", "queue", &f);
    if (rc == 0)
        rc = hc_metrics_add_callback(f, v, age_cb, c);
    if (rc == 0)
        rc = hc_metrics_register_counter(srv->m, "hc_compensation_runs_total",
                                         "Runs of the job that re-drives stuck PENDING orders.",
                                         NULL, &f);
    if (rc == 0)
        rc = hc_metrics_counter_get(f, NULL, &c->runs);
    if (rc == 0)
        rc = hc_metrics_register_counter(srv->m, "hc_compensation_redriven_total",
                                         "Orders the compensation job found stuck and re-drove.",
                                         NULL, &f);
    if (rc == 0)
        rc = hc_metrics_counter_get(f, NULL, &c->redriven);
    if (rc == 0)
        rc = hc_metrics_register_counter(
            srv->m, "hc_compensation_reindexed_total",
            "Orders the compensation job found missing from the sku index and indexed.", NULL, &f);
    if (rc == 0)
        rc = hc_metrics_counter_get(f, NULL, &c->reindexed);
    if (rc == 0)
        rc = -pthread_create(&c->thread, NULL, confirm_main, c);
    if (rc < 0) {
        free(c->ring);
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void confirm_free(struct confirm *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    c->stopping = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    /* Wait for the confirmations already in the store to be committed. */
    while (atomic_load(&c->outstanding) > 0) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c->ring);
    free(c);
}
