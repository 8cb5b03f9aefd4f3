/*
 * redis_cluster_conn.c: struct hc_redis_conn, a blocking connection to one Redis or to a Redis
 * Cluster behind one set of calls, so that code written for hiredis's blocking API
 * (redisCommand, redisAppendCommand and redisGetReply) runs on either by changing its calls'
 * names only.
 *
 * For a cluster, each command is formatted once (hiredis's redisvFormatCommand), its key read
 * back from the formatted bytes, and those bytes written to the node of the key's slot; a
 * redirection writes the same bytes elsewhere. A pipeline is written node by node at the first
 * get_reply and read back in the order of the appends; a reply that is a redirection or a
 * TRYAGAIN is replaced by running that command again on its own, which keeps the order (the
 * commands after it on the same slot get the same redirection and are run again after it).
 */
#include "hc/redis_cluster.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CONN_MAX_ARGS 64 /* arguments read back to find the key (XREADGROUP's STREAMS) */

/* One node of the cluster and its context. */
struct conn_node {
    struct hc_redis_node_addr addr; /* as the cluster names it */
    redisContext *ctx;              /* NULL until first needed or after a failure */
};

/* A command appended and not yet read back. */
struct conn_piped {
    char *cmd;     /* formatted (hiredis's allocation) */
    size_t len;    /* its bytes */
    int node;      /* where it was written, -1 when it is still to run on its own */
    bool has_key;  /* routed by slot */
    unsigned slot; /* the key's slot */
};

struct hc_redis_conn {
    bool cluster;         /* redis-cluster:// */
    int64_t timeout_ns;   /* every read, write and connect */
    int64_t retry_ns;     /* the budget of waits for a master (timeout_ns unless set) */
    redisContext *single; /* redis://, redis+unix:// */
    bool failed;          /* a command failed on the connection */
    char errstr[256];     /* why */
    /* A cluster only (below). */
    struct hc_redis_cluster_addr addr;                  /* seeds and credentials */
    size_t nnodes;                                      /* in nodes */
    struct conn_node nodes[HC_REDIS_CLUSTER_MAX_NODES]; /* seeds first */
    int16_t slot[HC_REDIS_CLUSTER_SLOTS];               /* index into nodes, -1 unknown */
    bool stale;                                         /* refresh the map before the next */
    struct hc_redis_slotmap *scratch;                   /* a parsed CLUSTER SLOTS */
    struct conn_piped *pipe;                            /* HC_REDIS_CONN_MAX_PIPELINE */
    size_t phead, ntail;                                /* unread entries: [phead, ntail) */
    bool psent;                                         /* the pipeline was written */
};

static void conn_set_err(struct hc_redis_conn *c, const char *what, const char *detail)
{
    snprintf(c->errstr, sizeof(c->errstr), "%s%s%s", what, detail[0] ? ": " : "", detail);
}

static void sleep_ns(int64_t ns)
{
    struct timespec ts = {(time_t)(ns / HC_NSEC_PER_SEC), (long)(ns % HC_NSEC_PER_SEC)};
    nanosleep(&ts, NULL);
}

static int node_find(struct hc_redis_conn *c, const struct hc_redis_node_addr *a, bool add)
{
    for (size_t i = 0; i < c->nnodes; i++) {
        if (c->nodes[i].addr.port == a->port && strcmp(c->nodes[i].addr.host, a->host) == 0)
            return (int)i;
    }
    if (!add || c->nnodes == HC_REDIS_CLUSTER_MAX_NODES)
        return -1;
    c->nodes[c->nnodes].addr = *a;
    c->nodes[c->nnodes].ctx = NULL;
    return (int)c->nnodes++;
}

static void node_close(struct hc_redis_conn *c, int i)
{
    redisFree(c->nodes[i].ctx);
    c->nodes[i].ctx = NULL;
}

