/*
 * store.h: where orders live, as an interface so backends slot in (SQLite shards now, MariaDB
 * later): a struct of function pointers and a few inline wrappers.
 *
 * Writes are asynchronous and group-committed: the caller fills a struct store_op, submits it,
 * and its done callback runs (on a store thread) once the op is committed or has failed. A
 * backend may commit many ops in one transaction; it calls no done callback before the
 * transaction holding that op is durable. Reads are synchronous and may be made from any
 * thread (a backend keeps a connection per thread).
 *
 * Order: the done callbacks of one shard run one at a time, in commit order, so whoever
 * updates a cache from them (orders.c) sees a shard's writes in the order they took effect.
 *
 * Ownership: the op belongs to the caller; the store holds it from submit until done runs and
 * must not touch it afterwards.
 *
 * The sku index. Orders are placed by user; a listing by sku reads the index on the sku's own
 * shard (store_shard_of_sku) instead of every shard. A batch that creates orders also records,
 * in the same transaction, the range of their ids as a row of its shard (struct store_range);
 * orders.c then writes each order's index entry (STORE_SKU_INDEX, through the sku shard's
 * committer) and, once every entry of the range is durable, deletes the row (STORE_SKU_RANGE).
 * A row left by a crash or a failed entry is found by list_ranges, and its orders are indexed
 * again, which repeats nothing: so every committed order reaches the index, at the cost of two
 * small rows per batch rather than a write per order.
 *
 * Reads take a read preference. A backend with replicas may answer STORE_READ_ANY from one
 * that lags the primary: such a read may miss a recent write, so its "not found" is not final
 * (orders.c confirms it on the primary before caching it). A backend without replicas
 * (SQLite) answers every read from its only copy.
 */
#ifndef HCSERVER_STORE_H
#define HCSERVER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/order.h"
#include "hc/core.h"

/* The longest Idempotency-Key kept with an order (bytes, without the NUL). */
#define HCSERVER_IDEM_KEY_MAX 127

enum store_op_kind {
    STORE_CREATE,     /* insert op->order (status PENDING); out: id, times, range */
    STORE_SET_STATUS, /* move op->id to op->new_status if the status machine allows it */
    STORE_SKU_INDEX,  /* on the sku's shard: note op->order (id, sku, created_ms) in the sku
                         index; a repeat is no change. Result 0 or -EIO */
    STORE_SKU_RANGE,  /* on the shard of order op->order.id: range row op->id has every order
                         in the index (op->upto 0: delete the row) or those before order
                         op->upto (move the row's first order to it). 0 or -EIO */
};

/*
 * The creations of one batch on one shard, as the store committed them: their ids run from
 * first to last (in a cluster other instances' orders may lie between; indexing those too is
 * harmless), and the transaction recorded the range as row `row` of the shard's sku ranges.
 * The store allocates one per batch that created an order and sets it in each such op; from
 * done on it is the caller's, who keeps `left` (orders.c) and frees it.
 */
struct store_range {
    uint64_t row;         /* in the shard's range table */
    uint64_t first, last; /* order ids */
    int left;             /* the caller's: references not yet released */
    bool failed;          /* the caller's: an entry of the range was not written */
    uint64_t upto;        /* the caller's: done up to this order (0: all of it) */
};

/* A range row as a listing returns it. */
struct store_range_row {
    uint64_t row;
    uint64_t first, last; /* order ids */
};

/* Which copy of the data a read may use. */
enum store_read {
    STORE_READ_PRIMARY, /* the copy writes go to: sees every committed write */
    STORE_READ_ANY,     /* any copy, a replica included: may lag */
};

struct store_op;
typedef void (*store_done_cb)(struct store_op *op);

struct store_op {
    enum store_op_kind kind;   /* what to do */
    struct order order;        /* CREATE: in; both: the order as stored after */
    uint64_t id;               /* SET_STATUS: the order */
    int new_status;            /* SET_STATUS: the status wanted */
    struct store_range *range; /* CREATE, result 0: out, its batch's range (see above) */
    uint64_t upto;             /* SKU_RANGE: see the kind */
    char idem_key[HCSERVER_IDEM_KEY_MAX + 1]; /* CREATE: "" or the client's key */
    int result;          /* 0; -EEXIST: CREATE found the same key/ticket (order = the existing one);
                            -ENOENT: no such order; -EPERM: transition refused (order = current);
                            -EIO: the transaction failed */
    store_done_cb done;  /* called once, on a store thread, after commit or failure */
    void *arg;           /* for the caller */
    int64_t enqueued_ns; /* private: when submitted */
    struct store_op *next; /* private: the backend's queue */
};

struct store;

