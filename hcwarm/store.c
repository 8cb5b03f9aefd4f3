/*
 * store.c: the --from-store source: hcserver's SQLite shard files, read-only.
 *
 * This is a reader of hcserver's on-disk format (hcserver/store_sqlite.c): the orders table's
 * columns, and the order id, which is the row number shifted left by 8 bits with the shard
 * number below (hcserver/order.h, HCSERVER_SHARD_BITS). Each file is opened with mode=ro, so
 * a running hcserver is not disturbed and a stopped one's files are not changed.
 *
 * --order recent takes each shard's newest `limit` orders and merges them: the newest `limit`
 * over all shards by created_ms (then id). --order requested reads the ids of hcserver's
 * hot-key report, in its order, one lookup each.
 */
#include "store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hc/cachekey.h"
#include "hc/core.h"
#include "hc/limits.h"
#include "hotkeys.h"

/* hcserver's order id: row number << STORE_SHARD_BITS | shard (hcserver/order.h). */
#define STORE_SHARD_BITS 8
#define STORE_MAX_SHARDS (1u << STORE_SHARD_BITS)
#define STORE_COLS       "seq, user_id, sku, qty, amount_cents, status, created_ms, updated_ms, ticket"

/* One order read from a shard, with its JSON. */
struct store_row {
    uint64_t id;
    int64_t created_ms;
    char *json;
    size_t len;
};

static int store_open_shard(const char *dir, unsigned i, sqlite3 **db, char *err, size_t errlen)
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

/* Encodes the current row of stmt (STORE_COLS) of shard into *row. */
static int store_encode(sqlite3_stmt *stmt, unsigned shard, struct store_row *row)
{
    const unsigned char *sku = sqlite3_column_text(stmt, 2);
    struct hc_cachekey_order o = {
        .id = ((uint64_t)sqlite3_column_int64(stmt, 0) << STORE_SHARD_BITS) | shard,
        .user_id = (uint64_t)sqlite3_column_int64(stmt, 1),
        .sku = sku != NULL ? (const char *)sku : "",
        .qty = sqlite3_column_int64(stmt, 3),
        .amount_cents = sqlite3_column_int64(stmt, 4),
        .status = sqlite3_column_int(stmt, 5),
        .created_ms = sqlite3_column_int64(stmt, 6),
        .updated_ms = sqlite3_column_int64(stmt, 7),
        .ticket = (uint64_t)sqlite3_column_int64(stmt, 8),
    };
    char buf[HC_CACHEKEY_ORDER_JSON_MAX];
    int n = hc_cachekey_order_json(&o, buf, sizeof(buf));
    if (n < 0)
        return n;
    row->id = o.id;
    row->created_ms = o.created_ms;
    row->json = hc_xstrndup(buf, (size_t)n);
    row->len = (size_t)n;
    return 0;
}

/* Newest first; equal times by id, newest (largest) first. */
static int store_cmp_recent(const void *a, const void *b)
{
    const struct store_row *x = a, *y = b;
    if (x->created_ms != y->created_ms)
        return x->created_ms > y->created_ms ? -1 : 1;
    return x->id == y->id ? 0 : (x->id > y->id ? -1 : 1);
}

static void store_add_row(struct source *s, const struct store_row *r)
{
    char key[HC_CACHEKEY_MAX];
    int klen = hc_cachekey_order_key(r->id, key, sizeof(key));
    source_list_add(s, key, (size_t)klen, r->json, r->len);
}

static int store_query_error(sqlite3 *db, unsigned shard, const char *dir, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s/shard-%u.db: %s (is it an hcserver shard file?)", dir, shard,
             sqlite3_errmsg(db));
    return -EIO;
}