/* Node i's context, connected now when it has none. NULL (reason in errstr) when it fails. */
static redisContext *node_ctx(struct hc_redis_conn *c, int i)
{
    char url[HC_REDIS_MAX_URL_BYTES], err[200];

    if (c->nodes[i].ctx != NULL && c->nodes[i].ctx->err == 0)
        return c->nodes[i].ctx;
    node_close(c, i);
    if (hc_redis_node_url(&c->addr, &c->nodes[i].addr, url, sizeof(url)) < 0 ||
        hc_redis_sync_connect(url, c->timeout_ns, &c->nodes[i].ctx, err, sizeof(err)) < 0) {
        conn_set_err(c, c->nodes[i].addr.host, err);
        return NULL;
    }
    return c->nodes[i].ctx;
}

/* Reads the map from the first node that answers (masters of the map first). 0 or -EIO. */
static int conn_refresh(struct hc_redis_conn *c)
{
    bool master[HC_REDIS_CLUSTER_MAX_NODES] = {false};

    for (size_t s = 0; s < HC_REDIS_CLUSTER_SLOTS; s++) {
        if (c->slot[s] >= 0)
            master[c->slot[s]] = true;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < c->nnodes; i++) {
            if ((pass == 0) != master[i])
                continue;
            redisContext *ctx = node_ctx(c, (int)i);
            if (ctx == NULL)
                continue;
            redisReply *r = redisCommand(ctx, "CLUSTER SLOTS");
            char err[160];
            int rc = r != NULL ? hc_redis_slotmap_parse(r, c->nodes[i].addr.host, c->scratch, err,
                                                        sizeof(err))
                               : -EIO;
            if (r == NULL)
                node_close(c, (int)i);
            else if (rc < 0)
                conn_set_err(c, c->nodes[i].addr.host, err);
            freeReplyObject(r);
            if (rc < 0)
                continue;
            int16_t idx[HC_REDIS_CLUSTER_MAX_NODES];
            for (size_t k = 0; k < c->scratch->nnodes; k++)
                idx[k] = (int16_t)node_find(c, &c->scratch->nodes[k], true);
            for (size_t s = 0; s < HC_REDIS_CLUSTER_SLOTS; s++)
                c->slot[s] = c->scratch->slot[s] >= 0 ? idx[c->scratch->slot[s]] : -1;
            c->stale = false;
            return 0;
        }
    }
    return -EIO;
}

/* The key's slot of a formatted command (*N\r\n$len\r\narg\r\n...): false when it has none. */
static bool formatted_slot(const char *cmd, size_t len, unsigned *slot)
{
    const char *argv[CONN_MAX_ARGS], *p = cmd, *end = cmd + len, *key;
    size_t lens[CONN_MAX_ARGS], keylen;
    long n;
    int argc = 0;

    if (len < 4 || *p != '*')
        return false;
    n = strtol(p + 1, NULL, 10);
    p = memchr(p, '\n', (size_t)(end - p));
    while (p != NULL && ++p < end && argc < n && argc < CONN_MAX_ARGS && *p == '$') {
        long l = strtol(p + 1, NULL, 10);
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL || l < 0 || end - (nl + 1) < l + 2)
            return false;
        argv[argc] = nl + 1;
        lens[argc++] = (size_t)l;
        p = nl + 1 + l + 1;
    }
    if (argc == 0 || !hc_redis_command_key(argc, argv, lens, &key, &keylen))
        return false;
    *slot = hc_redis_cluster_slot(key, keylen);
    return true;
}

static int conn_route(struct hc_redis_conn *c, bool has_key, unsigned slot)
{
    if (has_key && c->slot[slot] >= 0)
        return c->slot[slot];
    for (size_t i = 0; i < c->nnodes; i++) {
        if (c->nodes[i].ctx != NULL && c->nodes[i].ctx->err == 0)
            return (int)i;
    }
    return c->nnodes > 0 ? 0 : -1;
}

static bool err_is(const redisReply *r, const char *word)
{
    size_t n = strlen(word);

    return r != NULL && r->type == REDIS_REPLY_ERROR && r->len >= n && memcmp(r->str, word, n) == 0;
}

