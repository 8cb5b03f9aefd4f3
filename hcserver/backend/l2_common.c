/*
 * l2_common.c: the part the shared L2 backends have in common (l2_common.h).
 *
 * Why one queue and one consumer thread per backend rather than a write on the caller's
 * thread: the callers of set and del include the shard committers, which acknowledge a whole
 * batch of writes once its commit is done; a cache round trip there (30 us on loopback, a
 * timeout when the cache is down) would delay every acknowledgement of the batch. A queue
 * hands the work over for the cost of a mutex and a copy of the order, and the consumer sends
 * what has piled up together (pipelined), so the cache sees batches under load. Order
 * between jobs is kept (one queue, one consumer, one connection), which is what makes
 * "delete, then the new value, then the announcement" arrive in that order everywhere.
 *
 * The breaker is the shards' kind (domain/breaker.c), one of it, labelled "l2". Only get
 * feeds it (the consumer's failures are counted, not reported: its calls are not what a
 * request waits for). A transition between closed and not closed is logged once, with the
 * reason for opening.
 */
#include "backend/l2_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "hc/log.h"

static struct hc_metrics_counter *counter(struct hc_metrics *m, const char *name, const char *help,
                                          const char *label, const char *value)
{
    struct hc_metrics_family *f;
    struct hc_metrics_counter *c = NULL;
    const char *v[] = {value};

    if (hc_metrics_register_counter(m, name, help, label, &f) == 0)
        hc_metrics_counter_get(f, label != NULL ? v : NULL, &c);
    return c;
}

static void inc(struct hc_metrics_counter *c)
{
    if (c != NULL)
        hc_metrics_counter_inc(c);
}

int l2_base_init(struct l2_base *b, const char *what, const struct l2_config *cfg)
{
    struct hc_metrics *m;
    int rc;

    b->cfg = *cfg;
    b->what = what;
    if (b->cfg.timeout_ns <= 0)
        b->cfg.timeout_ns = HC_SERVER_L2_TIMEOUT_DEFAULT_NS;
    if (b->cfg.breaker_errors == 0)
        b->cfg.breaker_errors = 5;
    if (b->cfg.breaker_cooldown_ns <= 0)
        b->cfg.breaker_cooldown_ns = HC_NSEC_PER_SEC;
    m = cfg->m;
    if (m == NULL) {
        hc_metrics_new(&b->own);
        m = b->own;
    }
    snprintf(b->log_name, sizeof(b->log_name), "L2 %s", what);
    rc = breaker_new_one("l2", b->log_name, b->cfg.breaker_errors, b->cfg.breaker_cooldown_ns, m,
                         &b->br);
    if (rc < 0) {
        hc_metrics_free(b->own);
        return rc;
    }
    b->hits = counter(m, "hc_cache_hits_total", "Reads answered by a cache level.", "level", "L2");
    b->misses =
        counter(m, "hc_cache_misses_total", "Reads a cache level could not answer.", "level", "L2");
    b->get_errors =
        counter(m, "hc_l2_errors_total", "L2 calls that failed (timeouts included).", "op", "get");
    b->write_errors = counter(m, "hc_l2_errors_total", "L2 calls that failed (timeouts included).",
                              "op", "write");
    b->dropped =
        counter(m, "hc_l2_dropped_total",
                "L2 fills, sets and deletes dropped because the queue was full.", NULL, NULL);
    b->invals = counter(m, "hc_l2_invalidations_total",
                        "Orders other instances changed, forgotten by L1.", NULL, NULL);
    b->resyncs = counter(m, "hc_l2_resyncs_total",
                         "L1 cleared because invalidations may have been missed.", NULL, NULL);
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    b->ring = hc_xcalloc(HC_SERVER_L2_QUEUE, sizeof(*b->ring));
    b->idle = true;
    return 0;
}

void l2_base_destroy(struct l2_base *b)
{
    breaker_free(b->br);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    free(b->ring);
    hc_metrics_free(b->own);
}

/* Under b->mu. */
static bool push_locked(struct l2_base *b, const struct l2_job *j)
{
    bool wake;

    if (b->n == HC_SERVER_L2_QUEUE) {
        inc(b->dropped);
        return false;
    }
    b->ring[(b->head + b->n) % HC_SERVER_L2_QUEUE] = *j;
    b->n++;
    wake = b->idle;
    b->idle = false;
    return wake;
}

