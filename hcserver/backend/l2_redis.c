/*
 * l2_redis.c: the L2 cache on Redis (backend/l2.h), shared by every hcserver instance that
 * names the same server.
 *
 * Two paths, because the two kinds of caller want different things.
 *
 * get runs on a critical-pool thread that already blocks on the store when it misses, so it
 * uses a blocking hiredis connection taken from a small stack of idle ones (one per thread
 * that is in a get at once, at most HC_SERVER_L2_MAX_CONNS): a GET is one round trip (~30 us
 * on loopback), with no hand-off to another thread and back, which would add two wake-ups to
 * every L2 hit. Every read and write on it has the timeout, and a connection that failed is
 * closed, not reused, so the next get reconnects (through the breaker: while it is open no
 * get touches the network, and the half-open trial is what finds Redis back).
 *
 * fill, set and del are queued (l2_common.c) for the backend's own thread, which runs an
 * hc_loop with two hc_redis clients: one for commands, pipelined (everything queued while the
 * loop was busy goes out in one write), and one subscribed to HC_L2_REDIS_CHANNEL. A write is
 * "DEL key; PUBLISH" before the store update and "SET key value PX ttl; PUBLISH" after it, on
 * the one command connection, so Redis applies them in that order and an instance that hears
 * the announcement and reloads finds the new value. A load's fill is "SET key value NX PX
 * ttl; DEL lock": NX, so a load that read the store before a write never overwrites the
 * writer's newer value.
 *
 * One load per key across instances: on a miss get sets the lock key (HC_L2_REDIS_LOCK_PREFIX
 * + id) with NX and a lease of HC_SERVER_L2_LOCK_LEASE_MS. The instance that gets it loads;
 * the others poll the key for the value (every HC_SERVER_L2_LOCK_POLL_NS, for at most
 * HC_SERVER_L2_LOCK_WAIT_NS) and then read the store themselves.
 *
 * Invalidation. An announcement's payload is "INSTANCE:ID", INSTANCE a random number of this
 * process, so an instance skips its own (its L1 was handled under the order's lock). Pub/sub
 * is at most once: when the subscriber returns to READY after having been READY, messages may
 * have been lost, and on_resync clears L1. So another instance's L1 serves an order changed
 * elsewhere for at most the announcement's delay while subscribed, and while not subscribed
 * at most until the subscription is back (when L1 is cleared) or the L1 TTL, whichever comes
 * first.
 *
 * On a Redis Cluster (redis-cluster://) the same steps run through the cluster clients of
 * hc/redis_cluster.h: the blocking connections route each GET and lock by its key's slot, the
 * command client sends each SET, DEL and lock release to its key's master (the order a write's
 * DEL and SET need is kept, since both are for the same key, so the same master), and the
 * announcement as a script that names the order's key, so it runs on that master after the SET
 * (a PUBLISH reaches every node of a cluster), and one subscriber per seed listens, of which
 * the first connected one counts: when it changes, messages may have been missed in between,
 * which is a resync as above. A GET whose master cannot be reached (killed, not yet replaced
 * by its replica) does not wait for the failover: it is a miss at once, the store answers,
 * and the breaker opens after a few.
 */
#include "backend/l2.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/l2_common.h"
#include "hc/cachekey.h"
#include "hc/core.h"
#include "hc/limits.h"
#include "hc/log.h"
#include "hc/loop.h"
#include "hc/redis.h"
#include "hc/redis_cluster.h"

#define HC_L2_REDIS_CHANNEL     "hc:inval"
#define HC_L2_REDIS_LOCK_PREFIX "hc:lock:order:"
#define L2_REDIS_BATCH          256
#define L2_REDIS_PUBLISH_LUA    "return redis.call('PUBLISH', ARGV[1], ARGV[2])"

struct l2_redis;

/* One subscriber of a cluster: messages count only from the active one (see on_message). */
struct l2_sub {
    struct l2_redis *r; /* the backend */
    unsigned i;         /* its index in subs */
    bool ready;         /* READY now (loop thread) */
};

