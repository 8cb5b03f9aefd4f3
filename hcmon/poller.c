/*
 * poller.c: the sampling threads and their queue.
 *
 * A thread sleeps on the set's condition variable until its next sample is due, so stopping
 * wakes it at once; a fetch in progress is bounded by the scrape timeout. Results carry the
 * parsed page so the screen's thread only swaps pointers and computes rates.
 */
#include "poller.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hc/core.h"
#include "hc/limits.h"

#define POLLER_MAX_BACKOFF_NS (30 * HC_NSEC_PER_SEC)
/* A page buffer that grew past this (a large page, or the start of a runaway one) is freed
 * after the sample rather than kept for the next one. */
#define POLLER_KEEP_PAGE_BYTES ((size_t)1 << 20)

struct poller {
    struct poller_set *set; /* the set it belongs to */
    size_t index;           /* its target's index */
    const struct target *target;
    pthread_t thread;
    bool started; /* the thread was created (and must be joined) */
};

struct poller_set {
    const struct scrape_config *cfg; /* shared, read-only */
    struct poller *pollers;          /* npollers of them */
    size_t npollers;
    uint64_t count; /* samples per poller; 0: unbounded */
    bool batch;     /* retries keep the interval */
    int wake_fd;    /* written a byte per queued result, or -1 */

    pthread_mutex_t lock;                           /* guards everything below */
    pthread_cond_t cond;                            /* results queued, stop, or ended */
    pthread_condattr_t cattr;                       /* CLOCK_MONOTONIC for timed waits */
    struct poller_result queue[HC_HCMON_MAX_QUEUE]; /* a ring */
    size_t qhead;                                   /* the oldest result */
    size_t qlen;                                    /* results queued */
    int64_t interval_ns;                            /* between samples of one target */
    size_t running;                                 /* pollers not yet ended */
    bool stop;                                      /* poller_set_stop was called */
};

void poller_result_destroy(struct poller_result *r)
{
    if (r == NULL)
        return;
    free(r->text);
    hc_metrics_page_free(r->page);
    memset(r, 0, sizeof(*r));
}

void poller_result_parse(struct poller_result *r)
{
    char err[200];
    int rc = hc_metrics_parse(r->text != NULL ? r->text : "", r->len, &r->page, err, sizeof(err));
    if (rc < 0) {
        r->ok = false;
        r->page = NULL;
        snprintf(r->reason, sizeof(r->reason), "bad page: %s",
                 err[0] != '\0' ? err : hc_strerror(rc));
        return;
    }
    r->ok = true;
}

static struct timespec poller_abs(int64_t mono_ns)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(mono_ns / HC_NSEC_PER_SEC);
    ts.tv_nsec = (long)(mono_ns % HC_NSEC_PER_SEC);
    return ts;
}

static void poller_push(struct poller_set *ps, struct poller_result *r)
{
    pthread_mutex_lock(&ps->lock);
    if (ps->qlen == HC_HCMON_MAX_QUEUE) {
        poller_result_destroy(&ps->queue[ps->qhead]);
        ps->qhead = (ps->qhead + 1) % HC_HCMON_MAX_QUEUE;
        ps->qlen--;
    }
    ps->queue[(ps->qhead + ps->qlen) % HC_HCMON_MAX_QUEUE] = *r;
    ps->qlen++;
    memset(r, 0, sizeof(*r));
    pthread_cond_broadcast(&ps->cond);
    pthread_mutex_unlock(&ps->lock);
    if (ps->wake_fd >= 0) {
        char b = 1;
        ssize_t w = write(ps->wake_fd, &b, 1); /* a full pipe already wakes the reader */
        HC_UNUSED(w);
    }
}

static void *poller_main(void *arg)
{
    struct poller *p = arg;
    struct poller_set *ps = p->set;
    struct scrape_session *sc = scrape_new(p->target, ps->cfg);
    struct hc_buf page;
    hc_buf_init(&page, ps->cfg->max_page);
    int64_t next = hc_now_ns();
    unsigned failures = 0;
    for (uint64_t i = 0; ps->count == 0 || i < ps->count; i++) {
        pthread_mutex_lock(&ps->lock);
        while (!ps->stop && hc_now_ns() < next) {
            struct timespec ts = poller_abs(next);
            pthread_cond_timedwait(&ps->cond, &ps->lock, &ts);
        }
        bool stop = ps->stop;
        int64_t interval = ps->interval_ns;
        pthread_mutex_unlock(&ps->lock);
        if (stop)
            break;
        struct poller_result r;
        memset(&r, 0, sizeof(r));
        r.target = p->index;
        r.wall_ns = hc_wall_ns();
        r.mono_ns = hc_now_ns();
        int rc = scrape_fetch(sc, &page, r.reason, sizeof(r.reason));
        int64_t done = hc_now_ns();
        r.scrape_s = (double)(done - r.mono_ns) / 1e9;
        if (rc == 0) {
            r.len = page.len;
            r.text = hc_xmalloc(page.len + 1);
            memcpy(r.text, page.data != NULL ? page.data : "", page.len);
            r.text[page.len] = '\0';
            poller_result_parse(&r);
        }
        hc_buf_reset(&page);
        if (page.cap > POLLER_KEEP_PAGE_BYTES) {
            hc_buf_destroy(&page);
            hc_buf_init(&page, ps->cfg->max_page);
        }
        int64_t wait = interval;
        if (r.ok) {
            failures = 0;
        } else if (!ps->batch) {
            failures++;
            int64_t cap = HC_MAX(POLLER_MAX_BACKOFF_NS, interval);
            wait = interval;
            for (unsigned k = 1; k < failures && wait < cap; k++)
                wait *= 2;
            wait = HC_MIN(wait, cap);
        }
        r.retry_ns = wait;
        next = r.mono_ns + wait;
        if (next < done)
            next = done;
        poller_push(ps, &r);
    }
    hc_buf_destroy(&page);
    scrape_free(sc);
    pthread_mutex_lock(&ps->lock);
    ps->running--;
    pthread_cond_broadcast(&ps->cond);
    pthread_mutex_unlock(&ps->lock);
    if (ps->wake_fd >= 0) {
        char b = 0;
        ssize_t w = write(ps->wake_fd, &b, 1);
        HC_UNUSED(w);
    }
    return NULL;
}

