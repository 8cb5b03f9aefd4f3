/*
 * store_mysql.c: --from-store mysql://USER@HOST[:PORT]/DB,...: hcserver's MariaDB store, one
 * URL per shard in shard order (as hcserver's --shard-primary 0=..., 1=...).
 *
 * A replica's URL serves as well as the primary's and keeps the warm-up's reads off the server
 * that takes the writes. Each shard's database is checked first: an hc_schema table of a
 * version this reader knows (1 or 2: the orders table is the same in both), else a clear
 * error. The queries are plain SELECTs with only numbers put into them; the rows' columns are
 * those of hcserver/backend/store_mysql.c.
 */
#include <errno.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "hc/mysql.h"
#include "store_reader.h"

/* The newest hc_schema version whose orders table this reader knows. */
#define STORE_MYSQL_SCHEMA 2

struct store_mysql {
    struct store_reader r;
    const struct hc_mysql_url *url; /* cfg->store_mysql */
    MYSQL *db[STORE_MAX_SHARDS];
};

static int shard_error(struct store_mysql *q, unsigned shard, const char *what, char *err,
                       size_t errlen)
{
    const struct hc_mysql_url *u = &q->url[shard];
    snprintf(err, errlen, "--from-store: shard %u: mysql://%s@%s:%u/%s: %s%s", shard, u->user,
             u->host, u->port, u->db, what, q->db[shard] != NULL ? mysql_error(q->db[shard]) : "");
    return -EIO;
}

static uint64_t col_u64(const char *s)
{
    return s != NULL ? strtoull(s, NULL, 10) : 0;
}

static int64_t col_i64(const char *s)
{
    return s != NULL ? strtoll(s, NULL, 10) : 0;
}

/* Runs sql on shard, each row (STORE_COLS) to fn. */
static int run(struct store_mysql *q, unsigned shard, const char *sql, store_row_fn fn, void *arg,
               char *err, size_t errlen)
{
    MYSQL *m = q->db[shard];
    if (mysql_real_query(m, sql, strlen(sql)) != 0)
        return shard_error(q, shard, "", err, errlen);
    MYSQL_RES *res = mysql_use_result(m);
    if (res == NULL)
        return shard_error(q, shard, "", err, errlen);
    if (mysql_num_fields(res) != 9) {
        mysql_free_result(res);
        return shard_error(q, shard, "the orders table has other columns", err, errlen);
    }
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(res)) != NULL) {
        unsigned long *len = mysql_fetch_lengths(res);
        char sku[HC_SERVER_SKU_MAX + 1];
        size_t n = row[2] != NULL ? len[2] : 0;
        if (n > HC_SERVER_SKU_MAX || (n > 0 && memchr(row[2], '\0', n) != NULL))
            continue; /* hcserver refuses such skus: not an order it would cache */
        if (n > 0)
            memcpy(sku, row[2], n);
        sku[n] = '\0';
        struct hc_cachekey_order o = {
            .id = (col_u64(row[0]) << STORE_SHARD_BITS) | shard,
            .user_id = col_u64(row[1]),
            .sku = sku,
            .qty = col_i64(row[3]),
            .amount_cents = col_i64(row[4]),
            .status = (int)col_i64(row[5]),
            .created_ms = col_i64(row[6]),
            .updated_ms = col_i64(row[7]),
            .ticket = col_u64(row[8]),
        };
        fn(arg, &o);
    }
    /* A fetch that ended on an error (the server went away mid-way) is not the end. */
    int rc = mysql_errno(m) != 0 ? shard_error(q, shard, "", err, errlen) : 0;
    mysql_free_result(res);
    return rc;
}

static int my_recent(struct store_reader *r, unsigned shard, uint64_t limit, store_row_fn fn,
                     void *arg, char *err, size_t errlen)
{
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT " STORE_COLS " FROM orders ORDER BY created_ms DESC, seq DESC LIMIT %llu",
             (unsigned long long)limit);
    return run((struct store_mysql *)r, shard, sql, fn, arg, err, errlen);
}

static int my_get(struct store_reader *r, unsigned shard, uint64_t seq, store_row_fn fn, void *arg,
                  char *err, size_t errlen)
{
    char sql[200];
    snprintf(sql, sizeof(sql), "SELECT " STORE_COLS " FROM orders WHERE seq = %llu",
             (unsigned long long)seq);
    return run((struct store_mysql *)r, shard, sql, fn, arg, err, errlen);
}

static void my_close(struct store_reader *r)
{
    struct store_mysql *q = (struct store_mysql *)r;
    for (unsigned i = 0; i < STORE_MAX_SHARDS; i++) {
        if (q->db[i] != NULL)
            mysql_close(q->db[i]);
    }
    free(q);
}

/* Connects to shard i and checks that it holds an hcserver database this reader knows. */
static int open_shard(struct store_mysql *q, unsigned i, int64_t timeout_ns, char *err,
                      size_t errlen)
{
    const struct hc_mysql_url *u = &q->url[i];
    char why[600];
    MYSQL *m = hc_mysql_connect(u, u->db, timeout_ns, why, sizeof(why));

    if (m == NULL) {
        snprintf(err, errlen, "--from-store: shard %u: %s", i, why);
        return -EIO;
    }
    q->db[i] = m;
    if (mysql_query(m, "SELECT MAX(version) FROM hc_schema") != 0)
        return shard_error(q, i, "not an hcserver database: ", err, errlen);
    MYSQL_RES *res = mysql_store_result(m);
    MYSQL_ROW row = res != NULL ? mysql_fetch_row(res) : NULL;
    long version = row != NULL && row[0] != NULL ? strtol(row[0], NULL, 10) : 0;
    mysql_free_result(res);
    if (version < 1 || version > STORE_MYSQL_SCHEMA) {
        char what[120];
        snprintf(what, sizeof(what), "schema version %ld, this hcwarm reads 1 to %d", version,
                 STORE_MYSQL_SCHEMA);
        snprintf(err, errlen, "--from-store: shard %u: mysql://%s@%s:%u/%s: %s", i, u->user,
                 u->host, u->port, u->db, what);
        return -EIO;
    }
    return 0;
}

int store_mysql_open(const struct config *cfg, struct store_reader **out, char *err, size_t errlen)
{
    struct store_mysql *q = hc_xcalloc(1, sizeof(*q));
    size_t at;

    *out = NULL;
    q->url = cfg->store_mysql;
    q->r.shards = cfg->store_shards;
    q->r.recent = my_recent;
    q->r.get = my_get;
    q->r.close = my_close;
    for (unsigned i = 0; i < q->r.shards; i++) {
        int rc = open_shard(q, i, cfg->timeout_ns, err, errlen);
        if (rc < 0) {
            my_close(&q->r);
            return rc;
        }
    }
    at = (size_t)snprintf(q->r.id, sizeof(q->r.id), "store:mysql:");
    for (unsigned i = 0; i < q->r.shards && at < sizeof(q->r.id); i++) {
        const struct hc_mysql_url *u = &q->url[i];
        at += (size_t)snprintf(q->r.id + at, sizeof(q->r.id) - at, "%s%s@%s:%u/%s",
                               i > 0 ? "," : "", u->user, u->host, u->port, u->db);
    }
    snprintf(q->r.name, sizeof(q->r.name), "mysql://%.80s@%.100s:%u/%.64s%s", q->url[0].user,
             q->url[0].host, q->url[0].port, q->url[0].db, q->r.shards > 1 ? ", ..." : "");
    *out = &q->r;
    return 0;
}
