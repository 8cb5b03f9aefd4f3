/*
 * govern.c: rate limits, breakers, degradation and hot keys.
 *
 * Token buckets refill continuously (rate tokens per second, burst of one second's worth) and
 * are kept under a small lock per route: taking a token is a clock read and a few arithmetic
 * operations. Breakers count consecutive failures per shard; at the threshold they open for
 * the cooldown, then let one trial through (half-open) whose result closes or reopens them.
 * Hot keys: a space-saving sketch (the heavy hitters of Metwally et al.) of fixed size,
 * sampled one request in eight so the lock stays cold on the GET path.
 */
#include "domain/govern.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/cache.h"
#include "hc/core.h"
#include "hc/limits.h"
#include "http/router.h"
#include "server.h"

#define HOT_SAMPLE 8

struct bucket {
    pthread_mutex_t mu; /* guards tokens and last */
    double rate;        /* tokens per second; 0: unlimited */
    double burst;       /* most tokens held */
    double tokens;
    int64_t last; /* ns of the last refill */
};

struct breaker {
    pthread_mutex_t mu; /* guards the fields below */
    int state;          /* enum breaker_state */
    uint64_t failures;  /* consecutive */
    int64_t opened_at;  /* ns */
    bool trial_running; /* half-open: the one call let through */
    struct hc_metrics_gauge *gauge;
};

struct hot {
    uint64_t id;
    uint64_t count;
};

struct govern {
    struct server *srv;
    struct bucket buckets[ROUTE_COUNT];
    atomic_bool degrade[ROUTE_COUNT]; /* admin switches */
    struct hc_metrics_gauge *degrade_g[ROUTE_COUNT];
    struct breaker *breakers; /* one per shard */
    unsigned nbreakers;
    pthread_mutex_t hot_mu; /* guards hot, nhot */
    struct hot hot[HC_SERVER_MAX_HOT_KEYS];
    size_t nhot;
};

static double route_rate(const struct config *cfg, int route)
{
    switch (route) {
    case ROUTE_ORDER_CREATE:
        return cfg->rate_orders;
    case ROUTE_ORDER_GET:
        return cfg->rate_reads;
    case ROUTE_EVENTS:
        return cfg->rate_events;
    case ROUTE_FLASH_GRAB:
        return cfg->rate_flash;
    default:
        return 0;
    }
}

int govern_new(struct server *srv, struct govern **out)
{
    struct govern *g = hc_xcalloc(1, sizeof(*g));
    struct hc_metrics_family *bf = NULL, *df = NULL;
    int rc;

    g->srv = srv;
    pthread_mutex_init(&g->hot_mu, NULL);
    for (int i = 0; i < ROUTE_COUNT; i++) {
        struct bucket *b = &g->buckets[i];
        pthread_mutex_init(&b->mu, NULL);
        b->rate = route_rate(srv->cfg, i);
        b->burst = b->rate > 1 ? b->rate : 1;
        b->tokens = b->burst;
        b->last = hc_now_ns();
    }
    rc = hc_metrics_register_gauge(srv->m, "hc_breaker_state",
                                   "Circuit breaker per dependency: 0 closed, 1 open, 2 "
                                   "half-open.",
                                   "dependency", &bf);
    if (rc == 0)
        rc = hc_metrics_register_gauge(srv->m, "hc_degrade_active",
                                       "1 while a route is shed (admin switch or deep queue).",
                                       "route", &df);
    g->nbreakers = srv->store->shards;
    g->breakers = hc_xcalloc(g->nbreakers, sizeof(*g->breakers));
    for (unsigned i = 0; rc == 0 && i < g->nbreakers; i++) {
        char name[32];
        const char *v[] = {name};
        snprintf(name, sizeof(name), "shard-%u", i);
        pthread_mutex_init(&g->breakers[i].mu, NULL);
        rc = hc_metrics_gauge_get(bf, v, &g->breakers[i].gauge);
    }
    for (int i = 0; rc == 0 && i < ROUTE_COUNT; i++) {
        const char *v[] = {router_names[i]};
        rc = hc_metrics_gauge_get(df, v, &g->degrade_g[i]);
    }
    if (rc < 0) {
        govern_free(g);
        return rc;
    }
    *out = g;
    return 0;
}

void govern_free(struct govern *g)
{
    if (g == NULL)
        return;
    for (int i = 0; i < ROUTE_COUNT; i++)
        pthread_mutex_destroy(&g->buckets[i].mu);
    for (unsigned i = 0; i < g->nbreakers; i++)
        pthread_mutex_destroy(&g->breakers[i].mu);
    pthread_mutex_destroy(&g->hot_mu);
    free(g->breakers);
    free(g);
}

bool govern_take(struct govern *g, int route, double *limit, double *remaining, double *reset_s)
{
    struct bucket *b = &g->buckets[route];
    int64_t now;
    bool ok;

    *limit = b->rate;
    *remaining = 0;
    *reset_s = 0;
    if (b->rate <= 0)
        return true;
    now = hc_now_ns();
    pthread_mutex_lock(&b->mu);
    b->tokens += (double)(now - b->last) / HC_NSEC_PER_SEC * b->rate;
    if (b->tokens > b->burst)
        b->tokens = b->burst;
    b->last = now;
    ok = b->tokens >= 1.0;
    if (ok)
        b->tokens -= 1.0;
    *remaining = b->tokens < 0 ? 0 : (double)(long)b->tokens;
    if (!ok)
        *reset_s = (1.0 - b->tokens) / b->rate;
    pthread_mutex_unlock(&b->mu);
    return ok;
}

