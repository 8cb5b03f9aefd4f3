/*
 * queue_local.c: the embedded durable queue.
 *
 * The log is a SQLite table written by one thread, in group commits like the order shards:
 * appends, acks and metadata that arrive while a commit runs all go into the next one. A
 * message enters the in-memory ring (where consumers take it) only after the commit that
 * wrote it, so a consumer never works on something a crash could undo. The ring grows by
 * doubling up to its cap; appends that would pass the cap (counting those still being
 * committed) are refused with -EAGAIN, so memory is bounded however fast grabs arrive.
 *
 * Message ids are assigned by the writer thread in commit order, continuing after the largest
 * id in the log, so they are unique across restarts.
 */
#include "backend/queue_local.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "backend/sqlite_file.h"

struct pending {
    int kind; /* 1 ack, 2 meta */
    uint64_t id, result;
    char key[128];
    int64_t value;
    int *rc;    /* meta: where the result goes */
    bool *done; /* meta: set after commit */
    struct pending *next;
};

struct qlocal {
    struct queue base;
    struct queue_local_config cfg;
    sqlite3 *wdb, *rdb;
    pthread_mutex_t rmu; /* guards rdb and its statement */
    sqlite3_stmt *ins, *ack, *meta, *look;
    pthread_t writer;
    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t wcv; /* writer: work arrived */
    pthread_cond_t tcv; /* takers: messages arrived, or shutdown */
    pthread_cond_t mcv; /* metadata writers: their commit finished */
    struct queue_append *ahead, *atail;
    struct pending *phead, *ptail;
    size_t reserved; /* appends accepted and not yet in the ring */
    struct queue_msg *ring;
    size_t ring_cap, ring_head, ring_n;
    size_t unacked;
    uint64_t next_id;
    bool closing; /* no more appends */
    bool shut;    /* takers stop once the ring is empty */
    bool writer_exit;
    bool writer_busy;
    struct hc_metrics_counter *enq, *proc, *fail;
};

static int64_t wall_ms(void)
{
    return hc_wall_ns() / HC_NSEC_PER_MSEC;
}

static void ring_push(struct qlocal *q, const struct queue_msg *m)
{
    if (q->ring_n == q->ring_cap) {
        size_t ncap = q->ring_cap ? q->ring_cap * 2 : 1024;
        struct queue_msg *nr = hc_xmalloc(ncap * sizeof(*nr));
        for (size_t i = 0; i < q->ring_n; i++)
            nr[i] = q->ring[(q->ring_head + i) % q->ring_cap];
        free(q->ring);
        q->ring = nr;
        q->ring_cap = ncap;
        q->ring_head = 0;
    }
    q->ring[(q->ring_head + q->ring_n) % q->ring_cap] = *m;
    q->ring_n++;
}

