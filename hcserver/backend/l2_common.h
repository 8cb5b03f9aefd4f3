/*
 * l2_common.h: what the shared L2 backends (l2_redis.c, l2_memcached.c) have in common: the
 * queue of fills, sets and deletes their own thread sends, flush, the breaker around their
 * calls with its log line per transition, their metrics and their TTLs.
 *
 * Metrics: hc_cache_hits_total{level="L2"}, hc_cache_misses_total{level="L2"},
 * hc_l2_errors_total{op="get"|"write"}, hc_l2_dropped_total (queued work dropped because the
 * queue was full), hc_l2_invalidations_total (messages from other instances applied to L1),
 * hc_l2_resyncs_total (L1 cleared after invalidations may have been missed),
 * hc_breaker_state{dependency="l2"}.
 */
#ifndef HCSERVER_L2_COMMON_H
#define HCSERVER_L2_COMMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/l2.h"
#include "domain/breaker.h"
#include "hc/metrics.h"

/* What a queued job asks of the cache. */
enum l2_job_kind {
    L2_JOB_FILL,         /* a load's order: store unless present, release the load lock */
    L2_JOB_FILL_MISSING, /* a load's "no such order": the same with the negative value */
    L2_JOB_SET,          /* a writer's order: replace, announce */
    L2_JOB_DEL,          /* a writer's delete: forget, announce */
    L2_JOB_FLUSH,        /* id is the flush's number: mark it done once what came before is */
};

/* One queued job (a copy of the order, so the caller's memory is free at once). */
struct l2_job {
    enum l2_job_kind kind; /* what to do */
    uint64_t id;           /* the order id (FLUSH: its sequence number) */
    struct order o;        /* FILL, SET: the order */
};

/* The common part of a backend: its struct l2 first, so a struct l2 * converts. */
struct l2_base {
    struct l2 l2;           /* ops */
    struct l2_config cfg;   /* as opened, with the defaults filled in */
    const char *what;       /* "redis", "memcached": the log lines' name */
    struct hc_metrics *own; /* a private registry when cfg.m was NULL */
    struct breaker *br;     /* one breaker around every get */
    char log_name[32];      /* "L2 redis": the breaker's name in the log */
    struct hc_metrics_counter *hits, *misses, *get_errors, *write_errors, *dropped, *invals,
        *resyncs;
    pthread_mutex_t mu;   /* guards the queue and the flush counts */
    pthread_cond_t cv;    /* flushes done, and (memcached) work queued */
    struct l2_job *ring;  /* HC_SERVER_L2_QUEUE jobs */
    unsigned head;        /* the oldest */
    unsigned n;           /* how many */
    bool idle;            /* the consumer found the queue empty: wake it on the next push */
    bool stopping;        /* close has begun (memcached's thread exits) */
    uint64_t flush_asked; /* flushes queued */
    uint64_t flush_done;  /* the last flush whose jobs were all applied */
};

/* Fills b for backend what with cfg (defaults for zero fields). 0 or a metrics error. */
int l2_base_init(struct l2_base *b, const char *what, const struct l2_config *cfg);

/* Frees what l2_base_init made. */
void l2_base_destroy(struct l2_base *b);

/*
 * Queues j. true when the consumer was idle and must be woken (by the caller, after the call);
 * a full queue drops j, counts it and returns false.
 */
bool l2_base_push(struct l2_base *b, const struct l2_job *j);

/* Takes up to cap jobs, oldest first. 0 (and marks the consumer idle) when there are none. */
size_t l2_base_pop(struct l2_base *b, struct l2_job *out, size_t cap);

/* The consumer applied everything up to flush number seq. */
void l2_base_flushed(struct l2_base *b, uint64_t seq);

/*
 * Queues a flush and waits (at most HC_SERVER_L2_FLUSH_TIMEOUTS timeouts) for the consumer to
 * reach it; wake(b) wakes the consumer. 0 or -ETIMEDOUT.
 */
int l2_base_flush(struct l2_base *b, void (*wake)(struct l2_base *b));

/* Whether a get may go ahead (the breaker is closed, or this is the half-open trial). */
bool l2_base_allow(struct l2_base *b);

/* The result of a get l2_base_allow let through: rc 0 is healthy; else why (detail for the
 * log line). Logs a change between closed and not closed once. */
void l2_base_report(struct l2_base *b, int rc, const char *detail);

/* An order entry's TTL in ms (with jitter), or a negative entry's; at least 1. */
int64_t l2_base_ttl_ms(const struct l2_base *b, bool negative);

/* The queueing ops every backend shares (they only queue; the consumer applies). */
void l2_base_fill(struct l2_base *b, uint64_t id, const struct order *o,
                  void (*wake)(struct l2_base *b));
void l2_base_set(struct l2_base *b, const struct order *o, void (*wake)(struct l2_base *b));
void l2_base_del(struct l2_base *b, uint64_t id, void (*wake)(struct l2_base *b));

#endif