struct store_ops {
    const char *name; /* "sqlite" */
    /* Queues op. 0, -EAGAIN when the shard's queue is full, -ESHUTDOWN when closing, -ENODEV
     * when the shard does not exist, -EIO when the shard is known to be failing; done runs
     * only after 0. */
    int (*submit)(struct store *s, struct store_op *op);
    /* Reads order id from a copy pref allows. 0, -ENOENT, -ENODEV (no such shard), -EIO. */
    int (*get)(struct store *s, uint64_t id, enum store_read pref, struct order *out);
    /* Up to cap orders of user, newest first, with id < before (0: no bound); *n gets how
     * many. 0 or -EIO. */
    int (*list_user)(struct store *s, uint64_t user, uint64_t before, enum store_read pref,
                     struct order *out, size_t cap, size_t *n);
    /* Up to cap ids of sku's orders from the sku index (on store_shard_of_sku), newest first
     * (by creation time, then id), after order before in that order (0: from the newest; an
     * id the index does not hold: none). *n gets how many. 0 or -EIO. */
    int (*list_sku)(struct store *s, const char *sku, uint64_t before, enum store_read pref,
                    uint64_t *ids, size_t cap, size_t *n);
    /* Up to cap range rows on shard recorded before older_than_ms and not yet done
     * (STORE_SKU_RANGE): orders the sku index may still lack. 0 or -EIO. */
    int (*list_ranges)(struct store *s, unsigned shard, int64_t older_than_ms, enum store_read pref,
                       struct store_range_row *out, size_t cap, size_t *n);
    /* Up to cap orders of shard with ids from first to last, in id order. 0 or -EIO. */
    int (*list_ids)(struct store *s, unsigned shard, uint64_t first, uint64_t last,
                    enum store_read pref, struct order *out, size_t cap, size_t *n);
    /* Up to cap ids on shard still PENDING and last changed before older_than_ms. 0 or -EIO. */
    int (*list_pending)(struct store *s, unsigned shard, int64_t older_than_ms,
                        enum store_read pref, uint64_t *ids, size_t cap, size_t *n);
    /* Ops waiting in shard's write queue. */
    size_t (*queue_depth)(struct store *s, unsigned shard);
    /* Commits what is queued, stops the store's threads, closes every connection. */
    void (*close)(struct store *s);
};

struct store {
    const struct store_ops *ops; /* the backend */
    unsigned shards;             /* orders are placed on user_id % shards */
    bool replicas;               /* STORE_READ_ANY may read a lagging copy */
};

/* The shard that holds user's orders. */
static inline unsigned store_shard_of_user(const struct store *s, uint64_t user)
{
    return (unsigned)(user % s->shards);
}

/* The shard whose sku index holds sku's orders: FNV-1a of its bytes, modulo the shards. */
static inline unsigned store_shard_of_sku(const struct store *s, const char *sku)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (const unsigned char *p = (const unsigned char *)sku; *p != '\0'; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    return (unsigned)(h % s->shards);
}

/* The shard an op writes to (CREATE: its user's; SET_STATUS: its id's; SKU_INDEX: its sku's;
 * SKU_RANGE: its order's). */
static inline unsigned store_shard_of_op(const struct store *s, const struct store_op *op)
{
    switch (op->kind) {
    case STORE_CREATE:
        return store_shard_of_user(s, op->order.user_id);
    case STORE_SET_STATUS:
        return order_id_shard(op->id);
    case STORE_SKU_INDEX:
        return store_shard_of_sku(s, op->order.sku);
    default:
        return order_id_shard(op->order.id);
    }
}

/* For a backend: op was created in the open batch, whose range (*cur, allocated at the
 * batch's first creation) now takes it in. */
static inline void store_range_note(struct store_range **cur, struct store_op *op)
{
    struct store_range *r = *cur;

    if (r == NULL) {
        r = *cur = (struct store_range *)hc_xcalloc(1, sizeof(*r));
        r->first = r->last = op->order.id;
    }
    if (op->order.id < r->first)
        r->first = op->order.id;
    if (op->order.id > r->last)
        r->last = op->order.id;
    r->left++;
    op->range = r;
}

/* s->ops->submit(s, op). */
static inline int store_submit(struct store *s, struct store_op *op)
{
    return s->ops->submit(s, op);
}

/* s->ops->get(s, id, pref, out). */
static inline int store_get(struct store *s, uint64_t id, enum store_read pref, struct order *out)
{
    return s->ops->get(s, id, pref, out);
}

/* Commits what is queued and closes s. Accepts NULL. */
static inline void store_close(struct store *s)
{
    if (s != NULL)
        s->ops->close(s);
}

#endif
