/*
 * api_orders.c: the order routes: JSON in, a call of the orders module (orders.h, which owns
 * the cache and store rules), HTTP out.
 *
 * POST /api/orders: the body is read on the loop thread (small and bounded), the write goes to
 * the shard's committer and the answer comes back once the group it joined is committed; no
 * pool thread waits on the disk meanwhile.
 *
 * GET /api/orders/{id}: an L1 hit is answered on the loop thread; a miss goes to the critical
 * pool, where the orders module loads it (L2, then the shard).
 *
 * PATCH /api/orders/{id}: like a creation, the status change goes to the shard's committer
 * and is answered from its done callback, once the caches hold the order as stored.
 *
 * GET /api/users/{uid}/orders and GET /api/skus/{sku}/orders: listings, on the secondary pool.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_ctx.h"
#include "api/api_idem.h"
#include "domain/confirm.h"
#include "domain/hotkeys.h"
#include "domain/orders.h"
#include "hc/limits.h"
#include "http/reply.h"
#include "server.h"

static void reply_order(struct req *r, int status, const struct order *o, const char *xcache)
{
    char loc[64];
    struct hc_http_header h[2];
    size_t n = 0;
    char body[ORDER_JSON_MAX];
    int len = order_format(o, body, sizeof(body));

    if (xcache != NULL)
        h[n++] = HC_HTTP_HDR("X-Cache", xcache);
    if (status == 201) {
        snprintf(loc, sizeof(loc), "/api/orders/%llu", (unsigned long long)o->id);
        h[n++] = HC_HTTP_HDR("Location", loc);
    }
    reply_json(r, status, body, len > 0 ? (size_t)len : 0, h, n);
}

static void reply_busy(struct req *r, const char *what)
{
    struct hc_http_header h = HC_HTTP_HDR("Retry-After", "1");

    reply_problem_h(r, 503, &h, 1, "%s", what);
}

/* Answers a write the orders module did not take (orders_create / orders_set_status); failed
 * says what did not happen. */
static void reply_not_submitted(struct req *r, int rc, const char *failed)
{
    if (rc == -EIO)
        reply_problem(r, 500, "%s", failed);
    else if (rc == -EHOSTUNREACH)
        reply_busy(r, "the order's shard is failing (circuit open); retry later");
    else if (rc == -EAGAIN)
        reply_busy(r, "too many writes are waiting on this shard; retry");
    else if (rc == -ENODEV)
        reply_problem(r, 404, "no order %llu", (unsigned long long)api_ctx(r)->id);
    else
        reply_busy(r, "the server is shutting down");
}

/* ---- create -------------------------------------------------------------------------- */

/*
 * A creation whose Idempotency-Key the store already holds with an order: the key's first
 * request made it, and the in-memory table no longer knows (a restart, or the key was
 * forgotten). Same body: the first answer again, rebuilt from the order, as a replay; another
 * body: 422, as the table would say.
 */
static void create_replay(struct req *r, const struct order *found)
{
    struct api_ctx *x = api_ctx(r);
    struct order first = *found;
    char body[ORDER_JSON_MAX];
    int len;

    if (!order_same_request(&x->asked, found)) {
        reply_problem(r, 422, "this Idempotency-Key was used with a different request");
        return;
    }
    order_as_created(&first);
    len = order_format(&first, body, sizeof(body));
    api_idem_replay(r, 201, body, len > 0 ? (size_t)len : 0);
}

static void create_done(struct orders_write *w)
{
    struct req *r = w->arg;

    if (w->op.result == 0) {
        reply_order(r, 201, &w->op.order, NULL);
        confirm_enqueue(server_of(r)->confirm, w->op.order.id);
    } else if (w->op.result == -EEXIST) {
        create_replay(r, &w->op.order);
    } else {
        reply_problem(r, 500, "the order could not be stored; it was not created");
    }
    api_idem_finish(r);
    req_finish_async(r);
}

