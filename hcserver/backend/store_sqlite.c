/*
 * store_sqlite.c: orders in N SQLite files, one per shard, in WAL mode.
 *
 * Writes. Each shard has one write connection, used only by the shard's thread of the group
 * committer (committer.h), which runs a batch as BEGIN IMMEDIATE, the ops' statements, COMMIT:
 * with synchronous=FULL every COMMIT costs an fsync of the WAL, and one fsync acknowledges as
 * many orders as arrived while the previous one was running. Because a shard's writes all come
 * from one thread, writers never wait on SQLite's lock either. This file supplies only the
 * transaction (sq_begin, sq_apply, sq_commit, sq_rollback); the queues, threads and batching
 * are the committer's.
 *
 * Reads. WAL lets readers run beside the writer; each reading thread opens its own connection
 * to every shard on first use (kept in thread-local storage, closed when the thread ends) with
 * its statements prepared once, so a read is a reset, some binds and a step.
 *
 * Ids. An order's id is its rowid shifted left by HCSERVER_SHARD_BITS with the shard number
 * below, so a GET knows which file to open from the id alone.
 */
#include "backend/store_sqlite.h"

#include <stdlib.h>
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/committer.h"
#include "backend/shard_stats.h"
#include "backend/sqlite_file.h"
#include "hc/core.h"
#include "hc/limits.h"
#include "hc/log.h"

#define COLS "seq, user_id, sku, qty, amount_cents, status, created_ms, updated_ms, ticket"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS orders ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " user_id INTEGER NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL,"
    " amount_cents INTEGER NOT NULL, status INTEGER NOT NULL,"
    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    " idem_key TEXT, ticket INTEGER);"
    "CREATE INDEX IF NOT EXISTS orders_by_user ON orders(user_id, seq);"
    "CREATE UNIQUE INDEX IF NOT EXISTS orders_by_key ON orders(user_id, idem_key)"
    " WHERE idem_key IS NOT NULL;"
    "CREATE UNIQUE INDEX IF NOT EXISTS orders_by_ticket ON orders(ticket)"
    " WHERE ticket IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS orders_pending ON orders(updated_ms) WHERE status = 0;";

/* The sku index and its outstanding ranges (store.h). */
static const char index_sql[] =
    "CREATE TABLE IF NOT EXISTS sku_ranges (row INTEGER PRIMARY KEY, first_id INTEGER NOT NULL,"
    " last_id INTEGER NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sku_orders ("
    " order_id INTEGER PRIMARY KEY, sku TEXT NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS sku_orders_by_time ON sku_orders(sku, created_ms, order_id);";

struct shard {
    struct store_sqlite *st;                                    /* the store */
    unsigned idx;                                               /* shard number */
    char path[4096];                                            /* the file */
    sqlite3 *wdb;                                               /* the committer's connection */
    sqlite3_stmt *ins, *by_key, *by_ticket, *by_seq, *upd;      /* the committer's statements */
    sqlite3_stmt *sku_ins, *range_ins, *range_del, *range_move; /* the sku index's */
    struct store_range *range;               /* the open batch's creations, NULL before the first */
    sqlite3_stmt *begin, *commit, *rollback; /* transactions, prepared once */
    struct shard_stats stats;                /* hc_shard_* (reads count here) */
    char why[160]; /* SQLite's reason for the batch's first failure, "" while none */
};

struct store_sqlite {
    struct store base; /* must be first: the store handed out */
    struct store_sqlite_config cfg;
    struct shard *shards;        /* cfg.shards of them */
    struct committer *committer; /* the shards' write queues and threads */
    uint64_t gen;                /* tells this store's thread-local connections from older ones */
    atomic_bool closing;         /* refuse submits */
};

/* A reading thread's connections to every shard of one store. */
struct reader {
    struct store_sqlite *st;
    uint64_t gen;
    unsigned n;
    sqlite3 **db;
    sqlite3_stmt **get, **list, **list_before, **pending;
    sqlite3_stmt **sku, **sku_before, **ranges, **ids;
};