static redisReply *conn_io_fail(struct hc_redis_conn *c, int node, const char *what)
{
    redisContext *ctx = c->nodes[node].ctx;

    conn_set_err(c, what, ctx != NULL ? ctx->errstr : "");
    node_close(c, node);
    c->stale = true;
    c->failed = true;
    return NULL;
}

/* Runs one formatted command on the cluster, following redirections (see the top). */
static redisReply *conn_exec(struct hc_redis_conn *c, const char *cmd, size_t len, bool has_key,
                             unsigned slot)
{
    int64_t deadline = hc_now_ns() + c->retry_ns;
    unsigned redirects = 0, retries = 0;
    int target = -1;
    bool asking = false;

    for (;;) {
        struct hc_redis_redirect rd;
        redisReply *r = NULL;
        int node;

        if (c->stale)
            conn_refresh(c);
        node = target >= 0 ? target : conn_route(c, has_key, slot);
        target = -1;
        redisContext *ctx = node >= 0 ? node_ctx(c, node) : NULL;
        if (ctx == NULL) {
            /* Never written: safe to try again once the map names another master. */
            int64_t delay = HC_REDIS_CLUSTER_RETRY_NS << (retries < 3 ? retries : 3);
            c->stale = true;
            if (retries++ < HC_REDIS_CLUSTER_MAX_RETRIES && hc_now_ns() + delay < deadline) {
                sleep_ns(delay);
                continue;
            }
            c->failed = true;
            return NULL;
        }
        if (asking)
            redisAppendCommand(ctx, "ASKING");
        redisAppendFormattedCommand(ctx, cmd, len);
        if (asking) {
            if (redisGetReply(ctx, (void **)&r) != REDIS_OK)
                return conn_io_fail(c, node, "ASKING");
            freeReplyObject(r);
            r = NULL;
            asking = false;
        }
        if (redisGetReply(ctx, (void **)&r) != REDIS_OK)
            return conn_io_fail(c, node, c->nodes[node].addr.host);
        if (r->type == REDIS_REPLY_ERROR && redirects < HC_REDIS_CLUSTER_MAX_REDIRECTS &&
            hc_redis_redirect_parse(r->str, r->len, &rd) == 0) {
            if (rd.to.host[0] == '\0')
                memcpy(rd.to.host, c->nodes[node].addr.host, sizeof(rd.to.host));
            target = node_find(c, &rd.to, true);
            if (target < 0)
                return r;
            redirects++;
            asking = rd.ask;
            if (!rd.ask) {
                c->slot[rd.slot] = (int16_t)target;
                c->stale = true;
            }
            freeReplyObject(r);
            continue;
        }
        if (err_is(r, "TRYAGAIN") || err_is(r, "CLUSTERDOWN")) {
            int64_t delay = HC_REDIS_CLUSTER_RETRY_NS << (retries < 3 ? retries : 3);
            if (retries++ < HC_REDIS_CLUSTER_MAX_RETRIES && hc_now_ns() + delay < deadline) {
                c->stale = c->stale || err_is(r, "CLUSTERDOWN");
                freeReplyObject(r);
                sleep_ns(delay);
                continue;
            }
        }
        return r;
    }
}

int hc_redis_conn_open(const char *url, int64_t timeout_ns, struct hc_redis_conn **out, char *err,
                       size_t errlen)
{
    struct hc_redis_conn *c;
    int rc;

    if (out == NULL || url == NULL || timeout_ns <= 0)
        return -EINVAL;
    *out = NULL;
    c = hc_xcalloc(1, sizeof(*c));
    c->timeout_ns = timeout_ns;
    c->retry_ns = timeout_ns;
    if (!hc_redis_url_is_cluster(url)) {
        rc = hc_redis_sync_connect(url, timeout_ns, &c->single, err, errlen);
        if (rc < 0) {
            free(c);
            return rc;
        }
        *out = c;
        return 0;
    }
    c->cluster = true;
    rc = hc_redis_cluster_url_parse(url, &c->addr, err, errlen);
    if (rc < 0) {
        free(c);
        return rc;
    }
    c->scratch = hc_xmalloc(sizeof(*c->scratch));
    c->pipe = hc_xcalloc(HC_REDIS_CONN_MAX_PIPELINE, sizeof(*c->pipe));
    memset(c->slot, 0xff, sizeof(c->slot));
    for (size_t i = 0; i < c->addr.nseeds; i++)
        node_find(c, &c->addr.seeds[i], true);
    if (conn_refresh(c) < 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "redis cluster: no seed gave its slot map (%s)", c->errstr);
        hc_redis_conn_free(c);
        return -ECONNREFUSED;
    }
    *out = c;
    return 0;
}