struct l2_redis {
    struct l2_base b;              /* first: the struct l2 */
    char *url;                     /* as given */
    uint64_t instance;             /* this process's announcements */
    pthread_mutex_t conns_mu;      /* guards conns, nidle, nopen */
    struct hc_redis_conn **conns;  /* idle blocking connections, HC_SERVER_L2_MAX_CONNS */
    unsigned nidle;                /* in conns */
    unsigned nopen;                /* idle and in use */
    struct hc_loop *loop;          /* the backend thread's */
    pthread_t thread;              /* runs loop */
    struct hc_redis *cmd;          /* fills, sets, deletes, announcements (loop thread) */
    struct hc_redis_cluster *ccmd; /* the same on a Redis Cluster (loop thread) */
    struct hc_redis *sub;          /* the subscription (loop thread) */
    /* On a cluster, a subscriber per seed (PUBLISH reaches every node of a cluster), so that
     * the loss of one node leaves the channel heard; messages count from the first READY one. */
    struct hc_redis *csubs[HC_REDIS_CLUSTER_MAX_SEEDS];
    struct l2_sub csub_arg[HC_REDIS_CLUSTER_MAX_SEEDS];
    unsigned ncsubs;                    /* in csubs */
    int active;                         /* the subscriber whose messages count, -1 none */
    bool sub_was_ready;                 /* the subscriber has been READY before (loop thread) */
    bool sub_ready;                     /* the subscriber is READY now (loop thread) */
    struct l2_job jobs[L2_REDIS_BATCH]; /* the batch being sent (loop thread) */
};

/* ---- the blocking path: get ---- */

static int ctx_error(void)
{
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return -ETIMEDOUT;
    return -ECONNRESET;
}

static int conn_take(struct l2_redis *r, struct hc_redis_conn **out, char *err, size_t errlen)
{
    int rc;

    pthread_mutex_lock(&r->conns_mu);
    if (r->nidle > 0) {
        *out = r->conns[--r->nidle];
        pthread_mutex_unlock(&r->conns_mu);
        return 0;
    }
    if (r->nopen == HC_SERVER_L2_MAX_CONNS) {
        pthread_mutex_unlock(&r->conns_mu);
        return -EBUSY;
    }
    r->nopen++;
    pthread_mutex_unlock(&r->conns_mu);
    rc = hc_redis_conn_open(r->url, r->b.cfg.timeout_ns, out, err, errlen);
    /* A read that waited out a failover would hold a worker for the whole budget while the
     * store could answer: an unreachable master is a miss at once (and an error for the
     * breaker). */
    if (rc == 0)
        hc_redis_conn_set_retry(*out, 0);
    if (rc < 0) {
        pthread_mutex_lock(&r->conns_mu);
        r->nopen--;
        pthread_mutex_unlock(&r->conns_mu);
    }
    return rc;
}

/* Gives ctx back, or closes it when it failed (hiredis cannot reuse a failed context). */
static void conn_give(struct l2_redis *r, struct hc_redis_conn *ctx)
{
    pthread_mutex_lock(&r->conns_mu);
    if (!hc_redis_conn_failed(ctx)) {
        r->conns[r->nidle++] = ctx;
        ctx = NULL;
    } else {
        r->nopen--;
    }
    pthread_mutex_unlock(&r->conns_mu);
    if (ctx != NULL)
        hc_redis_conn_free(ctx);
}

/* GET key: 0 with *out, -ENODATA (negative entry), -ENOENT, or a failure. */
static int get_once(struct hc_redis_conn *ctx, const char *key, struct order *out)
{
    redisReply *rep = hc_redis_conn_command(ctx, "GET %s", key);
    int rc;

    if (rep == NULL)
        return ctx_error();
    if (rep->type == REDIS_REPLY_NIL)
        rc = -ENOENT;
    else if (rep->type != REDIS_REPLY_STRING)
        rc = HC_EPROTO;
    else if (rep->len == 0)
        rc = -ENODATA;
    else /* a value in another shape is a miss: the load replaces it */
        rc = order_parse_cached(rep->str, rep->len, out) == 0 ? 0 : -ENOENT;
    freeReplyObject(rep);
    return rc;
}

/* SET lock NX PX lease: 0 when taken, -EBUSY when another holds it, or a failure. */
static int lock_once(struct l2_redis *r, struct hc_redis_conn *ctx, uint64_t id)
{
    redisReply *rep = hc_redis_conn_command(
        ctx, "SET " HC_L2_REDIS_LOCK_PREFIX "%" PRIu64 " %" PRIx64 " NX PX %d", id, r->instance,
        HC_SERVER_L2_LOCK_LEASE_MS);
    int rc;

    if (rep == NULL)
        return ctx_error();
    if (rep->type == REDIS_REPLY_NIL)
        rc = -EBUSY;
    else if (rep->type == REDIS_REPLY_STATUS)
        rc = 0;
    else
        rc = HC_EPROTO;
    freeReplyObject(rep);
    return rc;
}

