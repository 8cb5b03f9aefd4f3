/*
 * api_orders.c: the order routes.
 *
 * POST /api/orders: the body is read on the loop thread (small and bounded), the write goes to
 * the shard's committer and the answer comes back once the group it joined is committed; no
 * pool thread waits on the disk meanwhile.
 *
 * GET /api/orders/{id}: an L1 hit is answered on the loop thread; a miss goes to the critical
 * pool, where the cache's single-flight load reads the shard.
 *
 * PATCH /api/orders/{id}: on the critical pool, under the order's lock: delete the cache
 * entry, update the store (waiting for the commit), put the new order in the cache, answer.
 * Two PATCHes of one order therefore never interleave their cache and store steps.
 *
 * GET /api/users/{uid}/orders: a listing, on the secondary pool.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_ctx.h"
#include "api/api_idem.h"
#include "domain/cache.h"
#include "domain/confirm.h"
#include "domain/breaker.h"
#include "domain/hotkeys.h"
#include "hc/limits.h"
#include "backend/l2.h"
#include "http/reply.h"
#include "server.h"

#define ORDER_LOCKS 1024

static pthread_mutex_t order_locks[ORDER_LOCKS];
static pthread_once_t order_locks_once = PTHREAD_ONCE_INIT;

static void order_locks_init(void)
{
    for (int i = 0; i < ORDER_LOCKS; i++)
        pthread_mutex_init(&order_locks[i], NULL);
}

static pthread_mutex_t *order_lock(uint64_t id)
{
    pthread_once(&order_locks_once, order_locks_init);
    return &order_locks[(id * 0x9E3779B97F4A7C15ULL) >> 54];
}

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

/* ---- create -------------------------------------------------------------------------- */

static void create_done(struct store_op *op)
{
    struct req *r = op->arg;
    struct server *srv = server_of(r);
    unsigned shard = store_shard_of_user(srv->store, op->order.user_id);

    breaker_report(srv->breakers, shard, op->result != -EIO);
    if (op->result == 0 || op->result == -EEXIST) {
        reply_order(r, 201, &op->order, NULL);
        if (op->result == 0) {
            cache_put(srv->cache, &op->order);
            confirm_enqueue(srv->confirm, op->order.id);
        }
    } else {
        reply_problem(r, 500, "the order could not be stored; it was not created");
    }
    api_idem_finish(r);
    req_finish_async(r);
}

void api_orders_create(struct req *r)
{
    struct server *srv = server_of(r);
    const char *why = NULL;
    struct store_op *op = &api_ctx(r)->op;
    unsigned shard;
    int rc;

    memset(op, 0, sizeof(*op));
    if (order_from_json(r->body.data, r->body.len, &op->order, &why) < 0) {
        reply_problem(r, 400, "%s", why);
        return;
    }
    shard = store_shard_of_user(srv->store, op->order.user_id);
    if (!breaker_allow(srv->breakers, shard)) {
        reply_busy(r, "the order's shard is failing (circuit open); retry later");
        return;
    }
    if (!api_idem_enter(r))
        return;
    snprintf(op->idem_key, sizeof(op->idem_key), "%s", api_ctx(r)->idem_key);
    op->kind = STORE_CREATE;
    op->done = create_done;
    op->arg = r;
    rc = store_submit(srv->store, op);
    if (rc < 0) {
        reply_busy(r, rc == -EAGAIN ? "too many orders are waiting to be stored; retry"
                                    : "the server is shutting down");
        api_idem_finish(r);
        return;
    }
    req_away(r);
}

/* ---- get ----------------------------------------------------------------------------- */

/* What a miss loads through: L2, then the shard (whose answer fills L2). */
struct load {
    struct server *srv;
    const char *source; /* "L2" or "DB": where the value came from */
};

static int load_through(void *arg, uint64_t id, struct order *out)
{
    struct load *ld = arg;
    struct server *srv = ld->srv;
    unsigned shard = order_id_shard(id);
    int rc;

    if (srv->l2->ops->get(srv->l2, id, out) == 0) {
        ld->source = "L2";
        return 0;
    }
    if (!breaker_allow(srv->breakers, shard))
        return -EHOSTUNREACH;
    rc = store_get(srv->store, id, out);
    breaker_report(srv->breakers, shard, rc == 0 || rc == -ENOENT || rc == -ENODEV);
    if (rc == 0)
        srv->l2->ops->set(srv->l2, out, srv->cfg->cache_ttl);
    return rc;
}

static void get_task(void *arg)
{
    struct req *r = arg;
    struct order o;
    struct load ld = {server_of(r), "DB"};
    int rc = cache_load(server_of(r)->cache, api_ctx(r)->id, load_through, &ld, &o);

    if (rc == 0)
        reply_order(r, 200, &o, ld.source);
    else if (rc == -ENOENT || rc == -ENODEV) {
        struct hc_http_header h = HC_HTTP_HDR("X-Cache", "DB");
        reply_problem_h(r, 404, &h, 1, "no order %llu", (unsigned long long)api_ctx(r)->id);
    } else if (rc == -EHOSTUNREACH)
        reply_busy(r, "the order's shard is failing (circuit open); retry later");
    else
        reply_problem(r, 500, "the order could not be read");
    req_finish_async(r);
}

void api_orders_get(struct req *r, uint64_t id)
{
    struct server *srv = server_of(r);
    struct order o;
    int rc;

    hotkeys_note(srv->hot, id);
    rc = cache_get(srv->cache, id, &o);
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

struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
};