void hc_redis_conn_free(struct hc_redis_conn *c)
{
    if (c == NULL)
        return;
    redisFree(c->single);
    for (size_t i = 0; i < c->nnodes; i++)
        redisFree(c->nodes[i].ctx);
    for (size_t i = c->phead; c->pipe != NULL && i < c->ntail; i++)
        redisFreeCommand(c->pipe[i].cmd);
    hc_redis_cluster_addr_destroy(&c->addr);
    free(c->pipe);
    free(c->scratch);
    free(c);
}

static redisReply *conn_vcommand(struct hc_redis_conn *c, const char *fmt, va_list ap)
{
    char *cmd = NULL;
    int len;
    unsigned slot = 0;
    redisReply *r;

    if (!c->cluster) {
        r = redisvCommand(c->single, fmt, ap);
        if (r == NULL) {
            c->failed = true;
            conn_set_err(c, "redis", c->single->errstr);
        }
        return r;
    }
    len = redisvFormatCommand(&cmd, fmt, ap);
    if (len < 0)
        return NULL;
    bool has_key = formatted_slot(cmd, (size_t)len, &slot);
    r = conn_exec(c, cmd, (size_t)len, has_key, slot);
    redisFreeCommand(cmd);
    return r;
}

redisReply *hc_redis_conn_command(struct hc_redis_conn *c, const char *fmt, ...)
{
    va_list ap;
    redisReply *r;

    va_start(ap, fmt);
    r = conn_vcommand(c, fmt, ap);
    va_end(ap);
    return r;
}

redisReply *hc_redis_conn_command_argv(struct hc_redis_conn *c, int argc, const char **argv,
                                       const size_t *lens)
{
    char *cmd = NULL;
    int len;
    unsigned slot = 0;
    const char *key;
    size_t keylen;
    redisReply *r;

    if (!c->cluster) {
        r = redisCommandArgv(c->single, argc, argv, lens);
        if (r == NULL) {
            c->failed = true;
            conn_set_err(c, "redis", c->single->errstr);
        }
        return r;
    }
    len = redisFormatCommandArgv(&cmd, argc, argv, lens);
    if (len < 0)
        return NULL;
    bool has_key = hc_redis_command_key(argc, argv, lens, &key, &keylen) == 1;
    if (has_key)
        slot = hc_redis_cluster_slot(key, keylen);
    r = conn_exec(c, cmd, (size_t)len, has_key, slot);
    redisFreeCommand(cmd);
    return r;
}

redisReply *hc_redis_conn_command_all(struct hc_redis_conn *c, const char *fmt, ...)
{
    bool master[HC_REDIS_CLUSTER_MAX_NODES] = {false};
    redisReply *first = NULL;
    char *cmd = NULL;
    va_list ap;
    int len;

    va_start(ap, fmt);
    if (!c->cluster) {
        first = conn_vcommand(c, fmt, ap);
        va_end(ap);
        return first;
    }
    len = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);
    if (len < 0)
        return NULL;
    if (c->stale)
        conn_refresh(c);
    for (size_t s = 0; s < HC_REDIS_CLUSTER_SLOTS; s++) {
        if (c->slot[s] >= 0)
            master[c->slot[s]] = true;
    }
    for (size_t i = 0; i < c->nnodes; i++) {
        redisContext *ctx;
        redisReply *r = NULL;
        if (!master[i])
            continue;
        ctx = node_ctx(c, (int)i);
        if (ctx == NULL || redisAppendFormattedCommand(ctx, cmd, (size_t)len) != REDIS_OK ||
            redisGetReply(ctx, (void **)&r) != REDIS_OK) {
            if (ctx != NULL)
                conn_io_fail(c, (int)i, c->nodes[i].addr.host);
            c->failed = true;
            freeReplyObject(first);
            first = NULL;
            break;
        }
        if (first == NULL)
            first = r;
        else
            freeReplyObject(r);
    }
    redisFreeCommand(cmd);
    return first;
}