static void write_batch(struct qlocal *q, struct queue_append *apps, struct pending *pend)
{
    bool ok = sqlite3_exec(q->wdb, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
    uint64_t first_id = q->next_id;
    struct queue_append *a, *anext;
    struct pending *p, *pnext;

    for (a = apps; ok && a != NULL; a = a->next) {
        a->msg.id = q->next_id++;
        a->msg.created_ms = wall_ms();
        sqlite3_bind_int64(q->ins, 1, (sqlite3_int64)a->msg.id);
        sqlite3_bind_text(q->ins, 2, a->msg.topic, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q->ins, 3, (sqlite3_int64)a->msg.key);
        sqlite3_bind_int64(q->ins, 4, a->msg.created_ms);
        ok = sqlite3_step(q->ins) == SQLITE_DONE;
        sqlite3_reset(q->ins);
    }
    for (p = pend; ok && p != NULL; p = p->next) {
        sqlite3_stmt *s = p->kind == 1 ? q->ack : q->meta;
        if (p->kind == 1) {
            sqlite3_bind_int64(s, 1, (sqlite3_int64)p->result);
            sqlite3_bind_int64(s, 2, (sqlite3_int64)p->id);
        } else {
            sqlite3_bind_text(s, 1, p->key, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 2, p->value);
        }
        ok = sqlite3_step(s) == SQLITE_DONE;
        sqlite3_reset(s);
    }
    if (ok)
        ok = sqlite3_exec(q->wdb, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    if (!ok) {
        sqlite3_exec(q->wdb, "ROLLBACK", NULL, NULL, NULL);
        q->next_id = first_id;
    }

    pthread_mutex_lock(&q->mu);
    for (a = apps; a != NULL; a = a->next) {
        q->reserved--;
        a->result = ok ? 0 : -EIO;
        if (ok)
            ring_push(q, &a->msg);
    }
    for (p = pend; p != NULL; p = p->next) {
        if (p->kind == 2) {
            *p->rc = ok ? 0 : -EIO;
            *p->done = true;
        }
    }
    pthread_cond_broadcast(&q->tcv);
    pthread_cond_broadcast(&q->mcv);
    pthread_mutex_unlock(&q->mu);

    for (a = apps; a != NULL; a = anext) {
        anext = a->next;
        a->next = NULL;
        if (q->enq != NULL)
            hc_metrics_counter_inc(ok ? q->enq : q->fail);
        a->done(a);
    }
    for (p = pend; p != NULL; p = pnext) {
        pnext = p->next;
        if (p->kind == 1 && q->proc != NULL)
            hc_metrics_counter_inc(q->proc);
        free(p);
    }
}

static void *writer_main(void *arg)
{
    struct qlocal *q = arg;

    pthread_mutex_lock(&q->mu);
    for (;;) {
        struct queue_append *apps;
        struct pending *pend;

        while (q->ahead == NULL && q->phead == NULL && !q->writer_exit)
            pthread_cond_wait(&q->wcv, &q->mu);
        if (q->ahead == NULL && q->phead == NULL)
            break;
        apps = q->ahead;
        pend = q->phead;
        q->ahead = q->atail = NULL;
        q->phead = q->ptail = NULL;
        q->writer_busy = true;
        pthread_mutex_unlock(&q->mu);
        write_batch(q, apps, pend);
        pthread_mutex_lock(&q->mu);
        q->writer_busy = false;
        pthread_cond_broadcast(&q->mcv);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

static int ql_append(struct queue *base, struct queue_append *a)
{
    struct qlocal *q = (struct qlocal *)base;
    int rc = 0;

    a->next = NULL;
    pthread_mutex_lock(&q->mu);
    if (q->closing)
        rc = -ESHUTDOWN;
    else if (q->ring_n + q->reserved >= q->cfg.cap)
        rc = -EAGAIN;
    if (rc == 0) {
        q->reserved++;
        if (q->atail != NULL)
            q->atail->next = a;
        else
            q->ahead = a;
        q->atail = a;
        pthread_cond_signal(&q->wcv);
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

static int ql_take(struct queue *base, struct queue_msg *out, size_t cap, int64_t timeout_ns)
{
    struct qlocal *q = (struct qlocal *)base;
    struct timespec ts;
    size_t n = 0;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ns / HC_NSEC_PER_SEC;
    ts.tv_nsec += timeout_ns % HC_NSEC_PER_SEC;
    if (ts.tv_nsec >= HC_NSEC_PER_SEC) {
        ts.tv_sec++;
        ts.tv_nsec -= HC_NSEC_PER_SEC;
    }
    pthread_mutex_lock(&q->mu);
    while (q->ring_n == 0 && !q->shut) {
        if (pthread_cond_timedwait(&q->tcv, &q->mu, &ts) == ETIMEDOUT)
            break;
    }
    if (q->ring_n == 0 && q->shut) {
        pthread_mutex_unlock(&q->mu);
        return -ESHUTDOWN;
    }
    while (n < cap && q->ring_n > 0) {
        out[n++] = q->ring[q->ring_head];
        q->ring_head = (q->ring_head + 1) % q->ring_cap;
        q->ring_n--;
    }
    q->unacked += n;
    pthread_mutex_unlock(&q->mu);
    return (int)n;
}

static void push_pending(struct qlocal *q, struct pending *p)
{
    p->next = NULL;
    if (q->ptail != NULL)
        q->ptail->next = p;
    else
        q->phead = p;
    q->ptail = p;
    pthread_cond_signal(&q->wcv);
}

static int ql_ack(struct queue *base, uint64_t id, uint64_t result)
{
    struct qlocal *q = (struct qlocal *)base;
    struct pending *p = hc_xcalloc(1, sizeof(*p));

    p->kind = 1;
    p->id = id;
    p->result = result;
    pthread_mutex_lock(&q->mu);
    if (q->unacked > 0)
        q->unacked--;
    push_pending(q, p);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

static int ql_set_meta(struct queue *base, const char *key, int64_t value)
{
    struct qlocal *q = (struct qlocal *)base;
    struct pending *p = hc_xcalloc(1, sizeof(*p));
    bool done = false;
    int rc = 0;

    p->kind = 2;
    snprintf(p->key, sizeof(p->key), "%s", key);
    p->value = value;
    p->rc = &rc;
    p->done = &done;
    pthread_mutex_lock(&q->mu);
    push_pending(q, p);
    while (!done)
        pthread_cond_wait(&q->mcv, &q->mu);
    pthread_mutex_unlock(&q->mu);
    return rc;
}

static int ql_lookup(struct queue *base, uint64_t id, struct queue_msg *m, int *state,
                     uint64_t *result)
{
    struct qlocal *q = (struct qlocal *)base;
    int rc;

    pthread_mutex_lock(&q->rmu);
    sqlite3_bind_int64(q->look, 1, (sqlite3_int64)id);
    rc = sqlite3_step(q->look);
    if (rc == SQLITE_ROW) {
        memset(m, 0, sizeof(*m));
        m->id = id;
        snprintf(m->topic, sizeof(m->topic), "%s", (const char *)sqlite3_column_text(q->look, 0));
        m->key = (uint64_t)sqlite3_column_int64(q->look, 1);
        *state = sqlite3_column_int(q->look, 2);
        *result = (uint64_t)sqlite3_column_int64(q->look, 3);
        m->created_ms = sqlite3_column_int64(q->look, 4);
    }
    sqlite3_reset(q->look);
    pthread_mutex_unlock(&q->rmu);
    if (rc == SQLITE_ROW)
        return 0;
    return rc == SQLITE_DONE ? -ENOENT : -EIO;
}

static size_t ql_depth(struct queue *base)
{
    struct qlocal *q = (struct qlocal *)base;
    size_t n;

    pthread_mutex_lock(&q->mu);
    n = q->ring_n + q->reserved;
    pthread_mutex_unlock(&q->mu);
    return n;
}

static size_t ql_unacked(struct queue *base)
{
    struct qlocal *q = (struct qlocal *)base;
    size_t n;

    pthread_mutex_lock(&q->mu);
    n = q->unacked;
    pthread_mutex_unlock(&q->mu);
    return n;
}

static void ql_shutdown(struct queue *base)
{
    struct qlocal *q = (struct qlocal *)base;

    pthread_mutex_lock(&q->mu);
    q->closing = true;
    /* Appends already accepted are committed and reach the ring before takers are told to
     * stop, so none is left behind. */
    while (q->reserved > 0 || q->writer_busy)
        pthread_cond_wait(&q->mcv, &q->mu);
    q->shut = true;
    pthread_cond_broadcast(&q->tcv);
    pthread_mutex_unlock(&q->mu);
}

static void ql_close(struct queue *base)
{
    struct qlocal *q = (struct qlocal *)base;

    pthread_mutex_lock(&q->mu);
    q->closing = true;
    q->shut = true;
    q->writer_exit = true;
    pthread_cond_broadcast(&q->wcv);
    pthread_cond_broadcast(&q->tcv);
    pthread_mutex_unlock(&q->mu);
    if (q->writer)
        pthread_join(q->writer, NULL);
    sqlite3_finalize(q->ins);
    sqlite3_finalize(q->ack);
    sqlite3_finalize(q->meta);
    sqlite3_finalize(q->look);
    sqlite3_close(q->wdb);
    sqlite3_close(q->rdb);
    pthread_mutex_destroy(&q->mu);
    pthread_mutex_destroy(&q->rmu);
    pthread_cond_destroy(&q->wcv);
    pthread_cond_destroy(&q->tcv);
    pthread_cond_destroy(&q->mcv);
    free(q->ring);
    free(q);
}

static int ql_scan(struct queue *base, queue_replay_cb msg, queue_meta_cb meta, void *arg);

static const struct queue_ops local_ops = {
    .name = "local",
    .append = ql_append,
    .take = ql_take,
    .ack = ql_ack,
    .set_meta = ql_set_meta,
    .scan = ql_scan,
    .lookup = ql_lookup,
    .depth = ql_depth,
    .unacked = ql_unacked,
    .shutdown = ql_shutdown,
    .close = ql_close,
};

static double depth_cb(void *arg)
{
    return (double)ql_depth(arg);
}

static double age_cb(void *arg)
{
    struct qlocal *q = arg;
    double age = 0;

    pthread_mutex_lock(&q->mu);
    if (q->ring_n > 0)
        age = (double)(wall_ms() - q->ring[q->ring_head].created_ms) / 1000.0;
    pthread_mutex_unlock(&q->mu);
    return age;
}

static void register_metrics(struct qlocal *q)
{
    struct hc_metrics *m = q->cfg.m;
    struct hc_metrics_family *f;
    const char *v[] = {q->cfg.name};

    if (m == NULL)
        return;
    if (hc_metrics_register_counter(m, "hc_queue_enqueued_total", "Messages put on a queue.",
                                    "queue", &f) == 0)
        hc_metrics_counter_get(f, v, &q->enq);
    if (hc_metrics_register_counter(m, "hc_queue_processed_total",
                                    "Messages a queue's workers finished.", "queue", &f) == 0)
        hc_metrics_counter_get(f, v, &q->proc);
    if (hc_metrics_register_counter(m, "hc_queue_failed_total",
                                    "Messages whose processing failed (retried later).", "queue",
                                    &f) == 0)
        hc_metrics_counter_get(f, v, &q->fail);
    if (hc_metrics_register_gauge(m, "hc_queue_depth", "Messages waiting on a queue.", "queue",
                                  &f) == 0)
        hc_metrics_add_callback(f, v, depth_cb, q);
    if (hc_metrics_register_gauge(m, "hc_queue_oldest_age_seconds",
                                  "Age of the oldest message waiting on a queue.", "queue",
                                  &f) == 0)
        hc_metrics_add_callback(f, v, age_cb, q);
    if (q->enq == NULL || q->proc == NULL || q->fail == NULL)
        q->enq = q->proc = q->fail = NULL;
}

/*
 * Reads the log on db: every metadata pair to meta, then every message, oldest first, to msg
 * (either may be NULL). With requeue, waiting messages go back into the ring and the next id
 * continues after the largest (what open does). 0 or -EIO.
 */
static int read_log(struct qlocal *q, sqlite3 *db, bool requeue, queue_replay_cb msg,
                    queue_meta_cb meta, void *arg)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (sqlite3_prepare_v2(db, "SELECT key, value FROM meta", -1, &s, NULL) != SQLITE_OK)
        return -EIO;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (meta != NULL)
            meta(arg, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1));
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return -EIO;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, topic, key, state, result, created_ms FROM messages"
                           " ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK)
        return -EIO;
    if (requeue)
        q->next_id = 1;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct queue_msg m;
        int state = sqlite3_column_int(s, 3);
        memset(&m, 0, sizeof(m));
        m.id = (uint64_t)sqlite3_column_int64(s, 0);
        snprintf(m.topic, sizeof(m.topic), "%s", (const char *)sqlite3_column_text(s, 1));
        m.key = (uint64_t)sqlite3_column_int64(s, 2);
        m.created_ms = sqlite3_column_int64(s, 5);
        if (msg != NULL)
            msg(arg, &m, state, (uint64_t)sqlite3_column_int64(s, 4));
        if (requeue && state == QUEUE_WAITING)
            ring_push(q, &m);
        if (requeue)
            q->next_id = m.id + 1;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

static int ql_scan(struct queue *base, queue_replay_cb msg, queue_meta_cb meta, void *arg)
{
    struct qlocal *q = (struct qlocal *)base;
    int rc;

    pthread_mutex_lock(&q->rmu);
    rc = read_log(q, q->rdb, false, msg, meta, arg);
    pthread_mutex_unlock(&q->rmu);
    return rc;
}

int queue_local_open(const struct queue_local_config *cfg, struct queue **out, char *err,
                     size_t errlen)
{
    struct qlocal *q = hc_xcalloc(1, sizeof(*q));
    int rc;

    q->base.ops = &local_ops;
    q->cfg = *cfg;
    if (q->cfg.cap == 0 || q->cfg.cap > HC_SERVER_MAX_FLASH_QUEUE)
        q->cfg.cap = HC_SERVER_MAX_FLASH_QUEUE;
    pthread_mutex_init(&q->mu, NULL);
    pthread_mutex_init(&q->rmu, NULL);
    pthread_cond_init(&q->wcv, NULL);
    pthread_cond_init(&q->tcv, NULL);
    pthread_cond_init(&q->mcv, NULL);
    rc = sqlite_file_open(cfg->path, cfg->synchronous, &q->wdb, err, errlen);
    if (rc == 0)
        rc = sqlite_file_open(cfg->path, cfg->synchronous, &q->rdb, err, errlen);
    if (rc < 0) {
        /* err says why already. */
        ql_close(&q->base);
        return rc;
    }
    if (sqlite3_exec(q->wdb,
                     "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, topic TEXT"
                     " NOT NULL, key INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0,"
                     " result INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL);"
                     "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER);",
                     NULL, NULL, NULL) != SQLITE_OK)
        rc = -EIO;
    if (rc == 0) {
        sqlite3_prepare_v2(q->wdb,
                           "INSERT INTO messages (id, topic, key, created_ms) VALUES (?,?,?,?)", -1,
                           &q->ins, NULL);
        sqlite3_prepare_v2(q->wdb, "UPDATE messages SET state = 1, result = ? WHERE id = ?", -1,
                           &q->ack, NULL);
        sqlite3_prepare_v2(q->wdb, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", -1,
                           &q->meta, NULL);
        sqlite3_prepare_v2(q->rdb,
                           "SELECT topic, key, state, result, created_ms FROM messages"
                           " WHERE id = ?",
                           -1, &q->look, NULL);
        if (!q->ins || !q->ack || !q->meta || !q->look)
            rc = -EIO;
    }
    if (rc == 0)
        rc = read_log(q, q->wdb, true, NULL, NULL, NULL);
    if (rc == 0) {
        register_metrics(q);
        rc = -pthread_create(&q->writer, NULL, writer_main, q);
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", cfg->path, sqlite3_errmsg(q->wdb));
        ql_close(&q->base);
        return rc;
    }
    *out = &q->base;
    return 0;
}
