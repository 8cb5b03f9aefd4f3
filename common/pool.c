/*
 * pool.c: a bounded thread pool that reports into a metrics registry.
 *
 * One mutex guards the queue and the figures, and one condition variable wakes idle workers.
 * That is deliberately plain: a pool runs request-sized tasks (a database query, a cache
 * reload), so a lock held for a few instructions per task is far from the bottleneck, and it
 * makes every figure in hc_pool_stats() agree with the others at one instant.
 *
 * The queue is a ring allocated once at creation with the pool's bound, so submit allocates
 * nothing and a full queue is a cheap, immediate rejection rather than growth or a wait.
 *
 * Metrics are plain gauges and counters set while the lock is held, not scrape callbacks: the
 * registry outlives the pool, and a callback into a freed pool would be a use-after-free.
 * Admission by time (hc/admit.h) runs under the same lock as the queue it judges: each task's
 * run time feeds the moving average, and submit compares queued x that average / threads
 * with the target.
 *
 * The queue-wait histogram is observed under the lock too (a few atomic adds) for the same
 * agreement between figures.
 */
#include "hc/pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/limits.h"

struct pool_task {
    hc_pool_task_cb fn;
    void *arg;
    int64_t enqueued_ns; /* hc_now_ns() at submit, for the queue wait */
};

/* The pool's series in a registry; all NULL without one. */
struct pool_metrics {
    struct hc_metrics_gauge *threads;
    struct hc_metrics_gauge *active;
    struct hc_metrics_gauge *depth;
    struct hc_metrics_counter *tasks;
    struct hc_metrics_counter *rejected;
    struct hc_metrics_histogram *wait;
};

struct hc_pool {
    char *name;
    pthread_t *threads; /* nthreads of them, started in hc_pool_new */
    unsigned nthreads;
    struct pool_metrics metrics;

    pthread_mutex_t lock;     /* guards every field below */
    pthread_cond_t not_empty; /* signalled when a task is queued or the pool stops */
    struct pool_task *ring;   /* cap slots */
    size_t cap;
    size_t head;      /* index of the oldest queued task */
    size_t count;     /* tasks queued */
    bool stopping;    /* shutdown has begun: no new tasks */
    unsigned running; /* workers alive */
    unsigned active;  /* workers inside a task */
    uint64_t submitted;
    uint64_t completed;
    uint64_t rejected;
    uint64_t discarded;
    int64_t wait_ns;
    int64_t wait_max_ns;
    struct hc_admit admit;   /* admission by expected wait (target 0: off) */
    hc_pool_shed_cb shed_cb; /* told when refusing by time starts and stops */
    void *shed_arg;          /* for shed_cb */
    uint64_t rejected_wait;  /* refused for the expected wait */
};

/* Queue-wait buckets, in seconds: 100 us (an idle pool) to 10 s (a badly overloaded one). */
static const double wait_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                     0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};

/* Publishes the gauges; called with the lock held so they agree with the stats. */
static void publish_gauges(struct hc_pool *p)
{
    if (p->metrics.threads == NULL)
        return;
    hc_metrics_gauge_set(p->metrics.threads, (double)p->running);
    hc_metrics_gauge_set(p->metrics.active, (double)p->active);
    hc_metrics_gauge_set(p->metrics.depth, (double)p->count);
}