static pthread_key_t reader_key;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;
static atomic_uint_fast64_t store_gen;

static void reader_free(void *p)
{
    struct reader *r = p;

    if (r == NULL)
        return;
    for (unsigned i = 0; i < r->n; i++) {
        sqlite3_finalize(r->get[i]);
        sqlite3_finalize(r->list[i]);
        sqlite3_finalize(r->list_before[i]);
        sqlite3_finalize(r->pending[i]);
        sqlite3_finalize(r->sku[i]);
        sqlite3_finalize(r->sku_before[i]);
        sqlite3_finalize(r->ranges[i]);
        sqlite3_finalize(r->ids[i]);
        sqlite3_close(r->db[i]);
    }
    free(r->db);
    free(r->get);
    free(r->list);
    free(r->list_before);
    free(r->pending);
    free(r->sku);
    free(r->sku_before);
    free(r->ranges);
    free(r->ids);
    free(r);
}

static void reader_key_init(void)
{
    pthread_key_create(&reader_key, reader_free);
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;

    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
        return NULL;
    return s;
}

/* This thread's connections to st, opened on first use. NULL when a file would not open. */
static struct reader *reader_get(struct store_sqlite *st)
{
    struct reader *r;
    unsigned n = st->cfg.shards;

    pthread_once(&reader_once, reader_key_init);
    r = pthread_getspecific(reader_key);
    if (r != NULL && r->st == st && r->gen == st->gen)
        return r;
    reader_free(r);
    pthread_setspecific(reader_key, NULL);
    r = hc_xcalloc(1, sizeof(*r));
    r->st = st;
    r->gen = st->gen;
    r->db = hc_xcalloc(n, sizeof(*r->db));
    r->get = hc_xcalloc(n, sizeof(*r->get));
    r->list = hc_xcalloc(n, sizeof(*r->list));
    r->list_before = hc_xcalloc(n, sizeof(*r->list_before));
    r->pending = hc_xcalloc(n, sizeof(*r->pending));
    r->sku = hc_xcalloc(n, sizeof(*r->sku));
    r->sku_before = hc_xcalloc(n, sizeof(*r->sku_before));
    r->ranges = hc_xcalloc(n, sizeof(*r->ranges));
    r->ids = hc_xcalloc(n, sizeof(*r->ids));
    for (unsigned i = 0; i < n; i++) {
        r->n = i + 1;
        char err[256];
        if (sqlite_file_open(st->shards[i].path, st->cfg.synchronous, &r->db[i], err, sizeof(err)) <
            0) {
            HC_LOG_ERROR("store: %s", err);
            goto fail;
        }
        r->get[i] = prep(r->db[i], "SELECT " COLS " FROM orders WHERE seq = ?");
        r->list[i] = prep(r->db[i], "SELECT " COLS " FROM orders WHERE user_id = ?"
                                    " ORDER BY seq DESC LIMIT ?");
        r->list_before[i] = prep(r->db[i], "SELECT " COLS " FROM orders WHERE user_id = ?"
                                           " AND seq < ? ORDER BY seq DESC LIMIT ?");
        r->pending[i] = prep(r->db[i], "SELECT seq FROM orders WHERE status = 0"
                                       " AND updated_ms < ? LIMIT ?");
        r->sku[i] = prep(r->db[i], "SELECT order_id FROM sku_orders WHERE sku = ?1"
                                   " ORDER BY created_ms DESC, order_id DESC LIMIT ?2");
        /* After the cursor's own entry; a cursor the index lacks compares as NULL: no rows. */
        r->sku_before[i] = prep(r->db[i], "SELECT order_id FROM sku_orders WHERE sku = ?1"
                                          " AND (created_ms, order_id) < (SELECT created_ms,"
                                          " order_id FROM sku_orders WHERE order_id = ?2"
                                          " AND sku = ?1)"
                                          " ORDER BY created_ms DESC, order_id DESC LIMIT ?3");
        r->ranges[i] = prep(r->db[i], "SELECT row, first_id, last_id FROM sku_ranges"
                                      " WHERE created_ms < ? ORDER BY row LIMIT ?");
        r->ids[i] = prep(r->db[i], "SELECT " COLS " FROM orders WHERE seq BETWEEN ? AND ?"
                                   " ORDER BY seq LIMIT ?");
        if (!r->get[i] || !r->list[i] || !r->list_before[i] || !r->pending[i] || !r->sku[i] ||
            !r->sku_before[i] || !r->ranges[i] || !r->ids[i])
            goto fail;
    }
    pthread_setspecific(reader_key, r);
    return r;
fail:
    reader_free(r);
    return NULL;
}

