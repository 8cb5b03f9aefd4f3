/*
 * stats.c: per-route request metrics.
 *
 * A status code's counter is made the first time the code is seen on a route and kept in a
 * table of atomic pointers, so the registry's lock is taken once per (route, code) for the life
 * of the process and never on the steady path.
 */
#include "http/stats.h"

#include <stdlib.h>
#include <stdatomic.h>
#include <stdio.h>

#include "hc/core.h"
#include "http/router.h"

#define NCODES 600

struct stats {
    struct hc_metrics_family *requests;
    _Atomic(struct hc_metrics_counter *) codes[ROUTE_COUNT][NCODES];
    struct hc_metrics_histogram *latency[ROUTE_COUNT];
    struct hc_metrics_counter *limited[ROUTE_COUNT];
    struct hc_metrics_counter *shed[ROUTE_COUNT];
};

int stats_new(struct hc_metrics *m, struct stats **out)
{
    /* From 5 us: a cached GET takes ~10 us, and a first bucket above it would say nothing. */
    static const double bounds[] = {0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025,
                                    0.0005,   0.001,   0.0025,   0.005,   0.01,   0.025,
                                    0.05,     0.1,     0.25,     0.5,     1,      2.5};
    struct stats *s = hc_xcalloc(1, sizeof(*s));
    struct hc_metrics_family *lat, *lim, *shed;
    int rc;

    rc = hc_metrics_register_counter(m, "hc_http_requests_total",
                                     "HTTP requests answered, by route and status code.",
                                     "route,code", &s->requests);
    if (rc == 0)
        rc = hc_metrics_register_histogram(m, "hc_http_request_duration_seconds",
                                           "Time from a complete request to its response.", "route",
                                           bounds, HC_ARRAY_LEN(bounds), &lat);
    if (rc == 0)
        rc = hc_metrics_register_counter(m, "hc_ratelimited_total",
                                         "Requests refused with 429 by a route's rate limit.",
                                         "route", &lim);
    if (rc == 0)
        rc = hc_metrics_register_counter(m, "hc_degraded_total",
                                         "Requests shed with 503 while their route is degraded.",
                                         "route", &shed);
    for (int i = 0; rc == 0 && i < ROUTE_COUNT; i++) {
        const char *v[] = {router_names[i]};
        rc = hc_metrics_histogram_get(lat, v, &s->latency[i]);
        if (rc == 0)
            rc = hc_metrics_counter_get(lim, v, &s->limited[i]);
        if (rc == 0)
            rc = hc_metrics_counter_get(shed, v, &s->shed[i]);
    }
    if (rc < 0) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void stats_free(struct stats *s)
{
    free(s);
}

void stats_request(struct stats *s, int route, int status, double seconds)
{
    struct hc_metrics_counter *c;

    if (route < 0 || route >= ROUTE_COUNT)
        route = ROUTE_OTHER;
    if (status < 100 || status >= NCODES)
        status = 500;
    c = atomic_load_explicit(&s->codes[route][status], memory_order_acquire);
    if (c == NULL) {
        char code[8];
        const char *v[] = {router_names[route], code};
        snprintf(code, sizeof(code), "%d", status);
        /* Two threads may race here; the registry gives both the same series. */
        if (hc_metrics_counter_get(s->requests, v, &c) < 0)
            return;
        atomic_store_explicit(&s->codes[route][status], c, memory_order_release);
    }
    hc_metrics_counter_inc(c);
    hc_metrics_histogram_observe(s->latency[route], seconds);
}

void stats_ratelimited(struct stats *s, int route)
{
    hc_metrics_counter_inc(s->limited[route]);
}

void stats_shed(struct stats *s, int route)
{
    hc_metrics_counter_inc(s->shed[route]);
}
