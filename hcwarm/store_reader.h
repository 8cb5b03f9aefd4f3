/*
 * store_reader.h: one kind of hcserver store read by --from-store (store.c merges): the SQLite
 * shard files (store_sqlite.c) or MariaDB databases (store_mysql.c). Each reader hands out
 * orders as hc/cachekey.h's struct hc_cachekey_order, so both are encoded by the one function
 * hcserver caches with.
 */
#ifndef HCWARM_STORE_READER_H
#define HCWARM_STORE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/cachekey.h"
#include "options.h"

/* hcserver's order id: row number << STORE_SHARD_BITS | shard (hcserver/domain/order.h). */
#define STORE_SHARD_BITS 8
#define STORE_MAX_SHARDS (1u << STORE_SHARD_BITS)
/* The orders table's columns both stores have, in the order the readers select them. */
#define STORE_COLS "seq, user_id, sku, qty, amount_cents, status, created_ms, updated_ms, ticket"

/* Called for each order a query yields; o's strings last for the call only. */
typedef void (*store_row_fn)(void *arg, const struct hc_cachekey_order *o);

struct store_reader {
    unsigned shards; /* 1..STORE_MAX_SHARDS */
    char id[1200];   /* for the checkpoint: names the store, never a password */
    char name[300];  /* for people */
    /* shard's newest limit orders by (created_ms, seq), newest first: 0, or -EIO with err. */
    int (*recent)(struct store_reader *r, unsigned shard, uint64_t limit, store_row_fn fn,
                  void *arg, char *err, size_t errlen);
    /* the order of row seq on shard, to fn if there is one: 0, or -EIO with err. */
    int (*get)(struct store_reader *r, unsigned shard, uint64_t seq, store_row_fn fn, void *arg,
               char *err, size_t errlen);
    void (*close)(struct store_reader *r);
};

/* The readers: 0 with *out, or a negative code with the reason in err. */
int store_sqlite_open(const struct config *cfg, struct store_reader **out, char *err,
                      size_t errlen);
int store_mysql_open(const struct config *cfg, struct store_reader **out, char *err, size_t errlen);

#endif
