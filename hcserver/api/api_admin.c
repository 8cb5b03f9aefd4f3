/*
 * api_admin.c: the /admin/ routes: degradation switches, cache preload, the hot-key report,
 * queue and shard status, flash-sale creation. Every one needs --admin-token, compared in
 * constant time; with no token configured they are all off (403).
 */
#include <stdlib.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/api_ctx.h"
#include "domain/orders.h"
#include "domain/flash.h"
#include "domain/breaker.h"
#include "domain/degrade.h"
#include "domain/hotkeys.h"
#include "hc/limits.h"
#include "api/jsonmem.h"
#include "http/reply.h"
#include "http/router.h"
#include "server.h"

static bool token_ok(const char *want, const char *got)
{
    size_t wl = strlen(want), gl = strlen(got);
    unsigned char diff = (unsigned char)(wl != gl);

    for (size_t i = 0; i < wl; i++)
        diff |= (unsigned char)(want[i] ^ (i < gl ? got[i] : 0));
    return diff == 0;
}

/* The token the client sent (Authorization: Bearer, or X-Admin-Token) into out; "" if none. */
static void admin_token(const struct req *r, char *out, size_t cap)
{
    size_t len = 0;
    const char *v = req_header(r, "Authorization", &len);

    if (v != NULL && len > 7 && strncasecmp(v, "Bearer ", 7) == 0 && len - 7 < cap) {
        v += 7;
        len -= 7;
    } else {
        v = req_header(r, "X-Admin-Token", &len);
        if (v == NULL)
            len = 0;
        if (len >= cap)
            len = cap - 1;
    }
    memcpy(out, v != NULL ? v : "", len);
    out[len] = '\0';
}

static void reply_jansson(struct req *r, int status, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);

    reply_json(r, status, text, strlen(text), NULL, 0);
    jsonmem_free(text); /* jansson's memory: perhaps the request's arena, not malloc's */
    json_decref(doc);
}

static const struct {
    const char *name;
    int route;
} degrade_names[] = {
    {"events", ROUTE_EVENTS},           {"listings", ROUTE_USER_ORDERS},
    {"sku-listings", ROUTE_SKU_ORDERS}, {"flash", ROUTE_FLASH_GRAB},
    {"orders-read", ROUTE_ORDER_GET},   {"orders-create", ROUTE_ORDER_CREATE},
    {"static", ROUTE_STATIC},
};

static json_t *degrade_state(struct server *srv)
{
    json_t *o = json_object();

    for (size_t i = 0; i < HC_ARRAY_LEN(degrade_names); i++)
        json_object_set_new(o, degrade_names[i].name,
                            json_boolean(degrade_switch(srv->degrade, degrade_names[i].route)));
    return o;
}

static void admin_degrade(struct req *r)
{
    json_error_t jerr;
    json_t *root, *name, *on;

    if (strcmp(r->method, "GET") == 0) {
        reply_jansson(r, 200, degrade_state(server_of(r)));
        return;
    }
    root = json_loadb(r->body.data, r->body.len, 0, &jerr);
    name = json_is_object(root) ? json_object_get(root, "route") : NULL;
    on = json_is_object(root) ? json_object_get(root, "on") : NULL;
    if (!json_is_string(name) || !json_is_boolean(on)) {
        reply_problem(r, 400, "the body must be {\"route\": \"events\", \"on\": true}");
        json_decref(root);
        return;
    }
    for (size_t i = 0; i < HC_ARRAY_LEN(degrade_names); i++) {
        if (strcmp(json_string_value(name), degrade_names[i].name) == 0) {
            degrade_set(server_of(r)->degrade, degrade_names[i].route, json_is_true(on));
            json_decref(root);
            reply_jansson(r, 200, degrade_state(server_of(r)));
            return;
        }
    }
    json_decref(root);
    reply_problem(r, 400,
                  "unknown route; one of events, listings, sku-listings, flash, "
                  "orders-read, orders-create, static");
}