static int redis_get(struct l2 *c, uint64_t id, struct order *out)
{
    struct l2_redis *r = (struct l2_redis *)c;
    struct hc_redis_conn *ctx = NULL;
    char key[HC_CACHEKEY_MAX], err[256] = "";
    int rc;

    if (!l2_base_allow(&r->b)) {
        hc_metrics_counter_inc(r->b.misses);
        return -EHOSTUNREACH;
    }
    hc_cachekey_order_key(id, key, sizeof(key));
    rc = conn_take(r, &ctx, err, sizeof(err));
    if (rc == 0)
        rc = get_once(ctx, key, out);
    if (rc == -ENOENT) {
        int lk = lock_once(r, ctx, id);
        if (lk == -EBUSY) {
            /* Another instance is loading it: wait a little for its fill. */
            int64_t until = hc_now_ns() + HC_SERVER_L2_LOCK_WAIT_NS;
            struct timespec pause = {0, HC_SERVER_L2_LOCK_POLL_NS};
            do {
                nanosleep(&pause, NULL);
                rc = get_once(ctx, key, out);
            } while (rc == -ENOENT && hc_now_ns() < until);
        } else if (lk < 0) {
            rc = lk;
        }
    }
    if (ctx != NULL) {
        if (rc < 0 && rc != -ENOENT && rc != -ENODATA && hc_redis_conn_errstr(ctx)[0] != '\0')
            snprintf(err, sizeof(err), "%s", hc_redis_conn_errstr(ctx));
        conn_give(r, ctx);
    }
    l2_base_report(&r->b, rc == -ENOENT || rc == -ENODATA ? 0 : rc, err);
    hc_metrics_counter_inc(rc == 0 || rc == -ENODATA ? r->b.hits : r->b.misses);
    return rc;
}

/* ---- the queued path: fill, set, del on the backend's thread ---- */

static void cmd_cb(struct hc_redis *rc, const redisReply *reply, int err, void *arg)
{
    struct l2_redis *r = arg;

    HC_UNUSED(rc);
    if (err < 0 || reply == NULL || reply->type == REDIS_REPLY_ERROR)
        hc_metrics_counter_inc(r->b.write_errors);
}

/* A flush in flight: its PING's callback argument (flushes are rare: allocated). */
struct flush_req {
    struct l2_redis *r; /* the backend */
    uint64_t seq;       /* the flush's number */
};

static void flush_cb(struct hc_redis *rc, const redisReply *reply, int err, void *arg)
{
    struct flush_req *f = arg;

    HC_UNUSED(rc);
    HC_UNUSED(reply);
    HC_UNUSED(err);
    l2_base_flushed(&f->r->b, f->seq);
    free(f);
}

/* Sends a command on the command client, the cluster's when there is one. */
static int send_cmd(struct l2_redis *r, hc_redis_reply_cb *cb, void *arg, int argc,
                    const char **argv, const size_t *lens)
{
    if (r->ccmd != NULL)
        return hc_redis_cluster_command_argv(r->ccmd, cb, arg, argc, argv, lens);
    return hc_redis_command_argv(r->cmd, cb, arg, argc, argv, lens);
}

static void issue(struct l2_redis *r, int argc, const char **argv, const size_t *lens)
{
    if (send_cmd(r, cmd_cb, r, argc, argv, lens) < 0)
        hc_metrics_counter_inc(r->b.write_errors);
}