void api_orders_create(struct req *r)
{
    struct api_ctx *x = api_ctx(r);
    struct orders_write *w = &x->w;
    const char *why = NULL;
    int rc;

    memset(w, 0, sizeof(*w));
    if (order_from_json(r->body.data, r->body.len, &w->op.order, &why) < 0) {
        reply_problem(r, 400, "%s", why);
        return;
    }
    if (!api_idem_enter(r))
        return;
    x->asked = w->op.order;
    snprintf(w->op.idem_key, sizeof(w->op.idem_key), "%s", x->idem_key);
    w->done = create_done;
    w->arg = r;
    rc = orders_create(server_of(r)->orders, w);
    if (rc < 0) {
        if (rc == -EAGAIN)
            reply_busy(r, "too many orders are waiting to be stored; retry");
        else
            reply_not_submitted(r, rc, "the order could not be stored; it was not created");
        api_idem_finish(r);
        return;
    }
    req_away(r);
}

/* ---- get ----------------------------------------------------------------------------- */

static void get_task(void *arg)
{
    struct req *r = arg;
    uint64_t id = api_ctx(r)->id;
    struct order o;
    enum orders_source src;
    int rc = orders_get(server_of(r)->orders, id, &o, &src);

    if (rc == 0) {
        reply_order(r, 200, &o, src == ORDERS_L2 ? "L2" : src == ORDERS_L1 ? "L1" : "DB");
    } else if (rc == -ENOENT || rc == -ENODEV) {
        struct hc_http_header h = HC_HTTP_HDR("X-Cache", "DB");
        reply_problem_h(r, 404, &h, 1, "no order %llu", (unsigned long long)id);
    } else if (rc == -EHOSTUNREACH) {
        reply_busy(r, "the order's shard is failing (circuit open); retry later");
    } else {
        reply_problem(r, 500, "the order could not be read");
    }
    req_finish_async(r);
}

void api_orders_get(struct req *r, uint64_t id)
{
    struct server *srv = server_of(r);
    struct order o;
    int rc;

    hotkeys_note(srv->hot, id);
    rc = orders_peek(srv->orders, id, &o);
    if (rc == 0) {
        reply_order(r, 200, &o, "L1");
        return;
    }
    if (rc == -ENOENT) {
        struct hc_http_header h = HC_HTTP_HDR("X-Cache", "L1");
        reply_problem_h(r, 404, &h, 1, "no order %llu", (unsigned long long)id);
        return;
    }
    api_ctx(r)->id = id;
    if (hc_pool_submit(srv->critical, get_task, r) < 0) {
        reply_busy(r, "the order pool is full; retry");
        return;
    }
    req_away(r);
}

/* ---- patch --------------------------------------------------------------------------- */

static void patch_done(struct orders_write *w)
{
    struct req *r = w->arg;
    struct api_ctx *x = api_ctx(r);
    int rc = w->op.result;

    if (rc == 0)
        reply_order(r, 200, &w->op.order, NULL);
    else if (rc == -EPERM)
        reply_problem(r, 409, "order %llu is %s and cannot become %s", (unsigned long long)x->id,
                      order_status_name(w->op.order.status), order_status_name(x->new_status));
    else if (rc == -ENOENT || rc == -ENODEV)
        reply_problem(r, 404, "no order %llu", (unsigned long long)x->id);
    else
        reply_problem(r, 500, "the order could not be updated");
    api_idem_finish(r);
    req_finish_async(r);
}