static int64_t now_ms(void)
{
    return hc_wall_ns() / HC_NSEC_PER_MSEC;
}

/* Reads the row under s (columns COLS) into o. */
static void row_to_order(sqlite3_stmt *s, unsigned shard, struct order *o)
{
    const unsigned char *sku = sqlite3_column_text(s, 2);

    memset(o, 0, sizeof(*o));
    o->id = order_make_id((uint64_t)sqlite3_column_int64(s, 0), shard);
    o->user_id = (uint64_t)sqlite3_column_int64(s, 1);
    if (sku != NULL)
        snprintf(o->sku, sizeof(o->sku), "%s", (const char *)sku);
    o->qty = sqlite3_column_int64(s, 3);
    o->amount_cents = sqlite3_column_int64(s, 4);
    o->status = sqlite3_column_int(s, 5);
    o->created_ms = sqlite3_column_int64(s, 6);
    o->updated_ms = sqlite3_column_int64(s, 7);
    o->ticket = (uint64_t)sqlite3_column_int64(s, 8);
}

static void observe(struct shard *sh, int64_t start_ns, bool ok)
{
    shard_stats_observe(&sh->stats, start_ns, ok);
}

/* ---- the transaction (committer callbacks)
 * ----------------------------------------------------------------------- */

/* Keeps SQLite's reason for the first failure of the batch (committer_ops.why): "database or
 * disk is full", "attempt to write a readonly database", with the extended code. */
static void note_failure(struct shard *sh, int rc)
{
    if (sh->why[0] == '\0')
        snprintf(sh->why, sizeof(sh->why), "%s (SQLite code %d)", sqlite3_errmsg(sh->wdb),
                 sqlite3_extended_errcode(sh->wdb) != 0 ? sqlite3_extended_errcode(sh->wdb) : rc);
}

/* Looks up the order a CREATE collided with (same user and key, or same ticket). */
static int find_existing(struct shard *sh, struct store_op *op)
{
    sqlite3_stmt *s;
    int rc;

    if (op->order.ticket != 0) {
        s = sh->by_ticket;
        sqlite3_bind_int64(s, 1, (sqlite3_int64)op->order.ticket);
    } else {
        s = sh->by_key;
        sqlite3_bind_int64(s, 1, (sqlite3_int64)op->order.user_id);
        sqlite3_bind_text(s, 2, op->idem_key, -1, SQLITE_STATIC);
    }
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        row_to_order(s, sh->idx, &op->order);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_ROW ? -EEXIST : -EIO;
}