static void admin_hotkeys(struct req *r)
{
    uint64_t ids[HC_SERVER_MAX_HOT_KEYS], counts[HC_SERVER_MAX_HOT_KEYS];
    size_t n = hotkeys_top(server_of(r)->hot, ids, counts, HC_SERVER_MAX_HOT_KEYS);
    json_t *arr = json_array();

    for (size_t i = 0; i < n; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "id", json_integer((json_int_t)ids[i]));
        json_object_set_new(e, "count", json_integer((json_int_t)counts[i]));
        json_object_set_new(e, "path",
                            json_sprintf("/api/orders/%llu", (unsigned long long)ids[i]));
        json_array_append_new(arr, e);
    }
    reply_jansson(r, 200, json_pack("{s:o}", "keys", arr));
}

static json_t *pool_json(struct hc_pool *p)
{
    struct hc_pool_stats s;

    hc_pool_stats(p, &s);
    return json_pack("{s:i,s:i,s:i,s:i,s:I,s:I}", "threads", (int)s.threads, "active",
                     (int)s.active, "queued", (int)s.queued, "queue_cap", (int)s.queue_cap,
                     "completed", (json_int_t)s.completed, "rejected", (json_int_t)s.rejected);
}

static void admin_queues(struct req *r)
{
    struct server *srv = server_of(r);

    reply_jansson(r, 200,
                  json_pack("{s:{s:o,s:o,s:o},s:I}", "pools", "critical", pool_json(srv->critical),
                            "secondary", pool_json(srv->secondary), "noncritical",
                            pool_json(srv->noncritical), "flash_queue",
                            (json_int_t)flash_queue_depth(srv->flash)));
}

static void admin_shards(struct req *r)
{
    static const char *const states[] = {"closed", "open", "half-open"};
    struct server *srv = server_of(r);
    json_t *arr = json_array();

    for (unsigned i = 0; i < srv->store->shards; i++)
        json_array_append_new(
            arr, json_pack("{s:i,s:s,s:s,s:I}", "shard", (int)i, "role", "primary", "breaker",
                           states[breaker_state(srv->breakers, i)], "write_queue",
                           (json_int_t)srv->store->ops->queue_depth(srv->store, i)));
    reply_jansson(r, 200, json_pack("{s:s,s:o}", "backend", srv->store->ops->name, "shards", arr));
}

static void preload_task(void *arg)
{
    struct req *r = arg;
    struct hc_arena *prev = jsonmem_enter(&r->arena); /* ids were parsed into it */
    json_t *ids = api_ctx(r)->pending;
    size_t i, loaded = 0, missing = 0;
    json_t *v;

    json_array_foreach(ids, i, v)
    {
        struct order o;
        enum orders_source src;
        int rc = orders_get(server_of(r)->orders, (uint64_t)json_integer_value(v), &o, &src);
        if (rc == 0)
            loaded++;
        else
            missing++;
    }
    json_decref(ids);
    api_ctx(r)->pending = NULL;
    reply_jansson(
        r, 200,
        json_pack("{s:I,s:I}", "loaded", (json_int_t)loaded, "missing", (json_int_t)missing));
    jsonmem_leave(prev);
    req_finish_async(r);
}

static void admin_preload(struct req *r)
{
    json_error_t jerr;
    json_t *root = json_loadb(r->body.data, r->body.len, 0, &jerr);
    json_t *ids = json_is_object(root) ? json_object_get(root, "ids") : NULL;
    size_t i;
    json_t *v;

    if (!json_is_array(ids) || json_array_size(ids) > 100000) {
        reply_problem(r, 400, "the body must be {\"ids\": [order ids...]} (at most 100000)");
        json_decref(root);
        return;
    }
    json_array_foreach(ids, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) < 1) {
            reply_problem(r, 400, "ids must be positive integers");
            json_decref(root);
            return;
        }
    }
    api_ctx(r)->pending = json_incref(ids);
    json_decref(root);
    if (hc_pool_submit(server_of(r)->secondary, preload_task, r) < 0) {
        json_decref(api_ctx(r)->pending);
        api_ctx(r)->pending = NULL;
        reply_problem(r, 503, "the secondary pool is full; retry");
        return;
    }
    req_away(r);
}

