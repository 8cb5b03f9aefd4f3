/*
 * l2_memcached.c: the L2 cache on Memcached (backend/l2.h), through libmemcached, with the
 * same keys and values as the Redis one (hc/cachekey.h), so hcwarm preloads either.
 *
 * The shape is l2_redis.c's: get on the pool thread that asks, through a stack of idle
 * memcached_st handles (one per thread in a get at once; libmemcached's handles are not
 * shared between threads), with connect, poll, send and receive timeouts; fill, set and del
 * queued (l2_common.c) for the backend's thread, so the shard committer never waits on the
 * cache. That thread has a handle of its own and applies jobs in order. A fill is an add
 * (stored only when absent), so a load never overwrites a writer's newer set, then a delete
 * of the load lock; the load lock itself is an add of HC_L2_MC_LOCK_PREFIX + id with
 * Memcached's shortest expiry (1 s: its TTLs count whole seconds, so every TTL here is rounded
 * up to one).
 *
 * Text protocol (libmemcached's default), not binary: a get here is one small request and
 * one reply of ~200 bytes either way, one round trip; the two have not been measured against
 * each other in this release.
 *
 * Staleness. Memcached has no pub/sub: another instance's L1 copy of a changed order is not
 * told, and lives until its L1 TTL (--cache-ttl plus up to --cache-jitter). The L2 entry
 * itself is deleted before the store update and replaced after it, as with Redis.
 *
 * Faults. A handle whose call failed is closed rather than reused (the next get reconnects);
 * libmemcached's own dead-server retry is set to 1 s, below the breaker's cooldown, so once
 * the breaker half-opens the trial reaches the server.
 */
#include "backend/l2.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmemcached/memcached.h>

#include "backend/l2_common.h"
#include "hc/cachekey.h"
#include "hc/core.h"
#include "hc/limits.h"

#define HC_L2_MC_LOCK_PREFIX "hc:lock:order:"
#define L2_MC_BATCH          256

struct l2_memcached {
    struct l2_base b;                /* first: the struct l2 */
    memcached_st *master;            /* configured, never used for calls: cloned */
    pthread_mutex_t conns_mu;        /* guards conns, nidle, nopen */
    memcached_st **conns;            /* idle handles, HC_SERVER_L2_MAX_CONNS */
    unsigned nidle;                  /* in conns */
    unsigned nopen;                  /* idle and in use */
    pthread_t thread;                /* applies the queue */
    bool started;                    /* thread runs */
    memcached_st *writer;            /* the thread's handle */
    struct l2_job jobs[L2_MC_BATCH]; /* the batch being applied (thread) */
};

static int mc_error(memcached_return_t rc)
{
    switch (rc) {
    case MEMCACHED_TIMEOUT:
        return -ETIMEDOUT;
    case MEMCACHED_CONNECTION_FAILURE:
    case MEMCACHED_CONNECTION_SOCKET_CREATE_FAILURE:
    case MEMCACHED_SERVER_MARKED_DEAD:
    case MEMCACHED_SERVER_TEMPORARILY_DISABLED:
    case MEMCACHED_NO_SERVERS:
        return -ECONNREFUSED;
    case MEMCACHED_ERRNO:
    case MEMCACHED_READ_FAILURE:
    case MEMCACHED_WRITE_FAILURE:
    case MEMCACHED_UNKNOWN_READ_FAILURE:
        return -ECONNRESET;
    default:
        return -EIO;
    }
}

static memcached_st *conn_take(struct l2_memcached *m)
{
    memcached_st *h = NULL;

    pthread_mutex_lock(&m->conns_mu);
    if (m->nidle > 0) {
        h = m->conns[--m->nidle];
    } else if (m->nopen < HC_SERVER_L2_MAX_CONNS) {
        m->nopen++;
        h = memcached_clone(NULL, m->master);
        if (h == NULL)
            m->nopen--;
    }
    pthread_mutex_unlock(&m->conns_mu);
    return h;
}

static void conn_give(struct l2_memcached *m, memcached_st *h, bool ok)
{
    pthread_mutex_lock(&m->conns_mu);
    if (ok) {
        m->conns[m->nidle++] = h;
        h = NULL;
    } else {
        m->nopen--;
    }
    pthread_mutex_unlock(&m->conns_mu);
    if (h != NULL)
        memcached_free(h);
}