static void run_create(struct shard *sh, struct store_op *op)
{
    sqlite3_stmt *s = sh->ins;
    int64_t t = now_ms();
    int rc;

    sqlite3_bind_int64(s, 1, (sqlite3_int64)op->order.user_id);
    sqlite3_bind_text(s, 2, op->order.sku, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, op->order.qty);
    sqlite3_bind_int64(s, 4, op->order.amount_cents);
    sqlite3_bind_int64(s, 5, t);
    if (op->idem_key[0] != '\0')
        sqlite3_bind_text(s, 6, op->idem_key, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 6);
    if (op->order.ticket != 0)
        sqlite3_bind_int64(s, 7, (sqlite3_int64)op->order.ticket);
    else
        sqlite3_bind_null(s, 7);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc == SQLITE_DONE) {
        op->order.id = order_make_id((uint64_t)sqlite3_last_insert_rowid(sh->wdb), sh->idx);
        op->order.status = ORDER_PENDING;
        op->order.created_ms = t;
        op->order.updated_ms = t;
        op->result = 0;
        store_range_note(&sh->range, op);
    } else if (rc == SQLITE_CONSTRAINT) {
        op->result = find_existing(sh, op);
    } else {
        note_failure(sh, rc);
        op->result = -EIO;
    }
}

static void run_set_status(struct shard *sh, struct store_op *op)
{
    sqlite3_stmt *s = sh->by_seq;
    int rc;

    sqlite3_bind_int64(s, 1, (sqlite3_int64)order_id_seq(op->id));
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        row_to_order(s, sh->idx, &op->order);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW) {
        op->result = rc == SQLITE_DONE ? -ENOENT : -EIO;
        return;
    }
    if (!order_transition_ok(op->order.status, op->new_status)) {
        op->result = -EPERM;
        return;
    }
    op->order.status = op->new_status;
    op->order.updated_ms = now_ms();
    s = sh->upd;
    sqlite3_bind_int(s, 1, op->new_status);
    sqlite3_bind_int64(s, 2, op->order.updated_ms);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)order_id_seq(op->id));
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        note_failure(sh, rc);
    sqlite3_reset(s);
    op->result = rc == SQLITE_DONE ? 0 : -EIO;
}

/* Runs a prepared statement of shard sh that returns no rows. true when it completed. */
static bool run_stmt(struct shard *sh, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);

    if (rc != SQLITE_DONE)
        note_failure(sh, rc);
    sqlite3_reset(s);
    return rc == SQLITE_DONE;
}

/* STORE_SKU_INDEX (a repeat is ignored by the key) and STORE_SKU_RANGE. */
static void run_sku(struct shard *sh, struct store_op *op)
{
    sqlite3_stmt *s;
    bool ok;

    if (op->kind == STORE_SKU_INDEX) {
        s = sh->sku_ins;
        sqlite3_bind_int64(s, 1, (sqlite3_int64)op->order.id);
        sqlite3_bind_text(s, 2, op->order.sku, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, op->order.created_ms);
    } else if (op->upto == 0) {
        s = sh->range_del;
        sqlite3_bind_int64(s, 1, (sqlite3_int64)op->id);
    } else {
        s = sh->range_move;
        sqlite3_bind_int64(s, 1, (sqlite3_int64)op->upto);
        sqlite3_bind_int64(s, 2, (sqlite3_int64)op->id);
    }
    ok = run_stmt(sh, s);
    sqlite3_clear_bindings(s);
    op->result = ok ? 0 : -EIO;
}

static int sq_begin(void *arg, unsigned shard)
{
    struct store_sqlite *st = arg;
    struct shard *sh = &st->shards[shard];

    sh->why[0] = '\0';
    sh->range = NULL; /* the last batch's, if any, went with its ops */
    return run_stmt(sh, sh->begin) ? 0 : -EIO;
}

static int sq_apply(void *arg, unsigned shard, struct store_op *op)
{
    struct store_sqlite *st = arg;

    if (op->kind == STORE_CREATE)
        run_create(&st->shards[shard], op);
    else if (op->kind == STORE_SET_STATUS)
        run_set_status(&st->shards[shard], op);
    else
        run_sku(&st->shards[shard], op);
    return 0;
}