static void announce(struct l2_redis *r, uint64_t id)
{
    char msg[48];
    int n = snprintf(msg, sizeof(msg), "%" PRIx64 ":%" PRIu64, r->instance, id);
    const char *argv[] = {"PUBLISH", HC_L2_REDIS_CHANNEL, msg};
    size_t lens[] = {7, sizeof(HC_L2_REDIS_CHANNEL) - 1, (size_t)n};

    if (r->ccmd != NULL) {
        /* PUBLISH has no key, so a cluster would send it to any master, maybe ahead of the SET
         * it announces. A script that names the order's key runs on that key's master, after
         * the SET: the announcement keeps its order. */
        char key[HC_CACHEKEY_MAX];
        int klen = hc_cachekey_order_key(id, key, sizeof(key));
        const char *eargv[] = {"EVAL", L2_REDIS_PUBLISH_LUA, "1", key, HC_L2_REDIS_CHANNEL, msg};
        size_t elens[] = {4, sizeof(L2_REDIS_PUBLISH_LUA) - 1, 1, (size_t)klen, lens[1], lens[2]};
        issue(r, 6, eargv, elens);
        return;
    }
    issue(r, 3, argv, lens);
}

static void send_job(struct l2_redis *r, const struct l2_job *j)
{
    char key[HC_CACHEKEY_MAX], lock[64], val[ORDER_JSON_MAX], ttl[24];
    int klen = hc_cachekey_order_key(j->id, key, sizeof(key)), vlen = 0;

    switch (j->kind) {
    case L2_JOB_FILL:
    case L2_JOB_FILL_MISSING:
    case L2_JOB_SET: {
        bool nx = j->kind != L2_JOB_SET;
        const char *argv[6] = {"SET", key, val, "PX", ttl, "NX"};
        size_t lens[6] = {3, (size_t)klen, 0, 2, 0, 2};
        if (j->kind != L2_JOB_FILL_MISSING)
            vlen = order_format(&j->o, val, sizeof(val));
        if (vlen < 0)
            return;
        lens[2] = (size_t)vlen;
        lens[4] = (size_t)snprintf(ttl, sizeof(ttl), "%" PRId64,
                                   l2_base_ttl_ms(&r->b, j->kind == L2_JOB_FILL_MISSING));
        issue(r, nx ? 6 : 5, argv, lens);
        if (nx) {
            const char *dargv[] = {"DEL", lock};
            size_t dlens[] = {
                3, (size_t)snprintf(lock, sizeof(lock), HC_L2_REDIS_LOCK_PREFIX "%" PRIu64, j->id)};
            issue(r, 2, dargv, dlens);
        } else {
            announce(r, j->id);
        }
        break;
    }
    case L2_JOB_DEL: {
        const char *argv[] = {"DEL", key};
        size_t lens[] = {3, (size_t)klen};
        issue(r, 2, argv, lens);
        announce(r, j->id);
        break;
    }
    case L2_JOB_FLUSH: {
        /* PING answers after everything sent before it: then the flush is done. */
        struct flush_req *f = hc_xmalloc(sizeof(*f));
        f->r = r;
        f->seq = j->id;
        const char *ping[] = {"PING"};
        if (send_cmd(r, flush_cb, f, 1, ping, NULL) < 0) {
            l2_base_flushed(&r->b, j->id);
            free(f);
        }
        break;
    }
    }
}

/* Posted to the loop whenever the queue goes from idle to not: sends all there is. */
static void drain(void *arg)
{
    struct l2_redis *r = arg;
    size_t n;

    while ((n = l2_base_pop(&r->b, r->jobs, L2_REDIS_BATCH)) > 0) {
        for (size_t i = 0; i < n; i++)
            send_job(r, &r->jobs[i]);
    }
}

static void wake(struct l2_base *b)
{
    struct l2_redis *r = (struct l2_redis *)b;

    /* Only fails when HC_LOOP_MAX_POSTS posts wait; the queue stays non-idle then, so mark it
     * idle again and let the next push retry rather than strand the jobs. */
    if (hc_loop_post(r->loop, drain, r) < 0) {
        pthread_mutex_lock(&b->mu);
        b->idle = true;
        pthread_mutex_unlock(&b->mu);
    }
}

static void on_message(struct hc_redis *rc, const char *channel, size_t channel_len,
                       const char *msg, size_t msg_len, void *arg)
{
    struct l2_redis *r = arg;
    char text[48], *colon, *end;
    uint64_t inst, id;

    HC_UNUSED(channel);
    HC_UNUSED(channel_len);
    if (r->ncsubs > 0 && (r->active < 0 || r->csubs[r->active] != rc))
        return; /* the same message from another node of the cluster */
    if (msg_len == 0 || msg_len >= sizeof(text))
        return;
    memcpy(text, msg, msg_len);
    text[msg_len] = '\0';
    colon = strchr(text, ':');
    if (colon == NULL)
        return;
    *colon = '\0';
    inst = strtoull(text, &end, 16);
    if (*end != '\0' || inst == r->instance)
        return;
    id = strtoull(colon + 1, &end, 10);
    if (*end != '\0' || id == 0)
        return;
    if (r->b.cfg.on_inval != NULL)
        r->b.cfg.on_inval(r->b.cfg.arg, id);
    hc_metrics_counter_inc(r->b.invals);
}