int poller_set_start(const struct target *targets, size_t ntargets, const struct scrape_config *cfg,
                     int64_t interval_ns, uint64_t count, bool batch, int wake_fd,
                     struct poller_set **out)
{
    struct poller_set *ps = hc_xcalloc(1, sizeof(*ps));
    ps->cfg = cfg;
    ps->count = count;
    ps->batch = batch;
    ps->wake_fd = wake_fd;
    ps->interval_ns = interval_ns;
    pthread_mutex_init(&ps->lock, NULL);
    pthread_condattr_init(&ps->cattr);
    pthread_condattr_setclock(&ps->cattr, CLOCK_MONOTONIC);
    pthread_cond_init(&ps->cond, &ps->cattr);
    ps->pollers = hc_xcalloc(ntargets ? ntargets : 1, sizeof(*ps->pollers));
    ps->npollers = ntargets;
    *out = ps;
    for (size_t i = 0; i < ntargets; i++) {
        struct poller *p = &ps->pollers[i];
        p->set = ps;
        p->index = i;
        p->target = &targets[i];
        pthread_mutex_lock(&ps->lock);
        ps->running++;
        pthread_mutex_unlock(&ps->lock);
        int rc = pthread_create(&p->thread, NULL, poller_main, p);
        if (rc != 0) {
            pthread_mutex_lock(&ps->lock);
            ps->running--;
            pthread_mutex_unlock(&ps->lock);
            poller_set_stop(ps);
            *out = NULL;
            return -rc;
        }
        p->started = true;
    }
    return 0;
}

static bool poller_pop_locked(struct poller_set *ps, struct poller_result *r)
{
    if (ps->qlen == 0)
        return false;
    *r = ps->queue[ps->qhead];
    memset(&ps->queue[ps->qhead], 0, sizeof(ps->queue[ps->qhead]));
    ps->qhead = (ps->qhead + 1) % HC_HCMON_MAX_QUEUE;
    ps->qlen--;
    return true;
}

bool poller_set_take(struct poller_set *ps, struct poller_result *r)
{
    pthread_mutex_lock(&ps->lock);
    bool got = poller_pop_locked(ps, r);
    pthread_mutex_unlock(&ps->lock);
    return got;
}

bool poller_set_wait(struct poller_set *ps, struct poller_result *r, int64_t timeout_ns)
{
    int64_t deadline = hc_now_ns() + timeout_ns;
    pthread_mutex_lock(&ps->lock);
    bool got;
    while (!(got = poller_pop_locked(ps, r)) && ps->running > 0 && hc_now_ns() < deadline) {
        struct timespec ts = poller_abs(deadline);
        pthread_cond_timedwait(&ps->cond, &ps->lock, &ts);
    }
    pthread_mutex_unlock(&ps->lock);
    return got;
}

bool poller_set_done(struct poller_set *ps)
{
    pthread_mutex_lock(&ps->lock);
    bool done = ps->running == 0;
    pthread_mutex_unlock(&ps->lock);
    return done;
}

void poller_set_interval(struct poller_set *ps, int64_t interval_ns)
{
    pthread_mutex_lock(&ps->lock);
    ps->interval_ns = interval_ns;
    pthread_mutex_unlock(&ps->lock);
}

int64_t poller_set_get_interval(struct poller_set *ps)
{
    pthread_mutex_lock(&ps->lock);
    int64_t v = ps->interval_ns;
    pthread_mutex_unlock(&ps->lock);
    return v;
}

void poller_set_stop(struct poller_set *ps)
{
    if (ps == NULL)
        return;
    pthread_mutex_lock(&ps->lock);
    ps->stop = true;
    pthread_cond_broadcast(&ps->cond);
    pthread_mutex_unlock(&ps->lock);
    for (size_t i = 0; i < ps->npollers; i++) {
        if (ps->pollers[i].started)
            pthread_join(ps->pollers[i].thread, NULL);
    }
    struct poller_result r;
    while (poller_pop_locked(ps, &r))
        poller_result_destroy(&r);
    pthread_cond_destroy(&ps->cond);
    pthread_condattr_destroy(&ps->cattr);
    pthread_mutex_destroy(&ps->lock);
    free(ps->pollers);
    free(ps);
}