static int sq_commit(void *arg, unsigned shard)
{
    struct store_sqlite *st = arg;
    struct shard *sh = &st->shards[shard];
    struct store_range *r = sh->range;

    /* The batch's creations as one range row, in their own transaction (store.h). */
    if (r != NULL) {
        sqlite3_bind_int64(sh->range_ins, 1, (sqlite3_int64)r->first);
        sqlite3_bind_int64(sh->range_ins, 2, (sqlite3_int64)r->last);
        sqlite3_bind_int64(sh->range_ins, 3, now_ms());
        if (!run_stmt(sh, sh->range_ins))
            return -EIO;
        r->row = (uint64_t)sqlite3_last_insert_rowid(sh->wdb);
    }
    return run_stmt(sh, sh->commit) ? 0 : -EIO;
}

static void sq_rollback(void *arg, unsigned shard)
{
    struct store_sqlite *st = arg;
    struct shard *sh = &st->shards[shard];

    /* Fails harmlessly when no transaction is open (BEGIN failed, or SQLite rolled back
     * itself after a full disk): not a reason worth keeping over the first one. */
    sqlite3_step(sh->rollback);
    sqlite3_reset(sh->rollback);
}

static const char *sq_why(void *arg, unsigned shard)
{
    struct store_sqlite *st = arg;

    return st->shards[shard].why[0] != '\0' ? st->shards[shard].why : "an unknown SQLite error";
}

static const struct committer_ops sqlite_tx = {
    .begin = sq_begin,
    .apply = sq_apply,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .why = sq_why,
};

/* ---- the interface ------------------------------------------------------------------- */

static int sq_submit(struct store *s, struct store_op *op)
{
    struct store_sqlite *st = (struct store_sqlite *)s;

    return committer_submit(st->committer, store_shard_of_op(s, op), op);
}

static int sq_get(struct store *s, uint64_t id, enum store_read pref, struct order *out)
{
    struct store_sqlite *st = (struct store_sqlite *)s;
    unsigned idx = order_id_shard(id);
    struct reader *r;
    sqlite3_stmt *q;
    int64_t start = hc_now_ns();
    int rc;

    HC_UNUSED(pref); /* one copy: every read is a primary read */
    if (idx >= st->cfg.shards)
        return -ENODEV;
    r = reader_get(st);
    if (r == NULL)
        return -EIO;
    q = r->get[idx];
    sqlite3_bind_int64(q, 1, (sqlite3_int64)order_id_seq(id));
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        row_to_order(q, idx, out);
    sqlite3_reset(q);
    observe(&st->shards[idx], start, rc == SQLITE_ROW || rc == SQLITE_DONE);
    if (rc == SQLITE_ROW)
        return 0;
    return rc == SQLITE_DONE ? -ENOENT : -EIO;
}

static int sq_list_user(struct store *s, uint64_t user, uint64_t before, enum store_read pref,
                        struct order *out, size_t cap, size_t *n)
{
    struct store_sqlite *st = (struct store_sqlite *)s;
    unsigned idx = store_shard_of_user(s, user);
    struct reader *r = reader_get(st);
    sqlite3_stmt *q;
    int64_t start = hc_now_ns();
    int rc;

    HC_UNUSED(pref);
    *n = 0;
    if (r == NULL)
        return -EIO;
    if (before != 0 && order_id_shard(before) != idx)
        return 0; /* that id is not this user's: nothing is "before" it on this shard */
    q = before != 0 ? r->list_before[idx] : r->list[idx];
    sqlite3_bind_int64(q, 1, (sqlite3_int64)user);
    if (before != 0) {
        sqlite3_bind_int64(q, 2, (sqlite3_int64)order_id_seq(before));
        sqlite3_bind_int64(q, 3, (sqlite3_int64)cap);
    } else {
        sqlite3_bind_int64(q, 2, (sqlite3_int64)cap);
    }
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < cap)
        row_to_order(q, idx, &out[(*n)++]);
    sqlite3_reset(q);
    observe(&st->shards[idx], start, rc == SQLITE_DONE || rc == SQLITE_ROW);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}