bool govern_shed(struct govern *g, int route)
{
    bool on = atomic_load_explicit(&g->degrade[route], memory_order_relaxed);

    if (route != ROUTE_EVENTS)
        return on; /* only the admin switch; its gauge is set where it is switched */
    /* Events are the first thing to go: shed them automatically while any pool is deep. */
    if (!on && g->srv->cfg->degrade_depth > 0) {
        struct hc_pool_stats ps;
        hc_pool_stats(g->srv->noncritical, &ps);
        on = ps.queued >= g->srv->cfg->degrade_depth;
        if (!on) {
            hc_pool_stats(g->srv->critical, &ps);
            on = ps.queued >= g->srv->cfg->degrade_depth;
        }
    }
    hc_metrics_gauge_set(g->degrade_g[route], on ? 1.0 : 0.0);
    return on;
}

void govern_set_degrade(struct govern *g, int route, bool on)
{
    atomic_store(&g->degrade[route], on);
    hc_metrics_gauge_set(g->degrade_g[route], on ? 1.0 : 0.0);
}

bool govern_degrade_switch(struct govern *g, int route)
{
    return atomic_load(&g->degrade[route]);
}

bool govern_breaker_allow(struct govern *g, unsigned shard)
{
    struct breaker *b;
    bool ok = true;

    if (shard >= g->nbreakers)
        return true; /* no such shard: the store answers that */
    b = &g->breakers[shard];
    pthread_mutex_lock(&b->mu);
    if (b->state == BREAKER_OPEN && hc_now_ns() - b->opened_at >= g->srv->cfg->breaker_cooldown) {
        b->state = BREAKER_HALF_OPEN;
        b->trial_running = false;
    }
    if (b->state == BREAKER_OPEN) {
        ok = false;
    } else if (b->state == BREAKER_HALF_OPEN) {
        ok = !b->trial_running;
        b->trial_running = true;
    }
    hc_metrics_gauge_set(b->gauge, b->state);
    pthread_mutex_unlock(&b->mu);
    return ok;
}

void govern_breaker_report(struct govern *g, unsigned shard, bool ok)
{
    struct breaker *b;

    if (shard >= g->nbreakers)
        return;
    b = &g->breakers[shard];
    pthread_mutex_lock(&b->mu);
    if (ok) {
        b->failures = 0;
        b->state = BREAKER_CLOSED;
    } else {
        b->failures++;
        if (b->state == BREAKER_HALF_OPEN || b->failures >= g->srv->cfg->breaker_errors) {
            b->state = BREAKER_OPEN;
            b->opened_at = hc_now_ns();
        }
    }
    b->trial_running = false;
    hc_metrics_gauge_set(b->gauge, b->state);
    pthread_mutex_unlock(&b->mu);
}

enum breaker_state govern_breaker_state(struct govern *g, unsigned shard)
{
    enum breaker_state s;

    if (shard >= g->nbreakers)
        return BREAKER_CLOSED;
    pthread_mutex_lock(&g->breakers[shard].mu);
    s = (enum breaker_state)g->breakers[shard].state;
    pthread_mutex_unlock(&g->breakers[shard].mu);
    return s;
}

void govern_hot_note(struct govern *g, uint64_t id)
{
    static _Thread_local unsigned tick; /* per thread: no shared counter on the GET path */
    size_t min = 0;

    if (++tick % HOT_SAMPLE != 0)
        return;
    pthread_mutex_lock(&g->hot_mu);
    for (size_t i = 0; i < g->nhot; i++) {
        if (g->hot[i].id == id) {
            g->hot[i].count++;
            pthread_mutex_unlock(&g->hot_mu);
            return;
        }
        if (g->hot[i].count < g->hot[min].count)
            min = i;
    }
    if (g->nhot < HC_SERVER_MAX_HOT_KEYS) {
        g->hot[g->nhot].id = id;
        g->hot[g->nhot].count = 1;
        g->nhot++;
    } else {
        /* Space-saving: the new key takes the smallest slot and inherits its count. */
        g->hot[min].id = id;
        g->hot[min].count++;
    }
    pthread_mutex_unlock(&g->hot_mu);
}

static int hot_cmp(const void *a, const void *b)
{
    const struct hot *x = a, *y = b;

    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return x->id < y->id ? -1 : x->id > y->id;
}

size_t govern_hot_top(struct govern *g, uint64_t *ids, uint64_t *counts, size_t n)
{
    struct hot *copy = hc_xmalloc(sizeof(g->hot));
    size_t m;

    pthread_mutex_lock(&g->hot_mu);
    m = g->nhot;
    memcpy(copy, g->hot, m * sizeof(*copy));
    pthread_mutex_unlock(&g->hot_mu);
    qsort(copy, m, sizeof(*copy), hot_cmp);
    if (m > n)
        m = n;
    for (size_t i = 0; i < m; i++) {
        ids[i] = copy[i].id;
        counts[i] = copy[i].count * HOT_SAMPLE;
    }
    free(copy);
    return m;
}
