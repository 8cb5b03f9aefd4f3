/*
 * router.h: which handler answers a request, by method and path.
 *
 * Every route has an index (for per-route metrics, rate limits and shedding) and a name used
 * as the route label of hc_http_* metrics: method and path pattern, so ids never reach a label.
 */
#ifndef HCSERVER_ROUTER_H
#define HCSERVER_ROUTER_H

#include "config.h"
#include "http/req.h"

struct server;

enum route_id {
    ROUTE_ORDER_CREATE = 0,
    ROUTE_ORDER_GET,
    ROUTE_ORDER_PATCH,
    ROUTE_USER_ORDERS,
    ROUTE_SKU_ORDERS,
    ROUTE_FLASH_GRAB,
    ROUTE_FLASH_GET,
    ROUTE_FLASH_TICKET,
    ROUTE_EVENTS,
    ROUTE_STATIC,
    ROUTE_METRICS,
    ROUTE_HEALTHZ,
    ROUTE_READYZ,
    ROUTE_ADMIN,
    ROUTE_OTHER, /* no route matched, or the connection broke the protocol */
    ROUTE_COUNT,
};

/* The route label of each route: method and path pattern ("GET /api/orders/{id}"); requests
 * with a wrong method or an unmatched path count under the route they aimed at, or "other". */
extern const char *const router_names[ROUTE_COUNT];

/*
 * The application as the connection layer calls it: dispatch finds a request's route, checks
 * readiness, shedding and rate limits, and runs the handler, which answers now or later
 * (req.h); done counts the answered request in the per-route metrics. Fills *app for srv.
 */
void router_app(struct server *srv, struct req_app *app);

/* The rate limit of every route from cfg, per second (0: none), for ratelimit_new. */
void router_rates(const struct config *cfg, double rates[ROUTE_COUNT]);

#endif