static int sq_list_sku(struct store *s, const char *sku, uint64_t before, enum store_read pref,
                       uint64_t *ids, size_t cap, size_t *n)
{
    struct store_sqlite *st = (struct store_sqlite *)s;
    unsigned idx = store_shard_of_sku(s, sku);
    struct reader *r = reader_get(st);
    sqlite3_stmt *q;
    int64_t start = hc_now_ns();
    int rc;

    HC_UNUSED(pref);
    *n = 0;
    if (r == NULL)
        return -EIO;
    q = before != 0 ? r->sku_before[idx] : r->sku[idx];
    sqlite3_bind_text(q, 1, sku, -1, SQLITE_STATIC);
    if (before != 0)
        sqlite3_bind_int64(q, 2, (sqlite3_int64)before);
    sqlite3_bind_int64(q, before != 0 ? 3 : 2, (sqlite3_int64)cap);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < cap)
        ids[(*n)++] = (uint64_t)sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    observe(&st->shards[idx], start, rc == SQLITE_DONE || rc == SQLITE_ROW);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}

static int sq_list_ranges(struct store *s, unsigned shard, int64_t older_than_ms,
                          enum store_read pref, struct store_range_row *out, size_t cap, size_t *n)
{
    struct store_sqlite *st = (struct store_sqlite *)s;
    struct reader *r = reader_get(st);
    sqlite3_stmt *q;
    int rc;

    HC_UNUSED(pref);
    *n = 0;
    if (r == NULL || shard >= st->cfg.shards)
        return -EIO;
    q = r->ranges[shard];
    sqlite3_bind_int64(q, 1, older_than_ms);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)cap);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < cap) {
        out[*n].row = (uint64_t)sqlite3_column_int64(q, 0);
        out[*n].first = (uint64_t)sqlite3_column_int64(q, 1);
        out[*n].last = (uint64_t)sqlite3_column_int64(q, 2);
        (*n)++;
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}

static int sq_list_ids(struct store *s, unsigned shard, uint64_t first, uint64_t last,
                       enum store_read pref, struct order *out, size_t cap, size_t *n)
{
    struct store_sqlite *st = (struct store_sqlite *)s;
    struct reader *r = reader_get(st);
    sqlite3_stmt *q;
    int rc;

    HC_UNUSED(pref);
    *n = 0;
    if (r == NULL || shard >= st->cfg.shards)
        return -EIO;
    q = r->ids[shard];
    sqlite3_bind_int64(q, 1, (sqlite3_int64)order_id_seq(first));
    sqlite3_bind_int64(q, 2, (sqlite3_int64)order_id_seq(last));
    sqlite3_bind_int64(q, 3, (sqlite3_int64)cap);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < cap)
        row_to_order(q, shard, &out[(*n)++]);
    sqlite3_reset(q);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}

static int sq_list_pending(struct store *s, unsigned shard, int64_t older_than_ms,
                           enum store_read pref, uint64_t *ids, size_t cap, size_t *n)
{
    struct store_sqlite *st = (struct store_sqlite *)s;
    struct reader *r = reader_get(st);
    sqlite3_stmt *q;
    int rc;

    HC_UNUSED(pref);
    *n = 0;
    if (r == NULL || shard >= st->cfg.shards)
        return -EIO;
    q = r->pending[shard];
    sqlite3_bind_int64(q, 1, older_than_ms);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)cap);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < cap)
        ids[(*n)++] = order_make_id((uint64_t)sqlite3_column_int64(q, 0), shard);
    sqlite3_reset(q);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}

static size_t sq_queue_depth(struct store *s, unsigned shard)
{
    struct store_sqlite *st = (struct store_sqlite *)s;

    return st->committer != NULL ? committer_depth(st->committer, shard) : 0;
}