bool l2_base_push(struct l2_base *b, const struct l2_job *j)
{
    bool wake;

    pthread_mutex_lock(&b->mu);
    wake = push_locked(b, j);
    pthread_mutex_unlock(&b->mu);
    return wake;
}

size_t l2_base_pop(struct l2_base *b, struct l2_job *out, size_t cap)
{
    size_t k = 0;

    pthread_mutex_lock(&b->mu);
    while (k < cap && b->n > 0) {
        out[k++] = b->ring[b->head];
        b->head = (b->head + 1) % HC_SERVER_L2_QUEUE;
        b->n--;
    }
    if (k == 0)
        b->idle = true;
    pthread_mutex_unlock(&b->mu);
    return k;
}

void l2_base_flushed(struct l2_base *b, uint64_t seq)
{
    pthread_mutex_lock(&b->mu);
    if (seq > b->flush_done)
        b->flush_done = seq;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

int l2_base_flush(struct l2_base *b, void (*wake)(struct l2_base *b))
{
    struct l2_job j = {.kind = L2_JOB_FLUSH};
    struct timespec until;
    int64_t wait = b->cfg.timeout_ns * HC_SERVER_L2_FLUSH_TIMEOUTS;
    bool w;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(wait / HC_NSEC_PER_SEC);
    until.tv_nsec += (long)(wait % HC_NSEC_PER_SEC);
    if (until.tv_nsec >= HC_NSEC_PER_SEC) {
        until.tv_sec++;
        until.tv_nsec -= HC_NSEC_PER_SEC;
    }
    pthread_mutex_lock(&b->mu);
    j.id = ++b->flush_asked;
    /* A flush is never dropped: it waits for room like it waits for its turn. */
    while (b->n == HC_SERVER_L2_QUEUE && rc == 0)
        rc = pthread_cond_timedwait(&b->cv, &b->mu, &until);
    w = rc == 0 && push_locked(b, &j);
    pthread_mutex_unlock(&b->mu);
    if (w)
        wake(b);
    pthread_mutex_lock(&b->mu);
    while (rc == 0 && b->flush_done < j.id)
        rc = pthread_cond_timedwait(&b->cv, &b->mu, &until);
    pthread_mutex_unlock(&b->mu);
    return rc == 0 ? 0 : -ETIMEDOUT;
}

bool l2_base_allow(struct l2_base *b)
{
    return breaker_allow(b->br, 0);
}

void l2_base_report(struct l2_base *b, int rc, const char *detail)
{
    char why[256];

    if (rc < 0)
        inc(b->get_errors);
    snprintf(why, sizeof(why), "%s%s%s", rc < 0 ? hc_strerror(rc) : "",
             detail != NULL && detail[0] != '\0' ? ": " : "", detail != NULL ? detail : "");
    /* The breaker's own lines tell its changes (domain/breaker.c); while it is open, reads go
     * to the store. */
    breaker_report_detail(b->br, 0, rc == 0, rc < 0 ? why : NULL);
}

static uint64_t rand_next(void)
{
    static _Thread_local uint64_t state;

    if (state == 0)
        state = ((uint64_t)hc_now_ns() ^ (uint64_t)(uintptr_t)&state) | 1;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

int64_t l2_base_ttl_ms(const struct l2_base *b, bool negative)
{
    int64_t ns = negative ? b->cfg.neg_ttl_ns : b->cfg.ttl_ns;
    int64_t ms;

    if (!negative && b->cfg.jitter_ns > 0)
        ns += (int64_t)(rand_next() % (uint64_t)b->cfg.jitter_ns);
    ms = ns / HC_NSEC_PER_MSEC;
    return ms > 0 ? ms : 1;
}

void l2_base_fill(struct l2_base *b, uint64_t id, const struct order *o,
                  void (*wake)(struct l2_base *b))
{
    struct l2_job j;

    j.kind = o != NULL ? L2_JOB_FILL : L2_JOB_FILL_MISSING;
    j.id = id;
    if (o != NULL)
        j.o = *o;
    if (l2_base_push(b, &j))
        wake(b);
}

void l2_base_set(struct l2_base *b, const struct order *o, void (*wake)(struct l2_base *b))
{
    struct l2_job j;

    j.kind = L2_JOB_SET;
    j.id = o->id;
    j.o = *o;
    if (l2_base_push(b, &j))
        wake(b);
}

void l2_base_del(struct l2_base *b, uint64_t id, void (*wake)(struct l2_base *b))
{
    struct l2_job j;

    j.kind = L2_JOB_DEL;
    j.id = id;
    if (l2_base_push(b, &j))
        wake(b);
}
