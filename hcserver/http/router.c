/*
 * router.c: request routing: the application's entry point, registered with the connection
 * layer at start-up (router_app), the way h2o registers its handlers.
 *
 * The route table is small and fixed, so matching is a few prefix comparisons on the path,
 * with ids parsed on the way (a malformed id is a 400 here, before any handler runs). Before a
 * handler runs the router applies, in order: readiness (API routes answer 503 until the stores
 * are open), shedding (a degraded route answers 503 at once, costing no pool time), and the
 * route's rate limit (429).
 */
#include "http/router.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "api/api_ctx.h"
#include "domain/degrade.h"
#include "domain/ratelimit.h"
#include "api/jsonmem.h"
#include "hc/url.h"
#include "http/reply.h"
#include "server.h"
#include "http/stats.h"

const char *const router_names[ROUTE_COUNT] = {
    [ROUTE_ORDER_CREATE] = "POST /api/orders",
    [ROUTE_ORDER_GET] = "GET /api/orders/{id}",
    [ROUTE_ORDER_PATCH] = "PATCH /api/orders/{id}",
    [ROUTE_USER_ORDERS] = "GET /api/users/{uid}/orders",
    [ROUTE_SKU_ORDERS] = "GET /api/skus/{sku}/orders",
    [ROUTE_FLASH_GRAB] = "POST /api/flash/{sku}/grab",
    [ROUTE_FLASH_GET] = "GET /api/flash/{sku}",
    [ROUTE_FLASH_TICKET] = "GET /api/flash/tickets/{t}",
    [ROUTE_EVENTS] = "POST /api/events",
    [ROUTE_STATIC] = "GET /static/{name}",
    [ROUTE_METRICS] = "GET /metrics",
    [ROUTE_HEALTHZ] = "GET /healthz",
    [ROUTE_READYZ] = "GET /readyz",
    [ROUTE_ADMIN] = "/admin/",
    [ROUTE_OTHER] = "other",
};

static bool method_is(const struct req *r, const char *m)
{
    return strcmp(r->method, m) == 0;
}

static void not_allowed(struct req *r, const char *allow)
{
    struct hc_http_header h = HC_HTTP_HDR("Allow", allow);

    reply_problem_h(r, 405, &h, 1, "%s is not allowed here; use %s", r->method, allow);
}