/* 0 with *out, -ENODATA, -ENOENT, or a failure. */
static int get_once(memcached_st *h, const char *key, size_t klen, struct order *out)
{
    size_t vlen = 0;
    uint32_t flags = 0;
    memcached_return_t mrc;
    char *v = memcached_get(h, key, klen, &vlen, &flags, &mrc);
    int rc;

    if (v == NULL && mrc == MEMCACHED_SUCCESS)
        return -ENODATA; /* libmemcached gives an empty value as NULL */
    if (v == NULL)
        return mrc == MEMCACHED_NOTFOUND ? -ENOENT : mc_error(mrc);
    if (vlen == 0)
        rc = -ENODATA;
    else
        rc = order_parse_cached(v, vlen, out) == 0 ? 0 : -ENOENT;
    free(v);
    return rc;
}

static int mc_get(struct l2 *c, uint64_t id, struct order *out)
{
    struct l2_memcached *m = (struct l2_memcached *)c;
    char key[HC_CACHEKEY_MAX], lock[64];
    memcached_st *h;
    int klen, rc;
    const char *detail = "";

    if (!l2_base_allow(&m->b)) {
        hc_metrics_counter_inc(m->b.misses);
        return -EHOSTUNREACH;
    }
    h = conn_take(m);
    if (h == NULL) {
        hc_metrics_counter_inc(m->b.misses);
        return -EBUSY;
    }
    klen = hc_cachekey_order_key(id, key, sizeof(key));
    rc = get_once(h, key, (size_t)klen, out);
    if (rc == -ENOENT) {
        int llen = snprintf(lock, sizeof(lock), HC_L2_MC_LOCK_PREFIX "%" PRIu64, id);
        memcached_return_t mrc = memcached_add(h, lock, (size_t)llen, "1", 1, 1, 0);
        if (mrc == MEMCACHED_NOTSTORED || mrc == MEMCACHED_DATA_EXISTS) {
            int64_t until = hc_now_ns() + HC_SERVER_L2_LOCK_WAIT_NS;
            struct timespec pause = {0, HC_SERVER_L2_LOCK_POLL_NS};
            do {
                nanosleep(&pause, NULL);
                rc = get_once(h, key, (size_t)klen, out);
            } while (rc == -ENOENT && hc_now_ns() < until);
        } else if (mrc != MEMCACHED_SUCCESS) {
            rc = mc_error(mrc);
        }
    }
    if (rc < 0 && rc != -ENOENT && rc != -ENODATA)
        detail = memcached_last_error_message(h);
    l2_base_report(&m->b, rc == -ENOENT || rc == -ENODATA ? 0 : rc, detail);
    conn_give(m, h, rc == 0 || rc == -ENOENT || rc == -ENODATA);
    hc_metrics_counter_inc(rc == 0 || rc == -ENODATA ? m->b.hits : m->b.misses);
    return rc;
}

/* Memcached counts expiry in whole seconds: round up. */
static time_t ttl_s(const struct l2_base *b, bool negative)
{
    return (time_t)((l2_base_ttl_ms(b, negative) + 999) / 1000);
}

static void apply(struct l2_memcached *m, const struct l2_job *j)
{
    char key[HC_CACHEKEY_MAX], lock[64], val[ORDER_JSON_MAX];
    int klen = hc_cachekey_order_key(j->id, key, sizeof(key)), vlen = 0;
    memcached_return_t mrc = MEMCACHED_SUCCESS;

    switch (j->kind) {
    case L2_JOB_FILL:
    case L2_JOB_FILL_MISSING: {
        int llen;
        if (j->kind == L2_JOB_FILL)
            vlen = order_format(&j->o, val, sizeof(val));
        if (vlen < 0)
            return;
        mrc = memcached_add(m->writer, key, (size_t)klen, val, (size_t)vlen,
                            ttl_s(&m->b, j->kind == L2_JOB_FILL_MISSING), 0);
        if (mrc == MEMCACHED_NOTSTORED || mrc == MEMCACHED_DATA_EXISTS)
            mrc = MEMCACHED_SUCCESS; /* a writer's value was there: it wins */
        llen = snprintf(lock, sizeof(lock), HC_L2_MC_LOCK_PREFIX "%" PRIu64, j->id);
        memcached_delete(m->writer, lock, (size_t)llen, 0);
        break;
    }
    case L2_JOB_SET:
        vlen = order_format(&j->o, val, sizeof(val));
        if (vlen < 0)
            return;
        mrc =
            memcached_set(m->writer, key, (size_t)klen, val, (size_t)vlen, ttl_s(&m->b, false), 0);
        break;
    case L2_JOB_DEL:
        mrc = memcached_delete(m->writer, key, (size_t)klen, 0);
        if (mrc == MEMCACHED_NOTFOUND)
            mrc = MEMCACHED_SUCCESS;
        break;
    case L2_JOB_FLUSH:
        l2_base_flushed(&m->b, j->id);
        break;
    }
    if (mrc != MEMCACHED_SUCCESS)
        hc_metrics_counter_inc(m->b.write_errors);
}

