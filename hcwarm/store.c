/*
 * store.c: the --from-store source: orders read from hcserver's store, read-only, whichever
 * kind it is (store_reader.h: SQLite shard files or MariaDB databases).
 *
 * --order recent takes each shard's newest `limit` orders and merges them: the newest `limit`
 * over all shards by created_ms (then id). --order requested reads the ids of hcserver's
 * hot-key report, in its order, one lookup each. Every order is encoded by
 * hc_cachekey_order_json, the function hcserver caches with, under hc:order:ID.
 */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/cachekey.h"
#include "hc/core.h"
#include "hotkeys.h"
#include "store_reader.h"

/* One order read from a shard, with its JSON. */
struct store_row {
    uint64_t id;
    int64_t created_ms;
    char *json;
    size_t len;
};

/* What the readers' rows are collected into. */
struct store_rows {
    struct store_row *row;
    size_t n, cap;
};

static void store_collect(void *arg, const struct hc_cachekey_order *o)
{
    struct store_rows *rs = arg;
    char buf[HC_CACHEKEY_ORDER_JSON_MAX];
    int n = hc_cachekey_order_json(o, buf, sizeof(buf));
    if (n < 0)
        return;
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 1024;
        rs->row = hc_xrealloc(rs->row, rs->cap * sizeof(*rs->row));
    }
    rs->row[rs->n++] = (struct store_row){.id = o->id,
                                          .created_ms = o->created_ms,
                                          .json = hc_xstrndup(buf, (size_t)n),
                                          .len = (size_t)n};
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

static void store_rows_clear(struct store_rows *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        free(rs->row[i].json);
    rs->n = 0;
}

int store_open(const struct config *cfg, struct source **out, char *err, size_t errlen)
{
    struct store_reader *r = NULL;
    struct store_rows rows = {0};
    uint64_t *ids = NULL;
    size_t nids = 0;
    struct source *s = NULL;
    int rc;

    *out = NULL;
    rc = cfg->store_kind == STORE_MYSQL ? store_mysql_open(cfg, &r, err, errlen)
                                        : store_sqlite_open(cfg, &r, err, errlen);
    if (rc < 0)
        return rc;
    char id[1400], name[400];
    snprintf(id, sizeof(id), "%s order=%s limit=%llu", r->id, options_orders[cfg->order],
             (unsigned long long)cfg->limit);
    snprintf(name, sizeof(name), "%s (%u shards, %s)", r->name, r->shards,
             options_orders[cfg->order]);
    s = source_list_new(id, name);
    if (cfg->order == ORDER_RECENT) {
        for (unsigned i = 0; i < r->shards; i++) {
            rc = r->recent(r, i, cfg->limit, store_collect, &rows, err, errlen);
            if (rc < 0)
                goto out;
        }
        qsort(rows.row, rows.n, sizeof(*rows.row), store_cmp_recent);
        for (size_t i = 0; i < rows.n && i < cfg->limit; i++)
            store_add_row(s, &rows.row[i]);
    } else {
        rc = hotkeys_fetch_ids(cfg, &ids, &nids, err, errlen);
        if (rc != 0)
            goto out;
        for (size_t k = 0; k < nids; k++) {
            unsigned shard = (unsigned)(ids[k] & (STORE_MAX_SHARDS - 1));
            char msg[200];
            int len;
            if (shard >= r->shards) {
                len = snprintf(msg, sizeof(msg), "order %llu: no shard %u in the store",
                               (unsigned long long)ids[k], shard);
                source_list_add(s, NULL, 0, msg, (size_t)len);
                continue;
            }
            rc = r->get(r, shard, ids[k] >> STORE_SHARD_BITS, store_collect, &rows, err, errlen);
            if (rc < 0)
                goto out;
            if (rows.n == 1 && rows.row[0].id == ids[k]) {
                store_add_row(s, &rows.row[0]);
            } else {
                len = snprintf(msg, sizeof(msg), "order %llu is not in the store",
                               (unsigned long long)ids[k]);
                source_list_add(s, NULL, 0, msg, (size_t)len);
            }
            store_rows_clear(&rows);
        }
    }
    *out = s;
    s = NULL;
    rc = 0;
out:
    source_close(s);
    store_rows_clear(&rows);
    free(rows.row);
    free(ids);
    r->close(r);
    return rc;
}