/* The subscription is back (ready) or lost: L1 learns it may have missed announcements. */
static void sub_changed(struct l2_redis *r, enum hc_redis_state state, int err)
{
    if (state == HC_REDIS_READY) {
        if (r->sub_was_ready) {
            if (r->b.cfg.on_resync != NULL)
                r->b.cfg.on_resync(r->b.cfg.arg);
            hc_metrics_counter_inc(r->b.resyncs);
            HC_LOG_INFO("L2 redis: invalidations resumed; L1 cleared (some may have been missed)");
        }
        r->sub_was_ready = true;
        r->sub_ready = true;
    } else if (r->sub_ready) { /* once per loss, not once per failed reconnection */
        r->sub_ready = false;
        HC_LOG_WARN("L2 redis: invalidation channel lost (%s); other instances' changes reach "
                    "L1 once it is back",
                    hc_strerror(err));
    }
}

static void on_sub_state(struct hc_redis *rc, enum hc_redis_state state, int err, void *arg)
{
    HC_UNUSED(rc);
    sub_changed(arg, state, err);
}

/*
 * A cluster's subscriber changed state. The active subscriber is the first READY one; while
 * it stays, nothing was missed. When it changes, the messages between the old one's loss and
 * the new one's start may be lost, which is a resync, as for one Redis.
 */
static void on_csub_state(struct hc_redis *rc, enum hc_redis_state state, int err, void *arg)
{
    struct l2_sub *s = arg;
    struct l2_redis *r = s->r;
    int active = -1;

    HC_UNUSED(rc);
    s->ready = state == HC_REDIS_READY;
    for (unsigned i = 0; i < r->ncsubs && active < 0; i++) {
        if (r->csub_arg[i].ready)
            active = (int)i;
    }
    if (active == r->active)
        return;
    if (r->active >= 0 && active >= 0)
        sub_changed(r, HC_REDIS_DOWN, err);
    r->active = active;
    sub_changed(r, active >= 0 ? HC_REDIS_READY : HC_REDIS_DOWN, err);
}

static void *loop_main(void *arg)
{
    struct l2_redis *r = arg;

    hc_loop_hold(r->loop);
    hc_loop_run(r->loop);
    return NULL;
}

static void stop_loop(void *arg)
{
    struct l2_redis *r = arg;

    drain(r);
    hc_redis_free(r->cmd);
    hc_redis_cluster_free(r->ccmd);
    hc_redis_free(r->sub);
    for (unsigned i = 0; i < r->ncsubs; i++)
        hc_redis_free(r->csubs[i]);
    r->cmd = NULL;
    r->ccmd = NULL;
    r->sub = NULL;
    r->ncsubs = 0;
    hc_loop_release(r->loop);
    hc_loop_stop(r->loop);
}

static int redis_flush(struct l2 *c)
{
    return l2_base_flush((struct l2_base *)c, wake);
}

static void redis_fill(struct l2 *c, uint64_t id, const struct order *o)
{
    l2_base_fill((struct l2_base *)c, id, o, wake);
}

static void redis_set(struct l2 *c, const struct order *o)
{
    l2_base_set((struct l2_base *)c, o, wake);
}

static void redis_del(struct l2 *c, uint64_t id)
{
    l2_base_del((struct l2_base *)c, id, wake);
}

static void redis_close(struct l2 *c)
{
    struct l2_redis *r = (struct l2_redis *)c;

    if (r->loop != NULL) {
        redis_flush(c);
        while (hc_loop_post(r->loop, stop_loop, r) < 0) {
            struct timespec pause = {0, 1000 * 1000};
            nanosleep(&pause, NULL);
        }
        pthread_join(r->thread, NULL);
        hc_loop_free(r->loop);
    }
    for (unsigned i = 0; i < r->nidle; i++)
        hc_redis_conn_free(r->conns[i]);
    free(r->conns);
    pthread_mutex_destroy(&r->conns_mu);
    free(r->url);
    l2_base_destroy(&r->b);
    free(r);
}