void api_orders_patch(struct req *r, uint64_t id)
{
    struct server *srv = server_of(r);
    struct api_ctx *x = api_ctx(r);
    json_error_t jerr;
    json_t *root = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *st = json_is_object(root) ? json_object_get(root, "status") : NULL;
    bool parsed = root != NULL, is_string = json_is_string(st);
    int status = is_string ? order_status_parse(json_string_value(st)) : -1;
    int rc;

    /* Released before r can be handed on, whose holder may then use r's arena. */
    json_decref(root);
    x->id = id;
    if (!parsed) {
        reply_problem(r, 400, "the body is not valid JSON");
    } else if (!is_string) {
        reply_problem(r, 400, "the body must be {\"status\": \"<STATUS>\"}");
    } else if (status < 0) {
        reply_problem(r, 400,
                      "unknown status; one of PENDING, CONFIRMED, PREPARING, "
                      "DELIVERING, DELIVERED, CANCELLED");
    } else if (order_id_shard(id) >= orders_shards(srv->orders)) {
        reply_problem(r, 404, "no order %llu", (unsigned long long)id);
    } else if (api_idem_enter(r)) {
        x->new_status = status;
        memset(&x->w, 0, sizeof(x->w));
        x->w.done = patch_done;
        x->w.arg = r;
        rc = orders_set_status(srv->orders, &x->w, id, status);
        if (rc < 0) {
            reply_not_submitted(r, rc, "the order could not be updated");
            api_idem_finish(r);
        } else {
            req_away(r);
        }
    }
}

/* ---- list ---------------------------------------------------------------------------- */

_Static_assert((HC_SERVER_MAX_LIST_LIMIT * ORDER_JSON_MAX) + 128 <= HC_SERVER_REQ_ARENA_MAX_BYTES,
               "the largest listing fits in a request's arena");

/* The opening of a sku listing, {"sku":"...","orders":[, into head (JSON-escaped: control
 * bytes as \u00XX; the router let only UTF-8 through). Its length. */
static int sku_head(const char *sku, char head[ORDER_JSON_MAX])
{
    static const char hex[] = "0123456789abcdef";
    int n = snprintf(head, ORDER_JSON_MAX, "{\"sku\":\"");

    for (const unsigned char *p = (const unsigned char *)sku; *p != '\0'; p++) {
        if (*p < 0x20) {
            n += snprintf(head + n, ORDER_JSON_MAX - (size_t)n, "\\u00%c%c", hex[*p >> 4],
                          hex[*p & 15]);
        } else {
            if (*p == '"' || *p == '\\')
                head[n++] = '\\';
            head[n++] = (char)*p;
        }
    }
    n += snprintf(head + n, ORDER_JSON_MAX - (size_t)n, "\",\"orders\":[");
    return n;
}

/*
 * The listing document head, orders[0..n), then next_before (next, or null when 0), in r's
 * arena: NULL only if the arena is full, which a GET's fresh arena never is (see the
 * assertion above). It is measured first and then written, so it takes exactly its length
 * from the arena: a default page of 20 orders fits in the block a request keeps, and only the
 * largest pages need another.
 */
static char *list_body(struct req *r, const char *head, int hl, const struct order *orders,
                       size_t n, uint64_t next, size_t *len_out)
{
    char tail[48], one[ORDER_JSON_MAX];
    int tl = next != 0
                 ? snprintf(tail, sizeof(tail), "],\"next_before\":%llu}", (unsigned long long)next)
                 : snprintf(tail, sizeof(tail), "],\"next_before\":null}");
    size_t len = (size_t)hl + (size_t)tl + (n > 0 ? n - 1 : 0), o = 0;
    char *body;

    for (size_t i = 0; i < n; i++)
        len += (size_t)HC_MAX(order_format(&orders[i], one, sizeof(one)), 0);
    body = hc_arena_alloc(&r->arena, len + 1);
    if (body == NULL)
        return NULL;
    memcpy(body, head, (size_t)hl);
    o = (size_t)hl;
    for (size_t i = 0; i < n; i++) {
        int k;
        if (i > 0)
            body[o++] = ',';
        /* order_format needs room for its NUL: the one after the whole body is there. */
        k = order_format(&orders[i], body + o, len + 1 - o);
        o += (size_t)HC_MAX(k, 0);
    }
    memcpy(body + o, tail, (size_t)tl);
    o += (size_t)tl;
    body[o] = '\0';
    *len_out = o;
    return body;
}

