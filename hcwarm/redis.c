/*
 * redis.c: `hcwarm redis`, the preload into Redis on hc_redis's asynchronous client.
 *
 * Pipelining. Items go out in batches of --batch keys (fewer under --max-rate: the bucket's
 * burst), and up to REDIS_WINDOW batches are in flight at once, so Redis always has the next
 * batch queued while it answers one: the socket never idles for a round trip, which is what
 * lets a preload keep up with `redis-cli --pipe`. Redis answers in order and hc_redis calls
 * back in order, so batches complete in order and the checkpoint moves batch by batch.
 *
 * What is counted. A key is warmed when its SET got +OK (or, with --only-missing, present when
 * SET NX got nil); a RESP command when it got any reply but an error. An error reply is a
 * failed key, reported with its file and line; an OOM error also stops the run, since every
 * key after it would fail the same way. A lost connection stops the run: the keys in flight
 * are failed (their fate is unknown) and the checkpoint stays before them.
 *
 * Memory cap. With --max-memory an INFO memory goes out behind each batch, and the next batch
 * waits for its answer; while used_memory is above the cap no batch is sent and INFO is
 * polled every 100 ms; after --memory-wait above it the run stops. So Redis goes over the cap
 * by at most the one batch sent before the measurement that saw it crossed, and the window
 * of batches in flight shrinks to one (the price of a cap that holds).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "hc/loop.h"
#include "hc/redis.h"
#include "hc/redis_cluster.h"
#include "hc/units.h"
#include "hcwarm.h"
#include "preload.h"

/* Batches in flight at once. */
#define REDIS_WINDOW 4
/* How often the progress line and Ctrl-C are looked at, and INFO is polled while paused. */
#define REDIS_TICK_NS (100 * HC_NSEC_PER_MSEC)

struct redis_warm;

struct redis_batch {
    size_t n;                 /* commands sent */
    size_t answered;          /* callbacks run */
    uint64_t done;            /* warmed or present */
    uint64_t malformed;       /* malformed items among it */
    bool failed;              /* a key failed */
    struct source_pos end;    /* the source position behind it */
    struct redis_slot *slots; /* one per command */
};

/* What a command's callback needs: its batch and where its key came from. */
struct redis_slot {
    struct redis_warm *w;
    struct redis_batch *b;
    uint64_t line; /* the source line, or 0 */
    uint64_t item; /* the item's number in the source (1-based) */
};

struct redis_warm {
    struct preload *p;
    const struct config *cfg;
    struct hc_loop *loop;
    struct hc_redis *r;          /* one Redis, or NULL */
    struct hc_redis_cluster *rc; /* a Redis Cluster (redis-cluster://), or NULL */
    struct redis_batch ring[REDIS_WINDOW];
    size_t head;                     /* the oldest batch in flight */
    size_t count;                    /* batches in flight */
    struct hc_loop_timer pump_timer; /* the rate cap's wait */
    struct hc_loop_timer tick_timer; /* progress, Ctrl-C, paused INFO polls */
    bool pumping;                    /* inside redis_pump (no re-entry) */
    bool done;                       /* the loop has been stopped */
    /* memory cap */
    bool info_out;        /* an INFO memory is in flight */
    bool paused;          /* used memory is above the cap */
    int64_t paused_since; /* when the pause began */
    uint64_t used;        /* used_memory from the last INFO */
    uint64_t cap;         /* the cap it was compared against */
};

static void redis_pump(struct redis_warm *w);

static void redis_maybe_finish(struct redis_warm *w)
{
    if (w->count == 0 && !w->info_out && (w->p->eof || w->p->stop) && !w->done) {
        w->done = true;
        hc_loop_stop(w->loop);
    }
}

/* Retires the oldest batches that are wholly answered, in order. */
static void redis_retire(struct redis_warm *w)
{
    while (w->count > 0) {
        struct redis_batch *b = &w->ring[w->head];
        if (b->answered < b->n)
            break;
        preload_batch_done(w->p, &b->end, b->done, b->malformed, b->failed);
        w->head = (w->head + 1) % REDIS_WINDOW;
        w->count--;
    }
}

/* Sends a command through the client there is: the cluster routes it by its key. */
static int redis_send(struct redis_warm *w, hc_redis_reply_cb *cb, void *arg, int argc,
                      const char *const *argv, const size_t *len)
{
    if (w->rc != NULL)
        return hc_redis_cluster_command_argv(w->rc, cb, arg, argc, argv, len);
    return hc_redis_command_argv(w->r, cb, arg, argc, argv, len);
}