int hc_redis_conn_append(struct hc_redis_conn *c, const char *fmt, ...)
{
    va_list ap;
    char *cmd = NULL;
    int len;

    va_start(ap, fmt);
    if (!c->cluster) {
        int rc = redisvAppendCommand(c->single, fmt, ap);
        va_end(ap);
        return rc == REDIS_OK ? 0 : -1;
    }
    len = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);
    if (len < 0 || c->psent || c->ntail == HC_REDIS_CONN_MAX_PIPELINE) {
        redisFreeCommand(cmd);
        return -1;
    }
    struct conn_piped *e = &c->pipe[c->ntail++];
    e->cmd = cmd;
    e->len = (size_t)len;
    e->node = -1;
    e->has_key = formatted_slot(cmd, (size_t)len, &e->slot);
    return 0;
}

int hc_redis_conn_get_reply(struct hc_redis_conn *c, redisReply **out)
{
    struct conn_piped *e;
    redisReply *r = NULL;

    *out = NULL;
    if (!c->cluster) {
        if (redisGetReply(c->single, (void **)out) == REDIS_OK)
            return 0;
        c->failed = true;
        conn_set_err(c, "redis", c->single->errstr);
        return -1;
    }
    if (c->phead == c->ntail)
        return -1;
    if (!c->psent) {
        if (c->stale)
            conn_refresh(c);
        for (size_t i = c->phead; i < c->ntail; i++) {
            e = &c->pipe[i];
            int node = conn_route(c, e->has_key, e->slot);
            redisContext *ctx = node >= 0 ? node_ctx(c, node) : NULL;
            if (ctx != NULL && redisAppendFormattedCommand(ctx, e->cmd, e->len) == REDIS_OK)
                e->node = node;
        }
        c->psent = true;
    }
    e = &c->pipe[c->phead++];
    if (e->node >= 0) {
        redisContext *ctx = c->nodes[e->node].ctx;
        if (ctx == NULL || redisGetReply(ctx, (void **)&r) != REDIS_OK) {
            conn_io_fail(c, e->node, c->nodes[e->node].addr.host);
            r = NULL;
        } else if (r->type == REDIS_REPLY_ERROR &&
                   (err_is(r, "MOVED ") || err_is(r, "ASK ") || err_is(r, "TRYAGAIN") ||
                    err_is(r, "CLUSTERDOWN"))) {
            freeReplyObject(r);
            r = conn_exec(c, e->cmd, e->len, e->has_key, e->slot);
        }
    } else if (!c->failed) {
        r = conn_exec(c, e->cmd, e->len, e->has_key, e->slot);
    }
    redisFreeCommand(e->cmd);
    e->cmd = NULL;
    if (c->phead == c->ntail) {
        c->phead = c->ntail = 0;
        c->psent = false;
    }
    *out = r;
    return r != NULL ? 0 : -1;
}

void hc_redis_conn_set_retry(struct hc_redis_conn *c, int64_t budget_ns)
{
    c->retry_ns = budget_ns > 0 ? budget_ns : 0;
}

bool hc_redis_conn_failed(const struct hc_redis_conn *c)
{
    if (!c->cluster)
        return c->failed || c->single->err != 0;
    return c->failed;
}

const char *hc_redis_conn_errstr(const struct hc_redis_conn *c)
{
    return c->errstr;
}