static void list_task(void *arg)
{
    struct req *r = arg;
    struct api_ctx *x = api_ctx(r);
    size_t cap = (size_t)x->limit, n = 0, len = 0;
    struct order orders[HC_SERVER_MAX_LIST_LIMIT]; /* a pool thread's stack has room */
    char *body;
    int rc = orders_list(server_of(r)->orders, x->id, x->before, orders, cap, &n);
    char head[64];
    int hl =
        snprintf(head, sizeof(head), "{\"user_id\":%llu,\"orders\":[", (unsigned long long)x->id);

    if (rc == 0) {
        body = list_body(r, head, hl, orders, n, n == cap && n > 0 ? orders[n - 1].id : 0, &len);
        if (body != NULL)
            reply_json(r, 200, body, len, NULL, 0);
        else
            reply_problem(r, 500, "the listing is larger than the server can build");
    } else if (rc == -EHOSTUNREACH) {
        reply_busy(r, "the user's shard is failing (circuit open); retry later");
    } else {
        reply_problem(r, 500, "the orders could not be read");
    }
    req_finish_async(r);
}

static void list_sku_task(void *arg)
{
    struct req *r = arg;
    struct api_ctx *x = api_ctx(r);
    size_t cap = (size_t)x->limit, n = 0, len = 0;
    struct order orders[HC_SERVER_MAX_LIST_LIMIT]; /* a pool thread's stack has room */
    char head[ORDER_JSON_MAX];
    uint64_t next = 0;
    char *body;
    int rc = orders_list_sku(server_of(r)->orders, x->asked.sku, x->before, orders, cap, &n, &next);

    if (rc == 0) {
        body = list_body(r, head, sku_head(x->asked.sku, head), orders, n, next, &len);
        if (body != NULL)
            reply_json(r, 200, body, len, NULL, 0);
        else
            reply_problem(r, 500, "the listing is larger than the server can build");
    } else if (rc == -EHOSTUNREACH) {
        reply_busy(r, "a shard of the listing is failing (circuit open); retry later");
    } else {
        reply_problem(r, 500, "the orders could not be read");
    }
    req_finish_async(r);
}

/* The value of name in a query string, copied into out; false when absent. */
static bool query_param(const char *q, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);

    while (*q) {
        const char *end = strchr(q, '&');
        size_t len = end ? (size_t)(end - q) : strlen(q);
        if (len > nl && strncmp(q, name, nl) == 0 && q[nl] == '=') {
            size_t vl = len - nl - 1;
            if (vl >= cap)
                vl = cap - 1;
            memcpy(out, q + nl + 1, vl);
            out[vl] = '\0';
            return true;
        }
        q += len;
        if (*q == '&')
            q++;
    }
    return false;
}

/* Reads a listing's limit and before into r's context and runs task on the secondary pool;
 * or answers 400 or 503. */
static void list_submit(struct req *r, const char *query, void (*task)(void *))
{
    struct server *srv = server_of(r);
    char v[32];
    uint64_t limit = 20, before = 0;

    if (query_param(query, "limit", v, sizeof(v)) &&
        (order_parse_id(v, strlen(v), &limit) < 0 || limit > HC_SERVER_MAX_LIST_LIMIT)) {
        reply_problem(r, 400, "limit must be an integer from 1 to %d", HC_SERVER_MAX_LIST_LIMIT);
        return;
    }
    if (query_param(query, "before", v, sizeof(v)) && order_parse_id(v, strlen(v), &before) < 0) {
        reply_problem(r, 400, "before must be an order id");
        return;
    }
    api_ctx(r)->before = before;
    api_ctx(r)->limit = (int)limit;
    if (hc_pool_submit(srv->secondary, task, r) < 0) {
        reply_busy(r, "the listing pool is full; retry");
        return;
    }
    req_away(r);
}

void api_orders_list(struct req *r, uint64_t user, const char *query)
{
    api_ctx(r)->id = user;
    list_submit(r, query, list_task);
}

void api_orders_list_sku(struct req *r, const char *sku, const char *query)
{
    /* The sku is kept where a creation keeps the one it asks for. */
    snprintf(api_ctx(r)->asked.sku, sizeof(api_ctx(r)->asked.sku), "%s", sku);
    list_submit(r, query, list_sku_task);
}