/* The client's last failure in words, or NULL (a cluster reports per command only). */
static const char *redis_last_error(const struct redis_warm *w)
{
    const char *msg = NULL;

    if (w->r != NULL)
        hc_redis_last_error(w->r, &msg);
    return msg;
}

static const char *redis_where(const struct redis_slot *s, char *buf, size_t len)
{
    if (s->line > 0)
        snprintf(buf, len, "%s:%llu", s->w->cfg->file, (unsigned long long)s->line);
    else
        snprintf(buf, len, "%s item %llu", s->w->p->src->name, (unsigned long long)s->item);
    return buf;
}

static void redis_on_reply(struct hc_redis *r, const redisReply *reply, int err, void *arg)
{
    HC_UNUSED(r);
    struct redis_slot *s = arg;
    struct redis_warm *w = s->w;
    struct redis_batch *b = s->b;
    struct tally *t = &w->p->t;
    char where[1100];
    if (err != 0) {
        t->failed++;
        b->failed = true;
        const char *msg = redis_last_error(w);
        if (err == -ETIMEDOUT)
            preload_stop(w->p, "Redis did not answer within --timeout (%s)",
                         redis_where(s, where, sizeof(where)));
        else if (err != -ECANCELED)
            preload_stop(w->p, "lost the connection to Redis at %s: %s", w->cfg->target,
                         msg != NULL ? msg : hc_strerror(err));
    } else if (reply->type == REDIS_REPLY_ERROR) {
        t->failed++;
        b->failed = true;
        /* After a stop the keys still in flight fail the same way: counted, not repeated. */
        if (!w->p->stop)
            report_error(&w->p->rep, "%s: Redis refused the key: %.*s",
                         redis_where(s, where, sizeof(where)), (int)HC_MIN(reply->len, 300),
                         reply->str);
        if (reply->len >= 3 && memcmp(reply->str, "OOM", 3) == 0)
            preload_stop(w->p, "Redis is out of memory (maxmemory reached): %.*s",
                         (int)HC_MIN(reply->len, 300), reply->str);
    } else if (reply->type == REDIS_REPLY_NIL && w->cfg->only_missing) {
        t->present++;
        b->done++;
    } else {
        t->warmed++;
        b->done++;
    }
    b->answered++;
    redis_retire(w);
    redis_pump(w);
    redis_maybe_finish(w);
}