static void patch_done(struct store_op *op)
{
    struct waiter *w = op->arg;

    pthread_mutex_lock(&w->mu);
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void patch_task(void *arg)
{
    struct req *r = arg;
    struct server *srv = server_of(r);
    struct store_op *op = &api_ctx(r)->op;
    struct waiter w = {.done = false};
    pthread_mutex_t *lock = order_lock(api_ctx(r)->id);
    unsigned shard = order_id_shard(api_ctx(r)->id);
    int rc;

    memset(op, 0, sizeof(*op));
    op->kind = STORE_SET_STATUS;
    op->id = api_ctx(r)->id;
    op->new_status = api_ctx(r)->new_status;
    op->done = patch_done;
    op->arg = &w;
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);

    pthread_mutex_lock(lock);
    cache_delete(srv->cache, api_ctx(r)->id);
    srv->l2->ops->del(srv->l2, api_ctx(r)->id);
    rc = store_submit(srv->store, op);
    if (rc == 0) {
        pthread_mutex_lock(&w.mu);
        while (!w.done)
            pthread_cond_wait(&w.cv, &w.mu);
        pthread_mutex_unlock(&w.mu);
        rc = op->result;
        if (rc == 0 || rc == -EPERM) {
            cache_put(srv->cache, &op->order);
            srv->l2->ops->set(srv->l2, &op->order, srv->cfg->cache_ttl);
        }
    }
    pthread_mutex_unlock(lock);
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    breaker_report(srv->breakers, shard, rc != -EIO);

    if (rc == 0)
        reply_order(r, 200, &op->order, NULL);
    else if (rc == -EPERM)
        reply_problem(r, 409, "order %llu is %s and cannot become %s",
                      (unsigned long long)api_ctx(r)->id, order_status_name(op->order.status),
                      order_status_name(api_ctx(r)->new_status));
    else if (rc == -ENOENT || rc == -ENODEV)
        reply_problem(r, 404, "no order %llu", (unsigned long long)api_ctx(r)->id);
    else if (rc == -EAGAIN)
        reply_busy(r, "too many writes are waiting on this shard; retry");
    else
        reply_problem(r, 500, "the order could not be updated");
    api_idem_finish(r);
    req_finish_async(r);
}

void api_orders_patch(struct req *r, uint64_t id)
{
    struct server *srv = server_of(r);
    json_error_t jerr;
    json_t *root = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *st = json_is_object(root) ? json_object_get(root, "status") : NULL;
    bool parsed = root != NULL, is_string = json_is_string(st);
    int status = is_string ? order_status_parse(json_string_value(st)) : -1;

    /* Released before r can be handed to a pool, which may then use r's arena. */
    json_decref(root);
    if (!parsed) {
        reply_problem(r, 400, "the body is not valid JSON");
    } else if (!is_string) {
        reply_problem(r, 400, "the body must be {\"status\": \"<STATUS>\"}");
    } else if (status < 0) {
        reply_problem(r, 400,
                      "unknown status; one of PENDING, CONFIRMED, PREPARING, "
                      "DELIVERING, DELIVERED, CANCELLED");
    } else if (!breaker_allow(srv->breakers, order_id_shard(id))) {
        reply_busy(r, "the order's shard is failing (circuit open); retry later");
    } else if (order_id_shard(id) >= srv->store->shards) {
        reply_problem(r, 404, "no order %llu", (unsigned long long)id);
    } else if (api_idem_enter(r)) {
        api_ctx(r)->id = id;
        api_ctx(r)->new_status = status;
        if (hc_pool_submit(srv->critical, patch_task, r) < 0) {
            reply_busy(r, "the order pool is full; retry");
            api_idem_finish(r);
        } else {
            req_away(r);
        }
    }
}

/* ---- list ---------------------------------------------------------------------------- */

_Static_assert((HC_SERVER_MAX_LIST_LIMIT * ORDER_JSON_MAX) + 128 <= HC_SERVER_REQ_ARENA_MAX_BYTES,
               "the largest listing fits in a request's arena");

/*
 * The listing document for orders[0..n) of user, in r's arena: NULL only if the arena is
 * full, which a GET's fresh arena never is (see the assertion above). It is measured first
 * and then written, so it takes exactly its length from the arena: a default page of 20
 * orders fits in the block a request keeps, and only the largest pages need another.
 */
static char *list_body(struct req *r, uint64_t user, const struct order *orders, size_t n,
                       bool more, size_t *len_out)
{
    char head[64], tail[48], one[ORDER_JSON_MAX];
    int hl =
        snprintf(head, sizeof(head), "{\"user_id\":%llu,\"orders\":[", (unsigned long long)user);
    int tl = more ? snprintf(tail, sizeof(tail), "],\"next_before\":%llu}",
                             (unsigned long long)orders[n - 1].id)
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
    struct server *srv = server_of(r);
    size_t cap = (size_t)api_ctx(r)->limit, n = 0, len = 0;
    struct order orders[HC_SERVER_MAX_LIST_LIMIT]; /* a pool thread's stack has room */
    unsigned shard = store_shard_of_user(srv->store, api_ctx(r)->id);
    char *body;
    int rc = -EHOSTUNREACH;

    if (breaker_allow(srv->breakers, shard)) {
        rc = srv->store->ops->list_user(srv->store, api_ctx(r)->id, api_ctx(r)->before, orders, cap,
                                        &n);
        breaker_report(srv->breakers, shard, rc == 0);
    }
    if (rc == 0) {
        body = list_body(r, api_ctx(r)->id, orders, n, n == cap && n > 0, &len);
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

void api_orders_list(struct req *r, uint64_t user, const char *query)
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
    api_ctx(r)->id = user;
    api_ctx(r)->before = before;
    api_ctx(r)->limit = (int)limit;
    if (hc_pool_submit(srv->secondary, list_task, r) < 0) {
        reply_busy(r, "the listing pool is full; retry");
        return;
    }
    req_away(r);
}