static void shard_close(struct shard *sh)
{
    sqlite3_finalize(sh->ins);
    sqlite3_finalize(sh->by_key);
    sqlite3_finalize(sh->by_ticket);
    sqlite3_finalize(sh->by_seq);
    sqlite3_finalize(sh->upd);
    sqlite3_finalize(sh->sku_ins);
    sqlite3_finalize(sh->range_ins);
    sqlite3_finalize(sh->range_del);
    sqlite3_finalize(sh->range_move);
    sqlite3_finalize(sh->begin);
    sqlite3_finalize(sh->commit);
    sqlite3_finalize(sh->rollback);
    sqlite3_close(sh->wdb);
}

static void sq_close(struct store *s)
{
    struct store_sqlite *st = (struct store_sqlite *)s;
    struct reader *r;

    atomic_store(&st->closing, true);
    /* Commits what is queued and stops the threads that use the write connections. */
    committer_free(st->committer);
    for (unsigned i = 0; i < st->cfg.shards; i++)
        shard_close(&st->shards[i]);
    /* The calling thread's readers; other threads closed theirs when they ended. */
    pthread_once(&reader_once, reader_key_init);
    r = pthread_getspecific(reader_key);
    if (r != NULL && r->st == st) {
        reader_free(r);
        pthread_setspecific(reader_key, NULL);
    }
    free(st->shards);
    free(st);
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .submit = sq_submit,
    .get = sq_get,
    .list_user = sq_list_user,
    .list_sku = sq_list_sku,
    .list_ranges = sq_list_ranges,
    .list_ids = sq_list_ids,
    .list_pending = sq_list_pending,
    .queue_depth = sq_queue_depth,
    .close = sq_close,
};

/* Runs sql on db and reads the first column of its one row (0 when it has none). */
static int query_int(sqlite3 *db, const char *sql, sqlite3_int64 *v)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

    *v = 0;
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
        *v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -EIO;
}

/*
 * The sku index's tables, in one transaction with what an older shard needs: a shard made
 * before them (orders, but no sku_ranges) gets one range of all its orders, which the
 * compensation job then indexes. 0 or -EIO.
 */