int store_open(const struct config *cfg, struct source **out, char *err, size_t errlen)
{
    sqlite3 *db[STORE_MAX_SHARDS] = {NULL};
    unsigned shards = 0;
    struct store_row *rows = NULL;
    size_t nrows = 0, cap = 0;
    uint64_t *ids = NULL;
    size_t nids = 0;
    struct source *s = NULL;
    int rc = 0;
    *out = NULL;
    while (shards < STORE_MAX_SHARDS) {
        rc = store_open_shard(cfg->store_dir, shards, &db[shards], err, errlen);
        if (rc < 0)
            goto out;
        if (rc == 1)
            break;
        shards++;
    }
    rc = 0;
    if (shards == 0) {
        snprintf(err, errlen, "--from-store: no shard files in %s (expected %s/shard-0.db)",
                 cfg->store_dir, cfg->store_dir);
        rc = -ENOENT;
        goto out;
    }
    char id[1200], name[300];
    snprintf(id, sizeof(id), "store:sqlite:%.900s order=%s limit=%llu", cfg->store_dir,
             options_orders[cfg->order], (unsigned long long)cfg->limit);
    snprintf(name, sizeof(name), "%.200s (%u shards, %s)", cfg->store_dir, shards,
             options_orders[cfg->order]);
    s = source_list_new(id, name);
    if (cfg->order == ORDER_RECENT) {
        for (unsigned i = 0; i < shards; i++) {
            sqlite3_stmt *st = NULL;
            if (sqlite3_prepare_v2(db[i],
                                   "SELECT " STORE_COLS " FROM orders ORDER BY created_ms DESC, "
                                   "seq DESC LIMIT ?",
                                   -1, &st, NULL) != SQLITE_OK) {
                rc = store_query_error(db[i], i, cfg->store_dir, err, errlen);
                goto out;
            }
            sqlite3_bind_int64(st, 1, (sqlite3_int64)cfg->limit);
            int step;
            while ((step = sqlite3_step(st)) == SQLITE_ROW) {
                if (nrows == cap) {
                    cap = cap ? cap * 2 : 1024;
                    rows = hc_xrealloc(rows, cap * sizeof(*rows));
                }
                if (store_encode(st, i, &rows[nrows]) == 0)
                    nrows++;
            }
            sqlite3_finalize(st);
            if (step != SQLITE_DONE) {
                rc = store_query_error(db[i], i, cfg->store_dir, err, errlen);
                goto out;
            }
        }
        qsort(rows, nrows, sizeof(*rows), store_cmp_recent);
        for (size_t i = 0; i < nrows && i < cfg->limit; i++)
            store_add_row(s, &rows[i]);
    } else {
        rc = hotkeys_fetch_ids(cfg, &ids, &nids, err, errlen);
        if (rc != 0)
            goto out;
        for (size_t k = 0; k < nids; k++) {
            unsigned shard = (unsigned)(ids[k] & (STORE_MAX_SHARDS - 1));
            char msg[200];
            int len;
            if (shard >= shards) {
                len = snprintf(msg, sizeof(msg), "order %llu: no shard %u in the store",
                               (unsigned long long)ids[k], shard);
                source_list_add(s, NULL, 0, msg, (size_t)len);
                continue;
            }
            sqlite3_stmt *st = NULL;
            if (sqlite3_prepare_v2(db[shard], "SELECT " STORE_COLS " FROM orders WHERE seq = ?", -1,
                                   &st, NULL) != SQLITE_OK) {
                rc = store_query_error(db[shard], shard, cfg->store_dir, err, errlen);
                goto out;
            }
            sqlite3_bind_int64(st, 1, (sqlite3_int64)(ids[k] >> STORE_SHARD_BITS));
            struct store_row row;
            if (sqlite3_step(st) == SQLITE_ROW && store_encode(st, shard, &row) == 0) {
                store_add_row(s, &row);
                free(row.json);
            } else {
                len = snprintf(msg, sizeof(msg), "order %llu is not in the store",
                               (unsigned long long)ids[k]);
                source_list_add(s, NULL, 0, msg, (size_t)len);
            }
            sqlite3_finalize(st);
        }
    }
    *out = s;
    s = NULL;
out:
    source_close(s);
    for (size_t i = 0; i < nrows; i++)
        free(rows[i].json);
    free(rows);
    free(ids);
    for (unsigned i = 0; i < STORE_MAX_SHARDS; i++)
        sqlite3_close(db[i]);
    return rc;
}