static void admin_flash(struct req *r)
{
    json_error_t jerr;
    json_t *root = json_loadb(r->body.data, r->body.len, 0, &jerr);
    json_t *sku = json_is_object(root) ? json_object_get(root, "sku") : NULL;
    json_t *stock = json_is_object(root) ? json_object_get(root, "stock") : NULL;
    int rc;

    if (!json_is_string(sku) || !json_is_integer(stock) || json_integer_value(stock) < 0 ||
        json_integer_value(stock) > HC_SERVER_MAX_FLASH_STOCK) {
        reply_problem(r, 400, "the body must be {\"sku\": \"...\", \"stock\": 0..%d}",
                      HC_SERVER_MAX_FLASH_STOCK);
        json_decref(root);
        return;
    }
    rc = flash_create_sale(server_of(r)->flash, json_string_value(sku),
                           (uint64_t)json_integer_value(stock));
    if (rc == 0)
        api_flash_get(r, json_string_value(sku));
    else if (rc == -EINVAL)
        reply_problem(r, 400, "a sku is 1 to 63 letters, digits, '_', '-' or '.'");
    else if (rc == HC_ETOOLARGE)
        reply_problem(r, 409, "too many flash sales");
    else
        reply_problem(r, 500, "the sale could not be stored: %s", hc_strerror(rc));
    json_decref(root);
}

/* The admin routes: a path, the methods it takes (its Allow header) and its handler. */
struct admin_route {
    const char *path;
    bool get, post;
    const char *allow;
    void (*handle)(struct req *r);
};

static const struct admin_route admin_routes[] = {
    {"degrade", true, true, "GET, POST", admin_degrade},
    {"hotkeys", true, false, "GET", admin_hotkeys},
    {"queues", true, false, "GET", admin_queues},
    {"shards", true, false, "GET", admin_shards},
    {"preload", false, true, "POST", admin_preload},
    {"flash", false, true, "POST", admin_flash},
};

void api_admin(struct req *r, const char *path)
{
    const char *want = server_of(r)->cfg->admin_token;
    bool get = strcmp(r->method, "GET") == 0, post = strcmp(r->method, "POST") == 0;
    char token[128];

    if (!atomic_load(&server_of(r)->ready)) {
        reply_problem(r, 503, "the server is starting or draining");
        return;
    }
    if (want == NULL || want[0] == '\0') {
        reply_problem(r, 403, "admin routes are off: start hcserver with --admin-token");
        return;
    }
    admin_token(r, token, sizeof(token));
    if (!token_ok(want, token)) {
        struct hc_http_header h = HC_HTTP_HDR("WWW-Authenticate", "Bearer realm=\"hcserver\"");
        reply_problem_h(r, 401, &h, 1, "a valid admin token is needed (Authorization: Bearer)");
        return;
    }
    for (size_t i = 0; i < sizeof(admin_routes) / sizeof(admin_routes[0]); i++) {
        const struct admin_route *a = &admin_routes[i];
        if (strcmp(path, a->path) != 0)
            continue;
        if ((get && a->get) || (post && a->post)) {
            a->handle(r);
        } else {
            /* The route exists: the method is what is wrong (RFC 9110 15.5.6). */
            struct hc_http_header h = HC_HTTP_HDR("Allow", a->allow);
            reply_problem_h(r, 405, &h, 1, "%s is not allowed on /admin/%s; use %s", r->method,
                            a->path, a->allow);
        }
        return;
    }
    reply_problem(r, 404, "no admin route %.100s", path);
}
