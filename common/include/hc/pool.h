/*
 * hc/pool.h: a bounded thread pool that reports into a metrics registry.
 *
 * A pool is a fixed set of worker threads taking tasks from one bounded FIFO queue. Submitting
 * never blocks: when the queue is full the task is rejected at once (-EAGAIN) and counted, so a
 * caller under overload sheds work instead of stalling. hcserver gives each class of route
 * (critical, secondary, non-critical) its own pool, so one class's flood fills only its own
 * queue and cannot take another's threads.
 *
 * A pool may also admit by time (hc_pool_set_wait_target, hc/admit.h): a task expected to
 * wait longer than a target behind the queued ones (queued x a task's recent run time /
 * threads) is refused at once, like one over the count bound.
 *
 * Given a registry, a pool registers these series labelled pool="<name>":
 *   hc_pool_threads, hc_pool_active, hc_pool_queue_depth          (gauges)
 *   hc_pool_tasks_total (tasks completed), hc_pool_rejected_total (counters)
 *   hc_pool_queue_wait_seconds (histogram: submit to start of the task)
 * Two pools with the same name on one registry share their series; give pools distinct names.
 * The series outlive the pool (the registry owns them); after shutdown the gauges read 0.
 */
#ifndef HC_POOL_H
#define HC_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/admit.h"
#include "hc/core.h"
#include "hc/metrics.h"

struct hc_pool;

/* A task: runs once on a worker thread with the arg given to hc_pool_submit(). */
typedef void (*hc_pool_task_cb)(void *arg);

/* Told when a pool starts refusing tasks by time (started) and when it stops (hc/admit.h's
 * quiet period); wait_ns is the expected wait of the last refusal. Runs on the submitting
 * thread, outside the pool's lock. */
typedef void (*hc_pool_shed_cb)(void *arg, const char *pool, bool started, int64_t wait_ns);

/* A snapshot of a pool's state, all taken under the pool's lock at one instant. */
struct hc_pool_stats {
    unsigned threads;          /* worker threads running (0 after shutdown) */
    unsigned active;           /* workers running a task right now */
    size_t queued;             /* tasks waiting in the queue */
    size_t queue_cap;          /* the queue's bound */
    uint64_t submitted;        /* tasks accepted into the queue */
    uint64_t completed;        /* tasks that ran to completion */
    uint64_t rejected;         /* submissions refused: the queue was full, or the wait too long */
    uint64_t rejected_wait;    /* of those, refused for the expected wait */
    int64_t task_ns;           /* recent run time of a task (moving average; 0: none yet) */
    uint64_t discarded;        /* queued tasks dropped by a non-draining shutdown */
    int64_t queue_wait_ns;     /* total time tasks spent queued before a worker took them */
    int64_t queue_wait_max_ns; /* the longest any task waited */
};

/*
 * Starts a pool of threads workers (1..HC_POOL_MAX_THREADS) with a queue of queue_cap tasks
 * (1..HC_POOL_MAX_QUEUE). name (1..HC_POOL_MAX_NAME_BYTES bytes, copied) labels its metrics
 * and its threads. m may be NULL; otherwise the pool registers its series there and m must
 * outlive the pool.
 * Returns 0 with the pool in *out, -EINVAL for a bad argument, a metrics registration error
 * (-EEXIST when those names exist with another shape), or a negative errno from
 * pthread_create (the pool is then not created).
 */
int hc_pool_new(const char *name, unsigned threads, size_t queue_cap, struct hc_metrics *m,
                struct hc_pool **out);

/*
 * Turns on admission by time: from now on a task expected to wait longer than target_ns is
 * refused (0: off, the default). cb (may be NULL) hears when refusing starts and stops. Call
 * before submitting from several threads.
 */
void hc_pool_set_wait_target(struct hc_pool *p, int64_t target_ns, hc_pool_shed_cb cb, void *arg);

/*
 * Queues fn(arg) to run on a worker. Never blocks. Returns 0, -EAGAIN when the queue is full
 * or the task would wait longer than the pool's target (counted in rejected), -ESHUTDOWN once
 * shutdown has begun (not counted), -EINVAL for NULL fn. Safe from any thread, tasks of this pool
 * included.
 */
int hc_pool_submit(struct hc_pool *p, hc_pool_task_cb fn, void *arg);

/*
 * Stops the pool and joins its threads. With drain, the workers first run every queued task;
 * without, queued tasks are dropped unrun (tasks already running finish either way). Later
 * submissions fail with -ESHUTDOWN. Returns the number of tasks dropped (0 with drain); a
 * second call returns 0. Must not be called from one of the pool's own tasks.
 */
int hc_pool_shutdown(struct hc_pool *p, bool drain);

/* Shuts down with drain if not done yet, then frees the pool. Accepts NULL. */
void hc_pool_free(struct hc_pool *p);

/* Fills *out with the pool's current figures. */
void hc_pool_stats(struct hc_pool *p, struct hc_pool_stats *out);

#endif
