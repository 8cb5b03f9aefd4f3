/*
 * orders.h: the one owner of how orders are read and written through the caches and the
 * store. Every route, worker and admin job that reads or changes an order goes through here,
 * so the rules below hold everywhere:
 *
 * Reads go L1 -> L2 -> store. A miss is loaded once per key at a time (the L1's single
 * flight); what the store returns fills L2 and L1, and a "not found" is cached in L1 as a
 * negative entry, but only when it is final: a read that may have used a replica (the
 * configured read preference) and found nothing is confirmed on the primary first.
 *
 * Writes (creation, a status change by a client, confirmation, a flash-sale order) take the
 * order's lock, delete it from L1 and L2, submit the change to the store and, once the store
 * has committed it, take the lock again and put the order as stored into L1 and L2. The lock
 * is not held while the commit is awaited, because writes are group-committed and many of
 * them are in flight at once; the store runs a shard's done callbacks in commit order
 * (store.h), so the last fill of an order is its last committed state. A load that started
 * before a write and finishes after it fills neither level (L1 checks its generation, L2 the
 * lock stripe's write count).
 *
 * The sku index (store.h): a creation is answered once its order is committed and its entry in
 * the sku index (on the sku's shard) is too, so a listing by sku right after a 201 shows the
 * order; once every entry of the order's batch is durable, the batch's range row goes. When
 * the entry cannot be written then (that shard's breaker is open, its queue full, its commit
 * failed) the creation is answered all the same, the order being durable, the row stays, and
 * orders_index_sweep writes the entry later.
 *
 * Shard health has one rule (orders_shard_ok): a store answer that is an outcome (found, not
 * found, refused by the status machine, a duplicate, back pressure) is healthy, anything else
 * (an I/O error, a timeout, a lost connection) a failure; every store call made here reports
 * it to the shard's breaker, and no call is made while the breaker is open.
 *
 * Any thread, except where a function says it blocks.
 */
#ifndef HCSERVER_ORDERS_H
#define HCSERVER_ORDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/l2.h"
#include "backend/store.h"
#include "domain/breaker.h"
#include "domain/cache.h"
#include "domain/order.h"

struct orders_config {
    struct store *store;       /* where orders live */
    struct cache *l1;          /* the in-process cache */
    struct l2 *l2;             /* the second level (l2_none: none) */
    struct breaker *breakers;  /* one per shard of store */
    enum store_read read_pref; /* what reads of one order and of listings may use */
};

/* Where a read found its order. */
enum orders_source { ORDERS_L1, ORDERS_L2, ORDERS_STORE };

struct orders;

/* The module over cfg's parts (which it uses, not owns). Always 0. */
int orders_new(const struct orders_config *cfg, struct orders **out);

/* Frees the module. Accepts NULL. */
void orders_free(struct orders *o);

/* The store's shard count: ids whose shard is not below it name no order. */
unsigned orders_shards(const struct orders *o);

/* Whether a store result says the shard is healthy (the one rule fed to the breakers). */
bool orders_shard_ok(int rc);

/*
 * L1 only, never waits for I/O (the loop thread's cached path): 0 with *out, -ENOENT when
 * "not found" is cached, -EAGAIN on a miss.
 */
int orders_peek(struct orders *o, uint64_t id, struct order *out);

/*
 * Reads id through L1, L2 and the store (see above). 0 with *out and *source; -ENOENT (no
 * such order), -ENODEV (no such shard), -EHOSTUNREACH (the shard's breaker is open), -EIO.
 * Blocks on the store: a pool thread.
 */
int orders_get(struct orders *o, uint64_t id, struct order *out, enum orders_source *source);

/*
 * Up to cap orders of user, newest first, with id < before (0: no bound), into out; *n gets
 * how many. 0, -EHOSTUNREACH or -EIO. Blocks: a pool thread.
 */
int orders_list(struct orders *o, uint64_t user, uint64_t before, struct order *out, size_t cap,
                size_t *n);

/* Up to cap ids on shard PENDING since before older_than_ms (from the primary). 0,
 * -EHOSTUNREACH (the breaker is not closed: a background scan never probes a failing shard)
 * or -EIO. Blocks. */
int orders_list_pending(struct orders *o, unsigned shard, int64_t older_than_ms, uint64_t *ids,
                        size_t cap, size_t *n);

/*
 * Up to cap of sku's orders, newest first, after the order before (0: from the newest), into
 * out; *n gets how many and *next the cursor of the next page (0 when this was the last).
 * One index read on the sku's shard, then each order through L1, L2 and the store. 0,
 * -EHOSTUNREACH (a breaker of a shard involved is open) or -EIO. Blocks: a pool thread.
 */
int orders_list_sku(struct orders *o, const char *sku, uint64_t before, struct order *out,
                    size_t cap, size_t *n, uint64_t *next);

/*
 * Writes again the sku index entries of up to cap orders of shard's range rows recorded
 * before older_than_ms (left by a crash, or an entry that failed), and removes each row once
 * its entries are durable; *n gets how many orders it found. Writes are asynchronous; a
 * repeat is harmless.
 * 0, -EHOSTUNREACH (the breaker is not closed) or -EIO. Blocks on the read.
 */
int orders_index_sweep(struct orders *o, unsigned shard, int64_t older_than_ms, size_t cap,
                       size_t *n);

struct orders_write;
typedef void (*orders_done_cb)(struct orders_write *w);

/* A write in flight: the caller's memory from orders_create/orders_set_status until done. */
struct orders_write {
    struct store_op op;  /* the store's op: its result and the order as stored come back here */
    struct store_op idx; /* private: a creation's sku index entry */
    orders_done_cb done; /* once, on a store thread, after the caches hold the result */
    void *arg;           /* the caller's */
    struct orders *o;    /* private */
};

/*
 * Creates the order in w->op.order (user_id, sku, qty, amount_cents, ticket) with the key in
 * w->op.idem_key ("" for none). 0: w->done runs once it is committed, with w->op.result 0
 * (w->op.order is the new order), -EEXIST (the key or ticket was used: the existing order) or
 * -EIO. Otherwise done never runs: -EHOSTUNREACH (breaker open), -EAGAIN (the shard's queue is
 * full), -ESHUTDOWN.
 */
int orders_create(struct orders *o, struct orders_write *w);

/*
 * Moves order id to status if the status machine allows. 0: w->done runs after the commit,
 * with w->op.result 0 (w->op.order as it is now), -EPERM (refused; the order as it is),
 * -ENOENT or -EIO. Otherwise done never runs: -ENODEV (no such shard), -EHOSTUNREACH,
 * -EAGAIN, -ESHUTDOWN.
 */
int orders_set_status(struct orders *o, struct orders_write *w, uint64_t id, int status);

#endif