static void *worker_main(void *arg)
{
    struct hc_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->count == 0 && !p->stopping)
            pthread_cond_wait(&p->not_empty, &p->lock);
        /* Stopping with an empty queue: a drain is complete, or a discard emptied it. */
        if (p->count == 0)
            break;
        struct pool_task t = p->ring[p->head];
        p->head = (p->head + 1) % p->cap;
        p->count--;
        p->active++;
        int64_t waited = hc_now_ns() - t.enqueued_ns;
        p->wait_ns += waited;
        if (waited > p->wait_max_ns)
            p->wait_max_ns = waited;
        /* Observed under the lock, so a scrape never shows a task as started (active) whose
         * wait is not yet counted: the figures agree with hc_pool_stats() at every instant. */
        if (p->metrics.wait != NULL)
            hc_metrics_histogram_observe(p->metrics.wait, (double)waited / HC_NSEC_PER_SEC);
        publish_gauges(p);
        pthread_mutex_unlock(&p->lock);

        int64_t began = hc_now_ns();
        t.fn(t.arg);
        int64_t took = hc_now_ns() - began;

        pthread_mutex_lock(&p->lock);
        hc_admit_observe(&p->admit, took);
        p->active--;
        p->completed++;
        if (p->metrics.tasks != NULL)
            hc_metrics_counter_inc(p->metrics.tasks);
        publish_gauges(p);
    }
    p->running--;
    publish_gauges(p);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static int register_metrics(struct hc_pool *p, struct hc_metrics *m)
{
    const char *const values[] = {p->name};
    struct hc_metrics_family *f;
    int rc =
        hc_metrics_register_gauge(m, "hc_pool_threads", "Worker threads of the pool.", "pool", &f);
    if (rc == 0)
        rc = hc_metrics_gauge_get(f, values, &p->metrics.threads);
    if (rc == 0)
        rc = hc_metrics_register_gauge(m, "hc_pool_active", "Workers running a task now.", "pool",
                                       &f);
    if (rc == 0)
        rc = hc_metrics_gauge_get(f, values, &p->metrics.active);
    if (rc == 0)
        rc = hc_metrics_register_gauge(m, "hc_pool_queue_depth",
                                       "Tasks waiting in the pool's queue.", "pool", &f);
    if (rc == 0)
        rc = hc_metrics_gauge_get(f, values, &p->metrics.depth);
    if (rc == 0)
        rc = hc_metrics_register_counter(m, "hc_pool_tasks_total",
                                         "Tasks the pool has run to completion.", "pool", &f);
    if (rc == 0)
        rc = hc_metrics_counter_get(f, values, &p->metrics.tasks);
    if (rc == 0)
        rc = hc_metrics_register_counter(m, "hc_pool_rejected_total",
                                         "Tasks refused because the pool's queue was full.", "pool",
                                         &f);
    if (rc == 0)
        rc = hc_metrics_counter_get(f, values, &p->metrics.rejected);
    if (rc == 0)
        rc = hc_metrics_register_histogram(
            m, "hc_pool_queue_wait_seconds",
            "Time from submitting a task to a worker starting it, in seconds.", "pool", wait_bounds,
            HC_ARRAY_LEN(wait_bounds), &f);
    if (rc == 0)
        rc = hc_metrics_histogram_get(f, values, &p->metrics.wait);
    if (rc != 0)
        memset(&p->metrics, 0, sizeof(p->metrics));
    return rc;
}

static void pool_destroy(struct hc_pool *p)
{
    pthread_cond_destroy(&p->not_empty);
    pthread_mutex_destroy(&p->lock);
    free(p->ring);
    free(p->threads);
    free(p->name);
    free(p);
}

int hc_pool_new(const char *name, unsigned threads, size_t queue_cap, struct hc_metrics *m,
                struct hc_pool **out)
{
    *out = NULL;
    if (name == NULL || name[0] == '\0' || strlen(name) > HC_POOL_MAX_NAME_BYTES || threads == 0 ||
        threads > HC_POOL_MAX_THREADS || queue_cap == 0 || queue_cap > HC_POOL_MAX_QUEUE)
        return -EINVAL;
    struct hc_pool *p = hc_xcalloc(1, sizeof(*p));
    p->name = hc_xstrdup(name);
    p->cap = queue_cap;
    p->ring = hc_xcalloc(queue_cap, sizeof(*p->ring));
    p->threads = hc_xcalloc(threads, sizeof(*p->threads));
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->not_empty, NULL);
    hc_admit_init(&p->admit, 0, threads);
    int rc = 0;
    if (m != NULL)
        rc = register_metrics(p, m);
    if (rc != 0) {
        pool_destroy(p);
        return rc;
    }
    /* Threads are named for top -H and debuggers: "hc-" and as much of the name as fits. */
    char tname[16];
    snprintf(tname, sizeof(tname), "hc-%s", name);
    pthread_mutex_lock(&p->lock);
    for (unsigned i = 0; i < threads; i++) {
        rc = pthread_create(&p->threads[i], NULL, worker_main, p);
        if (rc != 0) {
            rc = -rc;
            break;
        }
        pthread_setname_np(p->threads[i], tname);
        p->nthreads++;
        p->running++;
    }
    publish_gauges(p);
    pthread_mutex_unlock(&p->lock);
    if (rc != 0) {
        hc_pool_shutdown(p, false);
        pool_destroy(p);
        return rc;
    }
    *out = p;
    return 0;
}