static void *writer_main(void *arg)
{
    struct l2_memcached *m = arg;

    for (;;) {
        size_t n = l2_base_pop(&m->b, m->jobs, L2_MC_BATCH);
        if (n == 0) {
            bool stop;
            pthread_mutex_lock(&m->b.mu);
            while (m->b.n == 0 && !m->b.stopping)
                pthread_cond_wait(&m->b.cv, &m->b.mu);
            stop = m->b.n == 0 && m->b.stopping;
            pthread_mutex_unlock(&m->b.mu);
            if (stop)
                return NULL;
            continue;
        }
        for (size_t i = 0; i < n; i++)
            apply(m, &m->jobs[i]);
    }
}

static void wake(struct l2_base *b)
{
    pthread_mutex_lock(&b->mu);
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

static int mc_flush(struct l2 *c)
{
    return l2_base_flush((struct l2_base *)c, wake);
}

static void mc_fill(struct l2 *c, uint64_t id, const struct order *o)
{
    l2_base_fill((struct l2_base *)c, id, o, wake);
}

static void mc_set(struct l2 *c, const struct order *o)
{
    l2_base_set((struct l2_base *)c, o, wake);
}

static void mc_del(struct l2 *c, uint64_t id)
{
    l2_base_del((struct l2_base *)c, id, wake);
}

static void mc_close(struct l2 *c)
{
    struct l2_memcached *m = (struct l2_memcached *)c;

    if (m->started) {
        pthread_mutex_lock(&m->b.mu);
        m->b.stopping = true;
        pthread_cond_broadcast(&m->b.cv);
        pthread_mutex_unlock(&m->b.mu);
        pthread_join(m->thread, NULL);
    }
    for (unsigned i = 0; i < m->nidle; i++)
        memcached_free(m->conns[i]);
    memcached_free(m->writer);
    memcached_free(m->master);
    free(m->conns);
    pthread_mutex_destroy(&m->conns_mu);
    l2_base_destroy(&m->b);
    free(m);
}

static const struct l2_ops mc_ops = {
    .name = "memcached",
    .get = mc_get,
    .fill = mc_fill,
    .set = mc_set,
    .del = mc_del,
    .flush = mc_flush,
    .close = mc_close,
};

int l2_memcached_open(const char *host, uint16_t port, const struct l2_config *cfg, struct l2 **out,
                      char *err, size_t errlen)
{
    struct l2_memcached *m = hc_xcalloc(1, sizeof(*m));
    uint64_t ms;
    int rc;

    *out = NULL;
    rc = l2_base_init(&m->b, "memcached", cfg);
    if (rc < 0) {
        snprintf(err, errlen, "metrics: %s", hc_strerror(rc));
        free(m);
        return rc;
    }
    m->b.l2.ops = &mc_ops;
    pthread_mutex_init(&m->conns_mu, NULL);
    m->conns = hc_xcalloc(HC_SERVER_L2_MAX_CONNS, sizeof(*m->conns));
    m->master = memcached_create(NULL);
    if (m->master == NULL)
        hc_panic("memcached_create failed");
    ms = (uint64_t)(m->b.cfg.timeout_ns / HC_NSEC_PER_MSEC);
    if (ms == 0)
        ms = 1;
    memcached_behavior_set(m->master, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, ms);
    memcached_behavior_set(m->master, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, ms);
    memcached_behavior_set(m->master, MEMCACHED_BEHAVIOR_SND_TIMEOUT, ms * 1000);
    memcached_behavior_set(m->master, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, ms * 1000);
    memcached_behavior_set(m->master, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
    memcached_behavior_set(m->master, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, 1);
    if (memcached_server_add(m->master, host, (in_port_t)port) != MEMCACHED_SUCCESS) {
        snprintf(err, errlen, "memcached://%s:%u: %s", host, port,
                 memcached_last_error_message(m->master));
        mc_close(&m->b.l2);
        return -EINVAL;
    }
    m->writer = memcached_clone(NULL, m->master);
    if (m->writer == NULL)
        hc_panic("memcached_clone failed");
    if (pthread_create(&m->thread, NULL, writer_main, m) != 0) {
        snprintf(err, errlen, "memcached: no thread");
        mc_close(&m->b.l2);
        return -EAGAIN;
    }
    m->started = true;
    *out = &m->b.l2;
    return 0;
}