static int index_open(struct shard *sh)
{
    sqlite3_int64 had = 0, lo = 0, hi = 0;
    char sql[192];

    if (sqlite3_exec(sh->wdb, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return -EIO;
    if (query_int(sh->wdb, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sku_ranges'", &had) <
            0 ||
        sqlite3_exec(sh->wdb, index_sql, NULL, NULL, NULL) != SQLITE_OK ||
        (had == 0 && (query_int(sh->wdb, "SELECT MIN(seq) FROM orders", &lo) < 0 ||
                      query_int(sh->wdb, "SELECT MAX(seq) FROM orders", &hi) < 0)))
        goto fail;
    if (had == 0 && hi > 0) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO sku_ranges (first_id, last_id, created_ms) VALUES (%llu, %llu, 0)",
                 (unsigned long long)order_make_id((uint64_t)lo, sh->idx),
                 (unsigned long long)order_make_id((uint64_t)hi, sh->idx));
        if (sqlite3_exec(sh->wdb, sql, NULL, NULL, NULL) != SQLITE_OK)
            goto fail;
    }
    if (sqlite3_exec(sh->wdb, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
fail:
    sqlite3_exec(sh->wdb, "ROLLBACK", NULL, NULL, NULL);
    return -EIO;
}

static int shard_open(struct shard *sh, char *err, size_t errlen)
{
    int rc = sqlite_file_open(sh->path, sh->st->cfg.synchronous, &sh->wdb, err, errlen);

    if (rc < 0)
        return rc;
    if (sqlite3_exec(sh->wdb, schema_sql, NULL, NULL, NULL) != SQLITE_OK || index_open(sh) < 0) {
        snprintf(err, errlen, "%s: schema: %s", sh->path, sqlite3_errmsg(sh->wdb));
        return -EIO;
    }
    sh->ins = prep(sh->wdb, "INSERT INTO orders (user_id, sku, qty, amount_cents, status,"
                            " created_ms, updated_ms, idem_key, ticket)"
                            " VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5, ?6, ?7)");
    sh->by_key = prep(sh->wdb, "SELECT " COLS " FROM orders WHERE user_id = ? AND idem_key = ?");
    sh->by_ticket = prep(sh->wdb, "SELECT " COLS " FROM orders WHERE ticket = ?");
    sh->by_seq = prep(sh->wdb, "SELECT " COLS " FROM orders WHERE seq = ?");
    sh->upd = prep(sh->wdb, "UPDATE orders SET status = ?, updated_ms = ? WHERE seq = ?");
    sh->sku_ins = prep(sh->wdb, "INSERT OR IGNORE INTO sku_orders (order_id, sku, created_ms)"
                                " VALUES (?, ?, ?)");
    sh->range_ins = prep(sh->wdb, "INSERT INTO sku_ranges (first_id, last_id, created_ms)"
                                  " VALUES (?, ?, ?)");
    sh->range_del = prep(sh->wdb, "DELETE FROM sku_ranges WHERE row = ?");
    sh->range_move = prep(sh->wdb, "UPDATE sku_ranges SET first_id = ? WHERE row = ?");
    sh->begin = prep(sh->wdb, "BEGIN IMMEDIATE");
    sh->commit = prep(sh->wdb, "COMMIT");
    sh->rollback = prep(sh->wdb, "ROLLBACK");
    if (!sh->ins || !sh->by_key || !sh->by_ticket || !sh->by_seq || !sh->upd || !sh->sku_ins ||
        !sh->range_ins || !sh->range_del || !sh->range_move || !sh->begin || !sh->commit ||
        !sh->rollback) {
        snprintf(err, errlen, "%s: prepare: %s", sh->path, sqlite3_errmsg(sh->wdb));
        return -EIO;
    }
    return 0;
}

int store_sqlite_open(const struct store_sqlite_config *cfg, struct store **out, char *err,
                      size_t errlen)
{
    struct store_sqlite *st;
    int rc = 0;

    if (cfg->shards == 0 || cfg->shards > HCSERVER_MAX_SHARDS || cfg->batch_max == 0 ||
        cfg->queue_cap == 0 || cfg->queue_cap > HC_SERVER_MAX_WRITE_QUEUE) {
        snprintf(err, errlen, "store: bad shard count, batch or queue size");
        return -EINVAL;
    }
    if (mkdir(cfg->dir, 0755) < 0 && errno != EEXIST) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", cfg->dir, hc_strerror(rc));
        return rc;
    }
    st = hc_xcalloc(1, sizeof(*st));
    st->base.ops = &sqlite_ops;
    st->base.shards = cfg->shards;
    st->cfg = *cfg;
    st->gen = atomic_fetch_add(&store_gen, 1) + 1;
    st->shards = hc_xcalloc(cfg->shards, sizeof(*st->shards));
    for (unsigned i = 0; i < cfg->shards; i++) {
        struct shard *sh = &st->shards[i];
        sh->st = st;
        sh->idx = i;
        snprintf(sh->path, sizeof(sh->path), "%s/shard-%u.db", cfg->dir, i);
    }
    for (unsigned i = 0; i < cfg->shards && rc == 0; i++)
        rc = shard_open(&st->shards[i], err, errlen);
    if (rc == 0) {
        struct committer_config cc = {
            .shards = cfg->shards,
            .batch_max = cfg->batch_max,
            .queue_cap = cfg->queue_cap,
            .ops = &sqlite_tx,
            .arg = st,
            .m = cfg->m,
        };
        for (unsigned i = 0; i < cfg->shards; i++)
            shard_stats_init(&st->shards[i].stats, cfg->m, i, "primary");
        rc = committer_new(&cc, &st->committer);
        if (rc < 0)
            snprintf(err, errlen, "store: cannot start the committer threads");
    }
    if (rc < 0) {
        sq_close(&st->base);
        return rc;
    }
    *out = &st->base;
    return 0;
}