void hc_pool_set_wait_target(struct hc_pool *p, int64_t target_ns, hc_pool_shed_cb cb, void *arg)
{
    pthread_mutex_lock(&p->lock);
    hc_admit_init(&p->admit, target_ns, p->nthreads);
    p->shed_cb = cb;
    p->shed_arg = arg;
    pthread_mutex_unlock(&p->lock);
}

int hc_pool_submit(struct hc_pool *p, hc_pool_task_cb fn, void *arg)
{
    if (fn == NULL)
        return -EINVAL;
    int64_t now = hc_now_ns();
    enum hc_admit_verdict v = HC_ADMIT_OK;
    int64_t wait = 0;
    int rc = 0;
    pthread_mutex_lock(&p->lock);
    if (!p->stopping && p->count < p->cap) {
        v = hc_admit_check(&p->admit, p->count, now);
        wait = p->admit.last_wait_ns;
    }
    if (p->stopping) {
        rc = -ESHUTDOWN;
    } else if (p->count == p->cap || !hc_admit_ok(v)) {
        p->rejected++;
        if (!hc_admit_ok(v))
            p->rejected_wait++;
        if (p->metrics.rejected != NULL)
            hc_metrics_counter_inc(p->metrics.rejected);
        rc = -EAGAIN;
    } else {
        p->ring[(p->head + p->count) % p->cap] = (struct pool_task){fn, arg, now};
        p->count++;
        p->submitted++;
        publish_gauges(p);
        pthread_cond_signal(&p->not_empty);
    }
    hc_pool_shed_cb cb = p->shed_cb;
    void *cb_arg = p->shed_arg;
    pthread_mutex_unlock(&p->lock);
    if (cb != NULL && (v == HC_ADMIT_SHED_START || v == HC_ADMIT_SHED_STOP))
        cb(cb_arg, p->name, v == HC_ADMIT_SHED_START, wait);
    return rc;
}

int hc_pool_shutdown(struct hc_pool *p, bool drain)
{
    pthread_mutex_lock(&p->lock);
    if (p->stopping) {
        pthread_mutex_unlock(&p->lock);
        return 0;
    }
    p->stopping = true;
    size_t dropped = 0;
    if (!drain) {
        dropped = p->count;
        p->discarded += dropped;
        p->count = 0;
        p->head = 0;
    }
    publish_gauges(p);
    pthread_cond_broadcast(&p->not_empty);
    pthread_mutex_unlock(&p->lock);

    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    return (int)dropped;
}

void hc_pool_free(struct hc_pool *p)
{
    if (p == NULL)
        return;
    hc_pool_shutdown(p, true);
    pool_destroy(p);
}

void hc_pool_stats(struct hc_pool *p, struct hc_pool_stats *out)
{
    pthread_mutex_lock(&p->lock);
    out->threads = p->running;
    out->active = p->active;
    out->queued = p->count;
    out->queue_cap = p->cap;
    out->submitted = p->submitted;
    out->completed = p->completed;
    out->rejected = p->rejected;
    out->rejected_wait = p->rejected_wait;
    out->task_ns = p->admit.unit_ns;
    out->discarded = p->discarded;
    out->queue_wait_ns = p->wait_ns;
    out->queue_wait_max_ns = p->wait_max_ns;
    pthread_mutex_unlock(&p->lock);
}