static const struct l2_ops redis_ops = {
    .name = "redis",
    .get = redis_get,
    .fill = redis_fill,
    .set = redis_set,
    .del = redis_del,
    .flush = redis_flush,
    .close = redis_close,
};

int l2_redis_open(const char *url, const struct l2_config *cfg, struct l2 **out, char *err,
                  size_t errlen)
{
    struct l2_redis *r = hc_xcalloc(1, sizeof(*r));
    struct hc_redis_addr addr;
    struct hc_redis_cluster_addr caddr = {0};
    struct hc_redis_config rc_cfg = {.url = url};
    bool cluster = hc_redis_url_is_cluster(url);
    int rc;

    *out = NULL;
    if (cluster) {
        rc = hc_redis_cluster_url_parse(url, &caddr, err, errlen);
    } else {
        rc = hc_redis_url_parse(url, &addr, err, errlen);
        hc_redis_addr_destroy(&addr);
    }
    if (rc < 0) {
        free(r);
        return rc;
    }
    rc = l2_base_init(&r->b, "redis", cfg);
    if (rc < 0) {
        snprintf(err, errlen, "metrics: %s", hc_strerror(rc));
        free(r);
        return rc;
    }
    r->b.l2.ops = &redis_ops;
    r->url = hc_xstrdup(url);
    r->instance = ((uint64_t)hc_now_ns() * 0x9E3779B97F4A7C15ULL) ^ (uint64_t)getpid();
    pthread_mutex_init(&r->conns_mu, NULL);
    r->conns = hc_xcalloc(HC_SERVER_L2_MAX_CONNS, sizeof(*r->conns));
    rc = hc_loop_new(&r->loop);
    rc_cfg.connect_timeout_ns = r->b.cfg.timeout_ns * 4;
    rc_cfg.command_timeout_ns = r->b.cfg.timeout_ns * 4;
    rc_cfg.backoff_max_ns = HC_NSEC_PER_SEC;
    r->active = -1;
    if (rc == 0 && cluster)
        rc = hc_redis_cluster_new(r->loop, &rc_cfg, NULL, NULL, &r->ccmd);
    else if (rc == 0)
        rc = hc_redis_new(r->loop, &rc_cfg, &r->cmd);
    rc_cfg.on_state = on_sub_state;
    rc_cfg.state_arg = r;
    if (rc == 0 && !cluster)
        rc = hc_redis_new(r->loop, &rc_cfg, &r->sub);
    if (rc == 0 && !cluster)
        rc = hc_redis_subscribe(r->sub, HC_L2_REDIS_CHANNEL, sizeof(HC_L2_REDIS_CHANNEL) - 1,
                                on_message, r);
    for (size_t i = 0; rc == 0 && i < caddr.nseeds; i++) {
        char node_url[HC_REDIS_MAX_URL_BYTES];
        struct l2_sub *s = &r->csub_arg[i];
        s->r = r;
        s->i = (unsigned)i;
        rc = hc_redis_node_url(&caddr, &caddr.seeds[i], node_url, sizeof(node_url));
        rc_cfg.url = node_url;
        rc_cfg.on_state = on_csub_state;
        rc_cfg.state_arg = s;
        if (rc == 0)
            rc = hc_redis_new(r->loop, &rc_cfg, &r->csubs[i]);
        if (rc == 0) {
            r->ncsubs++;
            rc = hc_redis_subscribe(r->csubs[i], HC_L2_REDIS_CHANNEL,
                                    sizeof(HC_L2_REDIS_CHANNEL) - 1, on_message, r);
        }
    }
    hc_redis_cluster_addr_destroy(&caddr);
    if (rc == 0 && pthread_create(&r->thread, NULL, loop_main, r) != 0)
        rc = -EAGAIN;
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", url, hc_strerror(rc));
        hc_redis_free(r->cmd);
        hc_redis_cluster_free(r->ccmd);
        hc_redis_free(r->sub);
        for (unsigned i = 0; i < r->ncsubs; i++)
            hc_redis_free(r->csubs[i]);
        hc_loop_free(r->loop);
        r->loop = NULL;
        redis_close(&r->b.l2);
        return rc;
    }
    *out = &r->b.l2;
    return 0;
}