/* "name:value\r\n" in INFO's text: the value as a number, or false. */
static bool redis_info_field(const char *text, const char *name, uint64_t *out)
{
    size_t n = strlen(name);
    for (const char *p = text; p != NULL && *p != '\0';) {
        if (strncmp(p, name, n) == 0 && p[n] == ':') {
            uint64_t v = 0;
            const char *q = p + n + 1;
            if (*q < '0' || *q > '9')
                return false;
            while (*q >= '0' && *q <= '9')
                v = v * 10 + (uint64_t)(*q++ - '0');
            *out = v;
            return true;
        }
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return false;
}

static void redis_on_info(struct hc_redis *r, const redisReply *reply, int err, void *arg)
{
    HC_UNUSED(r);
    struct redis_warm *w = arg;
    w->info_out = false;
    if (err != 0 || reply->type != REDIS_REPLY_STRING) {
        if (err == 0)
            preload_stop(w->p, "INFO memory failed: %.*s", (int)HC_MIN(reply->len, 300),
                         reply->str != NULL ? reply->str : "not a text reply");
        redis_maybe_finish(w);
        return; /* a lost connection is reported by the keys' callbacks */
    }
    uint64_t used = 0, max = 0;
    if (!redis_info_field(reply->str, "used_memory", &used)) {
        preload_stop(w->p, "INFO memory has no used_memory field");
        redis_maybe_finish(w);
        return;
    }
    (void)redis_info_field(reply->str, "maxmemory", &max);
    uint64_t cap = w->cfg->mem_bytes;
    if (cap == 0) {
        if (max == 0) {
            preload_stop(w->p,
                         "--max-memory %.0f%%: Redis has no maxmemory set; give the cap "
                         "as a size (--max-memory 512MiB)",
                         w->cfg->mem_fraction * 100);
            redis_maybe_finish(w);
            return;
        }
        cap = (uint64_t)((double)max * w->cfg->mem_fraction);
    }
    w->used = used;
    w->cap = cap;
    int64_t now = hc_loop_now(w->loop);
    char u[HC_UNITS_FMT_MAX], c[HC_UNITS_FMT_MAX];
    hc_units_format_size(used, u, sizeof(u));
    hc_units_format_size(cap, c, sizeof(c));
    if (used > cap) {
        if (!w->paused) {
            w->paused = true;
            w->paused_since = now;
            report_note(&w->p->rep, "pausing: Redis uses %s, above the cap of %s", u, c);
        } else if (now - w->paused_since > w->cfg->memory_wait_ns) {
            char d[HC_UNITS_FMT_MAX];
            hc_units_format_duration(w->cfg->memory_wait_ns, d, sizeof(d));
            preload_stop(w->p,
                         "Redis's used memory (%s) stayed above the cap of %s for %s "
                         "(--memory-wait)",
                         u, c, d);
        }
    } else if (w->paused) {
        w->paused = false;
        report_note(&w->p->rep, "resuming: Redis uses %s, below the cap of %s", u, c);
    }
    redis_pump(w);
    redis_maybe_finish(w);
}

static void redis_send_info(struct redis_warm *w)
{
    if (!w->cfg->mem_cap || w->info_out || w->p->stop)
        return;
    const char *argv[] = {"INFO", "memory"};
    if (redis_send(w, redis_on_info, w, 2, argv, NULL) == 0)
        w->info_out = true;
}

/* Builds and sends one key's SET. 0 or hc_redis's error. */
static int redis_send_item(struct redis_warm *w, const struct input_item *it, struct redis_slot *s)
{
    if (it->argc > 0)
        return redis_send(w, redis_on_reply, s, it->argc, (const char *const *)it->argv,
                          it->argvlen);
    const char *argv[6];
    size_t len[6];
    int argc = 0;
    char px[HC_DEC_MAX];
    argv[argc] = "SET";
    len[argc++] = 3;
    argv[argc] = it->key;
    len[argc++] = it->key_len;
    argv[argc] = it->value;
    len[argc++] = it->value_len;
    int64_t ms = ttl_pick_ms(&w->p->ttl, it->has_ttl ? it->ttl_ns : 0);
    if (ms > 0) {
        argv[argc] = "PX";
        len[argc++] = 2;
        char *d = hc_dec_i64(px, ms);
        argv[argc] = d;
        len[argc++] = (size_t)(px + sizeof(px) - d);
    }
    if (w->cfg->only_missing) {
        argv[argc] = "NX";
        len[argc++] = 2;
    }
    return redis_send(w, redis_on_reply, s, argc, argv, len);
}

/* Reads and sends one batch of up to want items into the next ring slot. */
static void redis_send_batch(struct redis_warm *w, size_t want)
{
    struct preload *p = w->p;
    struct redis_batch *b = &w->ring[(w->head + w->count) % REDIS_WINDOW];
    uint64_t malformed0 = p->t.malformed;
    b->n = 0;
    b->answered = 0;
    b->done = 0;
    b->failed = false;
    w->count++;
    while (b->n < want && !p->stop) {
        struct input_item it;
        int rc = preload_next(p, &it);
        if (rc != SOURCE_ITEM)
            break;
        struct redis_slot *s = &b->slots[b->n];
        s->w = w;
        s->b = b;
        s->line = p->src->item_line;
        s->item = p->src->pos.items;
        rc = redis_send_item(w, &it, s);
        if (rc != 0) {
            p->t.failed++;
            b->failed = true;
            const char *msg = redis_last_error(w);
            char where[1100];
            if (rc == -ENOTSUP || rc == -EINVAL) {
                report_error(&p->rep,
                             "%s: this command cannot be passed through (hcwarm "
                             "refuses SELECT, AUTH, pub/sub and the like)",
                             redis_where(s, where, sizeof(where)));
                continue;
            }
            preload_stop(p, "cannot send to Redis at %s: %s", w->cfg->target,
                         rc == -ENOTCONN && msg != NULL ? msg : hc_strerror(rc));
            break;
        }
        p->t.sent++;
        b->n++;
    }
    b->end = p->src->pos;
    b->malformed = p->t.malformed - malformed0;
    redis_send_info(w);
    redis_retire(w);
}

static void redis_on_pump_timer(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(loop);
    HC_UNUSED(t);
    struct redis_warm *w = data;
    redis_pump(w);
    redis_maybe_finish(w);
}

/* Sends batches while the window, the rate cap and the memory cap allow. */
static void redis_pump(struct redis_warm *w)
{
    struct preload *p = w->p;
    if (w->pumping)
        return;
    w->pumping = true;
    while (w->count < REDIS_WINDOW && !p->eof && !p->stop && !w->paused &&
           !hc_loop_timer_active(&w->pump_timer)) {
        /* Under a memory cap the next batch waits for the INFO sent behind the last one. */
        if (w->cfg->mem_cap && w->info_out)
            break;
        size_t want = p->chunk;
        if (w->cfg->max_rate > 0) {
            int64_t now = hc_now_ns();
            int64_t wait = bucket_wait_ns(&p->bucket, now, want);
            if (wait > 0) {
                (void)hc_loop_timer_start(w->loop, &w->pump_timer, wait, redis_on_pump_timer, w);
                break;
            }
            want = bucket_take(&p->bucket, now, want);
        }
        redis_send_batch(w, want);
    }
    w->pumping = false;
}

static void redis_on_tick(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(t);
    struct redis_warm *w = data;
    preload_tick(w->p, hc_now_ns());
    if (w->paused && w->r != NULL && hc_redis_state(w->r) == HC_REDIS_DOWN) {
        const char *msg = redis_last_error(w);
        preload_stop(w->p, "lost the connection to Redis at %s while paused: %s", w->cfg->target,
                     msg != NULL ? msg : "down");
    }
    if (w->paused)
        redis_send_info(w);
    redis_pump(w);
    redis_maybe_finish(w);
    if (!w->done)
        (void)hc_loop_timer_start(loop, &w->tick_timer, REDIS_TICK_NS, redis_on_tick, w);
}

int redis_run(const struct config *cfg, struct source *src)
{
    struct preload p;
    char err[1200];
    int rc = preload_begin(&p, cfg, src, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "hcwarm: %s\n", err);
        return 1;
    }
    /* Fail fast, with hiredis's words, when Redis is not there at all. */
    struct hc_redis_conn *probe = NULL;
    rc = hc_redis_conn_open(cfg->target, cfg->timeout_ns, &probe, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "hcwarm: cannot connect to %s: %s\n", cfg->target, err);
        if (p.checkpointing)
            checkpoint_destroy(&p.ck);
        return 1;
    }
    hc_redis_conn_free(probe);

    struct redis_warm w;
    memset(&w, 0, sizeof(w));
    w.p = &p;
    w.cfg = cfg;
    for (size_t i = 0; i < REDIS_WINDOW; i++)
        w.ring[i].slots = hc_xcalloc(cfg->batch, sizeof(struct redis_slot));
    hc_loop_timer_init(&w.pump_timer);
    hc_loop_timer_init(&w.tick_timer);
    rc = hc_loop_new(&w.loop);
    if (rc != 0)
        hc_panic("hcwarm: cannot make an event loop: %s", hc_strerror(rc));
    struct hc_redis_config rcfg = {
        .url = cfg->target,
        .connect_timeout_ns = cfg->timeout_ns,
        .command_timeout_ns = cfg->timeout_ns,
        .max_pending = cfg->batch * REDIS_WINDOW + 16,
    };
    if (hc_redis_url_is_cluster(cfg->target))
        rc = hc_redis_cluster_new(w.loop, &rcfg, NULL, NULL, &w.rc);
    else
        rc = hc_redis_new(w.loop, &rcfg, &w.r);
    if (rc != 0) {
        preload_stop(&p, "cannot connect to %s: %s", cfg->target, hc_strerror(rc));
    } else {
        (void)hc_loop_timer_start(w.loop, &w.tick_timer, REDIS_TICK_NS, redis_on_tick, &w);
        redis_send_info(&w); /* the memory cap holds from the first batch */
        redis_pump(&w);
        redis_maybe_finish(&w);
        if (!w.done)
            hc_loop_run(w.loop);
    }
    hc_loop_timer_stop(w.loop, &w.pump_timer);
    hc_loop_timer_stop(w.loop, &w.tick_timer);
    hc_redis_free(w.r);
    hc_redis_cluster_free(w.rc);
    hc_loop_free(w.loop);
    for (size_t i = 0; i < REDIS_WINDOW; i++)
        free(w.ring[i].slots);
    return preload_end(&p);
}
