/*
 * store_sqlite.c: --from-store sqlite:DIR, hcserver's SQLite shard files DIR/shard-N.db.
 *
 * This is a reader of hcserver's on-disk format (hcserver/backend/store_sqlite.c): the orders
 * table's columns, and the order id, which is the row number shifted left by 8 bits with the
 * shard number below. Each file is opened with mode=ro, so a running hcserver is not disturbed
 * and a stopped one's files are not changed.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "store_reader.h"

struct store_sqlite {
    struct store_reader r;
    const char *dir;
    sqlite3 *db[STORE_MAX_SHARDS];
};

/* 0 opened, 1 no such file, -EIO with err. */
static int open_shard(const char *dir, unsigned i, sqlite3 **db, char *err, size_t errlen)
{
    char path[4200], uri[4300];
    struct stat st;
    snprintf(path, sizeof(path), "%s/shard-%u.db", dir, i);
    *db = NULL;
    if (stat(path, &st) != 0)
        return 1;
    snprintf(uri, sizeof(uri), "file:%s?mode=ro", path);
    int rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
        sqlite3_close(*db);
        *db = NULL;
        return -EIO;
    }
    sqlite3_busy_timeout(*db, HC_SERVER_SQLITE_BUSY_MS);
    return 0;
}

static int query_error(struct store_sqlite *q, unsigned shard, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s/shard-%u.db: %s (is it an hcserver shard file?)", q->dir, shard,
             sqlite3_errmsg(q->db[shard]));
    return -EIO;
}

/* Runs the prepared st to its end, each row (STORE_COLS) to fn. */
static int run(struct store_sqlite *q, unsigned shard, sqlite3_stmt *st, store_row_fn fn, void *arg,
               char *err, size_t errlen)
{
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *sku = sqlite3_column_text(st, 2);
        struct hc_cachekey_order o = {
            .id = ((uint64_t)sqlite3_column_int64(st, 0) << STORE_SHARD_BITS) | shard,
            .user_id = (uint64_t)sqlite3_column_int64(st, 1),
            .sku = sku != NULL ? (const char *)sku : "",
            .qty = sqlite3_column_int64(st, 3),
            .amount_cents = sqlite3_column_int64(st, 4),
            .status = sqlite3_column_int(st, 5),
            .created_ms = sqlite3_column_int64(st, 6),
            .updated_ms = sqlite3_column_int64(st, 7),
            .ticket = (uint64_t)sqlite3_column_int64(st, 8),
        };
        fn(arg, &o);
    }
    int rc = step == SQLITE_DONE ? 0 : query_error(q, shard, err, errlen);
    sqlite3_finalize(st);
    return rc;
}

static int sq_recent(struct store_reader *r, unsigned shard, uint64_t limit, store_row_fn fn,
                     void *arg, char *err, size_t errlen)
{
    struct store_sqlite *q = (struct store_sqlite *)r;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(q->db[shard],
                           "SELECT " STORE_COLS " FROM orders ORDER BY created_ms DESC, seq DESC "
                           "LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK)
        return query_error(q, shard, err, errlen);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
    return run(q, shard, st, fn, arg, err, errlen);
}

static int sq_get(struct store_reader *r, unsigned shard, uint64_t seq, store_row_fn fn, void *arg,
                  char *err, size_t errlen)
{
    struct store_sqlite *q = (struct store_sqlite *)r;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(q->db[shard], "SELECT " STORE_COLS " FROM orders WHERE seq = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return query_error(q, shard, err, errlen);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    return run(q, shard, st, fn, arg, err, errlen);
}

static void sq_close(struct store_reader *r)
{
    struct store_sqlite *q = (struct store_sqlite *)r;
    for (unsigned i = 0; i < STORE_MAX_SHARDS; i++)
        sqlite3_close(q->db[i]);
    free(q);
}

int store_sqlite_open(const struct config *cfg, struct store_reader **out, char *err, size_t errlen)
{
    struct store_sqlite *q = hc_xcalloc(1, sizeof(*q));
    unsigned n = 0;

    *out = NULL;
    q->dir = cfg->store_dir;
    q->r.recent = sq_recent;
    q->r.get = sq_get;
    q->r.close = sq_close;
    while (n < STORE_MAX_SHARDS) {
        int rc = open_shard(cfg->store_dir, n, &q->db[n], err, errlen);
        if (rc < 0) {
            sq_close(&q->r);
            return rc;
        }
        if (rc == 1)
            break;
        n++;
    }
    if (n == 0) {
        snprintf(err, errlen, "--from-store: no shard files in %s (expected %s/shard-0.db)",
                 cfg->store_dir, cfg->store_dir);
        sq_close(&q->r);
        return -ENOENT;
    }
    q->r.shards = n;
    snprintf(q->r.id, sizeof(q->r.id), "store:sqlite:%.900s", cfg->store_dir);
    snprintf(q->r.name, sizeof(q->r.name), "%.200s", cfg->store_dir);
    *out = &q->r;
    return 0;
}
