/*
 * stats.h: per-route request metrics: hc_http_requests_total{route,code},
 * hc_http_request_duration_seconds{route}, hc_ratelimited_total{route} and
 * hc_degraded_total{route}. Updates are lock-free and may come from any thread.
 */
#ifndef HCSERVER_STATS_H
#define HCSERVER_STATS_H

#include "hc/metrics.h"

struct stats;

/* Registers the families on m and creates every route's series. 0 or a registry error. */
int stats_new(struct hc_metrics *m, struct stats **out);

/* Frees the handles table (the series stay in the registry). Accepts NULL. */
void stats_free(struct stats *s);

/* Counts one answered request of route with status, taking seconds. */
void stats_request(struct stats *s, int route, int status, double seconds);

/* Counts one request of route refused by its rate limit / shed by degradation. */
void stats_ratelimited(struct stats *s, int route);
void stats_shed(struct stats *s, int route);

#endif