/* Whether a token may name a sku: 1..63 of [A-Za-z0-9_.-]. */
static bool valid_sku(const char *s, size_t len)
{
    if (len == 0 || len > HCSERVER_SKU_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

/*
 * A path segment s[0..len) percent-decoded into out, as any sku of an order may be named:
 * 1 to HCSERVER_SKU_MAX bytes of UTF-8 without NUL. Its length, or -1.
 */
static int decode_sku(const char *s, size_t len, char out[HCSERVER_SKU_MAX + 1])
{
    int n = hc_url_pct_decode(s, len, out, HCSERVER_SKU_MAX + 1, NULL);
    json_t *check;

    if (n <= 0)
        return -1;
    /* jansson refuses a string that is not UTF-8 (from the request's arena: jsonmem.h). */
    check = json_stringn(out, (size_t)n);
    if (check == NULL)
        return -1;
    json_decref(check);
    return n;
}

/* Checks readiness, shedding and rate limit for route. true when the handler may run. */
static bool admit(struct req *r, int route)
{
    struct server *srv = server_of(r);
    double limit, remaining, reset;

    r->label = route;
    if (!atomic_load(&srv->ready)) {
        struct hc_http_header h = HC_HTTP_HDR("Retry-After", "1");
        reply_problem_h(r, 503, &h, 1, "the server is starting: stores are not open yet");
        return false;
    }
    if (degrade_shed(srv->degrade, route)) {
        struct hc_http_header h = HC_HTTP_HDR("Retry-After", "5");
        stats_shed(srv->stats, route);
        reply_problem_h(r, 503, &h, 1, "this route is degraded to protect orders; retry later");
        return false;
    }
    if (ratelimit_take(srv->rl, route, &limit, &remaining, &reset)) {
        /* Allowed: every response still tells the client where it stands (IETF httpapi
         * ratelimit-headers: the policy, a quota per 1 s window, and what is left). */
        if (limit > 0) {
            char pol[64], state[64];
            snprintf(pol, sizeof(pol), "\"route\";q=%.0f;w=1", limit);
            snprintf(state, sizeof(state), "\"route\";r=%.0f;t=1", remaining);
            req_set_header(r, "RateLimit-Policy", pol);
            req_set_header(r, "RateLimit", state);
        }
    } else {
        char ra[32], rl[96], pol[96];
        struct hc_http_header h[3];
        long secs = (long)reset + 1;
        snprintf(ra, sizeof(ra), "%ld", secs);
        snprintf(pol, sizeof(pol), "\"route\";q=%.0f;w=1", limit);
        snprintf(rl, sizeof(rl), "\"route\";r=%.0f;t=%ld", remaining, secs);
        h[0] = HC_HTTP_HDR("Retry-After", ra);
        h[1] = HC_HTTP_HDR("RateLimit-Policy", pol);
        h[2] = HC_HTTP_HDR("RateLimit", rl);
        stats_ratelimited(srv->stats, route);
        reply_problem_h(r, 429, h, 3, "rate limit of %.0f requests per second exceeded", limit);
        return false;
    }
    return true;
}

static void route_api_orders(struct req *r, const char *rest)
{
    uint64_t id;

    if (*rest == '\0') {
        if (!method_is(r, "POST")) {
            r->label = ROUTE_ORDER_CREATE;
            not_allowed(r, "POST");
            return;
        }
        if (admit(r, ROUTE_ORDER_CREATE))
            api_orders_create(r);
        return;
    }
    if (*rest != '/')
        goto unknown;
    rest++;
    r->label = ROUTE_ORDER_GET;
    if (order_parse_id(rest, strlen(rest), &id) < 0) {
        reply_problem(r, 400, "an order id is a positive decimal number");
        return;
    }
    if (method_is(r, "GET")) {
        if (admit(r, ROUTE_ORDER_GET))
            api_orders_get(r, id);
    } else if (method_is(r, "PATCH")) {
        if (admit(r, ROUTE_ORDER_PATCH))
            api_orders_patch(r, id);
    } else {
        not_allowed(r, "GET, PATCH");
    }
    return;
unknown:
    reply_problem(r, 404, "no such route");
}

static void route_api_users(struct req *r, const char *rest, const char *query)
{
    const char *slash = strchr(rest, '/');
    uint64_t uid;

    r->label = ROUTE_USER_ORDERS;
    if (slash == NULL || strcmp(slash, "/orders") != 0) {
        reply_problem(r, 404, "no such route");
        return;
    }
    if (order_parse_id(rest, (size_t)(slash - rest), &uid) < 0) {
        reply_problem(r, 400, "a user id is a positive decimal number");
        return;
    }
    if (!method_is(r, "GET")) {
        not_allowed(r, "GET");
        return;
    }
    if (admit(r, ROUTE_USER_ORDERS))
        api_orders_list(r, uid, query);
}

static void route_api_skus(struct req *r, const char *rest, const char *query)
{
    const char *slash = strchr(rest, '/');
    char sku[HCSERVER_SKU_MAX + 1];

    r->label = ROUTE_SKU_ORDERS;
    if (slash == NULL || strcmp(slash, "/orders") != 0) {
        reply_problem(r, 404, "no such route");
        return;
    }
    if (decode_sku(rest, (size_t)(slash - rest), sku) < 0) {
        reply_problem(r, 400, "a sku is 1 to 63 bytes of UTF-8, percent-encoded as needed");
        return;
    }
    if (!method_is(r, "GET")) {
        not_allowed(r, "GET");
        return;
    }
    if (admit(r, ROUTE_SKU_ORDERS))
        api_orders_list_sku(r, sku, query);
}

static void route_api_flash(struct req *r, const char *rest)
{
    const char *slash = strchr(rest, '/');
    char sku[HCSERVER_SKU_MAX + 1];
    size_t len = slash ? (size_t)(slash - rest) : strlen(rest);
    uint64_t t;

    if (strncmp(rest, "tickets/", 8) == 0) {
        r->label = ROUTE_FLASH_TICKET;
        if (order_parse_id(rest + 8, strlen(rest + 8), &t) < 0) {
            reply_problem(r, 400, "a ticket is a positive decimal number");
            return;
        }
        if (!method_is(r, "GET"))
            not_allowed(r, "GET");
        else if (admit(r, ROUTE_FLASH_TICKET))
            api_flash_ticket(r, t);
        return;
    }
    r->label = slash ? ROUTE_FLASH_GRAB : ROUTE_FLASH_GET;
    if (!valid_sku(rest, len)) {
        reply_problem(r, 400, "a sku is 1 to 63 letters, digits, '_', '-' or '.'");
        return;
    }
    memcpy(sku, rest, len);
    sku[len] = '\0';
    if (slash == NULL) {
        if (!method_is(r, "GET"))
            not_allowed(r, "GET");
        else if (admit(r, ROUTE_FLASH_GET))
            api_flash_get(r, sku);
    } else if (strcmp(slash, "/grab") == 0) {
        if (!method_is(r, "POST"))
            not_allowed(r, "POST");
        else if (admit(r, ROUTE_FLASH_GRAB))
            api_flash_grab(r, sku);
    } else {
        r->label = ROUTE_OTHER;
        reply_problem(r, 404, "no such route");
    }
}

static void route(struct req *r)
{
    char *path = r->target.data;
    char *query = strchr(path, '?');

    if (query != NULL)
        *query++ = '\0';
    else
        query = "";
    if (strncmp(path, "/api/orders", 11) == 0) {
        route_api_orders(r, path + 11);
    } else if (strncmp(path, "/api/users/", 11) == 0) {
        route_api_users(r, path + 11, query);
    } else if (strncmp(path, "/api/skus/", 10) == 0) {
        route_api_skus(r, path + 10, query);
    } else if (strncmp(path, "/api/flash/", 11) == 0) {
        route_api_flash(r, path + 11);
    } else if (strcmp(path, "/api/events") == 0) {
        r->label = ROUTE_EVENTS;
        if (!method_is(r, "POST"))
            not_allowed(r, "POST");
        else if (admit(r, ROUTE_EVENTS))
            api_misc_events(r);
    } else if (strncmp(path, "/static/", 8) == 0) {
        r->label = ROUTE_STATIC;
        if (!method_is(r, "GET"))
            not_allowed(r, "GET");
        else
            api_misc_static(r, path + 8);
    } else if (strcmp(path, "/metrics") == 0) {
        r->label = ROUTE_METRICS;
        api_misc_metrics(r);
    } else if (strcmp(path, "/healthz") == 0) {
        r->label = ROUTE_HEALTHZ;
        api_misc_healthz(r);
    } else if (strcmp(path, "/readyz") == 0) {
        r->label = ROUTE_READYZ;
        api_misc_readyz(r);
    } else if (strncmp(path, "/admin/", 7) == 0) {
        r->label = ROUTE_ADMIN;
        api_admin(r, path + 7);
    } else {
        r->label = ROUTE_OTHER;
        reply_problem(r, 404, "no such route: %.200s", path);
    }
}

void router_rates(const struct config *cfg, double rates[ROUTE_COUNT])
{
    for (int i = 0; i < ROUTE_COUNT; i++)
        rates[i] = 0;
    rates[ROUTE_ORDER_CREATE] = cfg->rate_orders;
    rates[ROUTE_ORDER_GET] = cfg->rate_reads;
    rates[ROUTE_EVENTS] = cfg->rate_events;
    rates[ROUTE_FLASH_GRAB] = cfg->rate_flash;
}

static void router_dispatch(struct req *r)
{
    /* Whatever a handler parses on this thread comes from the request's arena. */
    struct hc_arena *prev = jsonmem_enter(&r->arena);

    api_ctx_reset(api_ctx(r));
    if (r->target.len == 0 || r->target.data[0] != '/') {
        reply_problem(r, 400, "the request target must be an absolute path");
    } else {
        route(r);
    }
    jsonmem_leave(prev);
}

static void router_done(struct req *r, double seconds)
{
    struct server *srv = server_of(r);

    stats_request(srv->stats, r->label < 0 ? ROUTE_OTHER : r->label, r->status, seconds);
}

void router_app(struct server *srv, struct req_app *app)
{
    app->dispatch = router_dispatch;
    app->done = router_done;
    app->ctx_size = sizeof(struct api_ctx);
    app->arg = srv;
}
