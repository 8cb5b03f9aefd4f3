/*
 * breaker.c: per-shard circuit breakers. Each has its own lock, so shards never contend; the
 * state is also published as a gauge on every change, and told in the log once per opening
 * and once per closing (hc_log_cond: a breaker that flaps writes at most a line per 10 s). A
 * half-open trial is not a change an operator acts on: only its outcome is logged.
 */
#include "domain/breaker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "hc/core.h"
#include "hc/log.h"

struct cell {
    pthread_mutex_t mu;             /* guards the fields below */
    int state;                      /* enum breaker_state */
    uint64_t failures;              /* consecutive */
    int64_t opened_at;              /* ns */
    bool trial_running;             /* half-open: the one call let through */
    struct hc_metrics_gauge *gauge; /* hc_breaker_state of this shard */
    char what[64];                  /* the log's name for it: "shard 3", "L2 redis" */
    struct hc_log_cond log;         /* 1 while open, as the log last said */
};

struct breaker {
    struct cell *c; /* n cells */
    unsigned n;
    uint64_t errors;     /* failures that open */
    int64_t cooldown_ns; /* open this long before a trial */
};

/* n breakers whose dependency labels are prefix-N, or prefix alone when n is 1 and one; the
 * log calls them "shard N", or what. */
static int make(const char *prefix, const char *what, bool numbered, unsigned n, uint64_t errors,
                int64_t cooldown_ns, struct hc_metrics *m, struct breaker **out)
{
    struct breaker *b = hc_xcalloc(1, sizeof(*b));
    struct hc_metrics_family *f = NULL;
    int rc;

    b->c = hc_xcalloc(n, sizeof(*b->c));
    b->n = n;
    b->errors = errors;
    b->cooldown_ns = cooldown_ns;
    for (unsigned i = 0; i < n; i++) {
        pthread_mutex_init(&b->c[i].mu, NULL);
        hc_log_cond_init(&b->c[i].log, 0, 0);
        if (numbered)
            snprintf(b->c[i].what, sizeof(b->c[i].what), "shard %u", i);
        else
            snprintf(b->c[i].what, sizeof(b->c[i].what), "%s", what);
    }
    rc = hc_metrics_register_gauge(m, "hc_breaker_state",
                                   "Circuit breaker per dependency: 0 closed, 1 open, 2 "
                                   "half-open.",
                                   "dependency", &f);
    for (unsigned i = 0; rc == 0 && i < n; i++) {
        char name[64];
        const char *v[] = {name};
        if (numbered)
            snprintf(name, sizeof(name), "%s-%u", prefix, i);
        else
            snprintf(name, sizeof(name), "%s", prefix);
        rc = hc_metrics_gauge_get(f, v, &b->c[i].gauge);
    }
    if (rc < 0) {
        breaker_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

int breaker_new(unsigned n, uint64_t errors, int64_t cooldown_ns, struct hc_metrics *m,
                struct breaker **out)
{
    return make("shard", NULL, true, n, errors, cooldown_ns, m, out);
}

int breaker_new_one(const char *dependency, const char *what, uint64_t errors, int64_t cooldown_ns,
                    struct hc_metrics *m, struct breaker **out)
{
    return make(dependency, what, false, 1, errors, cooldown_ns, m, out);
}

void breaker_free(struct breaker *b)
{
    if (b == NULL)
        return;
    for (unsigned i = 0; i < b->n; i++) {
        pthread_mutex_destroy(&b->c[i].mu);
        hc_log_cond_destroy(&b->c[i].log);
    }
    free(b->c);
    free(b);
}

bool breaker_allow(struct breaker *b, unsigned shard)
{
    struct cell *c;
    bool ok = true;

    if (shard >= b->n)
        return true;
    c = &b->c[shard];
    pthread_mutex_lock(&c->mu);
    if (c->state == BREAKER_OPEN && hc_now_ns() - c->opened_at >= b->cooldown_ns) {
        c->state = BREAKER_HALF_OPEN;
        c->trial_running = false;
    }
    if (c->state == BREAKER_OPEN) {
        ok = false;
    } else if (c->state == BREAKER_HALF_OPEN) {
        ok = !c->trial_running;
        c->trial_running = true;
    }
    hc_metrics_gauge_set(c->gauge, c->state);
    pthread_mutex_unlock(&c->mu);
    return ok;
}

void breaker_report(struct breaker *b, unsigned shard, bool ok)
{
    breaker_report_detail(b, shard, ok, NULL);
}

void breaker_report_detail(struct breaker *b, unsigned shard, bool ok, const char *detail)
{
    struct cell *c;
    int state;
    uint64_t failures;

    if (shard >= b->n)
        return;
    c = &b->c[shard];
    pthread_mutex_lock(&c->mu);
    if (ok) {
        c->failures = 0;
        c->state = BREAKER_CLOSED;
    } else {
        c->failures++;
        if (c->state == BREAKER_HALF_OPEN || c->failures >= b->errors) {
            c->state = BREAKER_OPEN;
            c->opened_at = hc_now_ns();
        }
    }
    c->trial_running = false;
    state = c->state;
    failures = c->failures;
    hc_metrics_gauge_set(c->gauge, c->state);
    pthread_mutex_unlock(&c->mu);
    if (state == BREAKER_OPEN)
        hc_log_cond_set(&c->log, 1, HC_LOG_LEVEL_WARN,
                        "%s: breaker open after %llu failures in a row%s%s%s: calls to it fail at "
                        "once for %.1f s, then one trial",
                        c->what, (unsigned long long)failures, detail ? " (" : "",
                        detail ? detail : "", detail ? ")" : "",
                        (double)b->cooldown_ns / HC_NSEC_PER_SEC);
    else if (state == BREAKER_CLOSED)
        hc_log_cond_set(&c->log, 0, HC_LOG_LEVEL_INFO, "%s: breaker closed: calls go through again",
                        c->what);
}

bool breaker_none_closed(struct breaker *b)
{
    int64_t now = hc_now_ns();
    bool none = b != NULL && b->n > 0;

    for (unsigned i = 0; none && i < b->n; i++) {
        struct cell *c = &b->c[i];
        pthread_mutex_lock(&c->mu);
        none = c->state == BREAKER_OPEN && now - c->opened_at < b->cooldown_ns;
        pthread_mutex_unlock(&c->mu);
    }
    return none;
}

enum breaker_state breaker_state(struct breaker *b, unsigned shard)
{
    enum breaker_state s;

    if (shard >= b->n)
        return BREAKER_CLOSED;
    pthread_mutex_lock(&b->c[shard].mu);
    s = (enum breaker_state)b->c[shard].state;
    pthread_mutex_unlock(&b->c[shard].mu);
    return s;
}
