/*
 * orders.c: reads and writes of orders through L1, L2 and the store (the rules are in
 * orders.h).
 *
 * Locks. An order's lock is one of ORDERS_LOCKS striped mutexes, chosen by a multiplicative
 * hash of its id, each with a count of the writes that went through it. A write bumps the
 * count when it deletes the order from the caches and again when it fills them; a load notes
 * the count before it reads and fills L2 only if the count has not moved, under the same
 * lock. That keeps a slow load from putting an order's older state into L2 after a write
 * filled it with the newer one (L1 has its own generation check, cache.h). Striping shares a
 * count between unrelated orders, which only costs such a load its L2 fill.
 *
 * The cached path (orders_peek) is L1 alone: no lock of this module, no L2, no store.
 */
#include "domain/orders.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"
#include "hc/limits.h"

#define ORDERS_LOCKS 1024

struct stripe {
    pthread_mutex_t mu; /* the lock of every order that hashes here; guards writes */
    uint64_t writes;    /* cache deletions and fills by writers */
} __attribute__((aligned(64)));

struct orders {
    struct orders_config cfg;
    struct stripe locks[ORDERS_LOCKS];
};

/* What a miss loads through (cache_load's callback). */
struct load {
    struct orders *o;
    enum orders_source source; /* where the value came from */
};

int orders_new(const struct orders_config *cfg, struct orders **out)
{
    struct orders *o = hc_xcalloc(1, sizeof(*o));

    o->cfg = *cfg;
    for (int i = 0; i < ORDERS_LOCKS; i++)
        pthread_mutex_init(&o->locks[i].mu, NULL);
    *out = o;
    return 0;
}

void orders_free(struct orders *o)
{
    if (o == NULL)
        return;
    for (int i = 0; i < ORDERS_LOCKS; i++)
        pthread_mutex_destroy(&o->locks[i].mu);
    free(o);
}

unsigned orders_shards(const struct orders *o)
{
    return o->cfg.store->shards;
}

bool orders_shard_ok(int rc)
{
    switch (rc) {
    case 0:
    case -ENOENT:    /* an answer: no such order */
    case -ENODEV:    /* no such shard: nothing was asked of one */
    case -EEXIST:    /* a duplicate key or ticket, found */
    case -EPERM:     /* the status machine refused */
    case -EAGAIN:    /* back pressure: the shard's queue is full, not failing */
    case -ESHUTDOWN: /* closing */
        return true;
    default:
        return false; /* -EIO, timeouts, lost connections */
    }
}

static struct stripe *stripe_of(struct orders *o, uint64_t id)
{
    return &o->locks[(id * 0x9E3779B97F4A7C15ULL) >> 54];
}

/* Deletes id from both levels under its lock: the first step of every write. */
static void invalidate(struct orders *o, uint64_t id)
{
    struct stripe *s = stripe_of(o, id);

    pthread_mutex_lock(&s->mu);
    s->writes++;
    cache_delete(o->cfg.l1, id);
    o->cfg.l2->ops->del(o->cfg.l2, id);
    pthread_mutex_unlock(&s->mu);
}

/* Puts the order as the store now holds it into both levels: the last step of every write. */
static void fill(struct orders *o, const struct order *ord)
{
    struct stripe *s = stripe_of(o, ord->id);

    pthread_mutex_lock(&s->mu);
    s->writes++;
    cache_put(o->cfg.l1, ord);
    o->cfg.l2->ops->set(o->cfg.l2, ord);
    pthread_mutex_unlock(&s->mu);
}

/* Reads id from the store through its shard's breaker. */
static int store_read(struct orders *o, uint64_t id, enum store_read pref, struct order *out)
{
    unsigned shard = order_id_shard(id);
    int rc;

    if (!breaker_allow(o->cfg.breakers, shard))
        return -EHOSTUNREACH;
    rc = store_get(o->cfg.store, id, pref, out);
    breaker_report(o->cfg.breakers, shard, orders_shard_ok(rc));
    return rc;
}

static int load_through(void *arg, uint64_t id, struct order *out)
{
    struct load *ld = arg;
    struct orders *o = ld->o;
    struct l2 *l2 = o->cfg.l2;
    struct stripe *s = stripe_of(o, id);
    uint64_t writes;
    int rc, l2rc;

    /* A failing L2 is only a miss: the store answers, and nothing is filled into it. */
    l2rc = l2->ops->get(l2, id, out);
    if (l2rc == 0 || l2rc == -ENODATA) {
        ld->source = ORDERS_L2;
        return l2rc == 0 ? 0 : -ENOENT;
    }
    pthread_mutex_lock(&s->mu);
    writes = s->writes;
    pthread_mutex_unlock(&s->mu);
    ld->source = ORDERS_STORE;
    rc = store_read(o, id, o->cfg.read_pref, out);
    /* A replica's "not found" may be a write it has not seen: only the primary's is final,
     * and only a final one may become a negative cache entry. */
    if (rc == -ENOENT && o->cfg.read_pref != STORE_READ_PRIMARY && o->cfg.store->replicas)
        rc = store_read(o, id, STORE_READ_PRIMARY, out);
    if ((rc == 0 || rc == -ENOENT) && l2rc == -ENOENT) {
        /* A write since the read began may have filled L2 with a newer state already, or be
         * about to: then this load leaves L2 alone (its load lock lapses by its lease). */
        pthread_mutex_lock(&s->mu);
        if (s->writes == writes)
            l2->ops->fill(l2, id, rc == 0 ? out : NULL);
        pthread_mutex_unlock(&s->mu);
    }
    return rc;
}

int orders_peek(struct orders *o, uint64_t id, struct order *out)
{
    return cache_get(o->cfg.l1, id, out);
}

int orders_get(struct orders *o, uint64_t id, struct order *out, enum orders_source *source)
{
    struct load ld = {o, ORDERS_L1};
    int rc = cache_load(o->cfg.l1, id, load_through, &ld, out);

    *source = ld.source;
    return rc;
}

int orders_list(struct orders *o, uint64_t user, uint64_t before, struct order *out, size_t cap,
                size_t *n)
{
    struct store *st = o->cfg.store;
    unsigned shard = store_shard_of_user(st, user);
    int rc;

    *n = 0;
    if (!breaker_allow(o->cfg.breakers, shard))
        return -EHOSTUNREACH;
    rc = st->ops->list_user(st, user, before, o->cfg.read_pref, out, cap, n);
    breaker_report(o->cfg.breakers, shard, orders_shard_ok(rc));
    return rc;
}

int orders_list_pending(struct orders *o, unsigned shard, int64_t older_than_ms, uint64_t *ids,
                        size_t cap, size_t *n)
{
    struct store *st = o->cfg.store;
    int rc;

    *n = 0;
    /* Background work: it runs only while the breaker is closed and never takes the one trial
     * a half-open breaker lets through (that belongs to a client's request). */
    if (breaker_state(o->cfg.breakers, shard) != BREAKER_CLOSED)
        return -EHOSTUNREACH;
    rc = st->ops->list_pending(st, shard, older_than_ms, STORE_READ_PRIMARY, ids, cap, n);
    breaker_report(o->cfg.breakers, shard, orders_shard_ok(rc));
    return rc;
}

/* ---- the sku index -------------------------------------------------------------------
 *
 * Ranges (store.h): each creation holds a reference to its batch's range until its entry is
 * durable or has failed; the last reference either sends the range row to be deleted (every
 * entry written) or, after a failure, only frees it, and the row waits for the sweep. The
 * sweep holds a range of its own for each row it works on: its reference, and one per entry. */

/* An index entry or a range row's removal in the background: memory of its own. */
struct index_job {
    struct store_op op;
    struct orders *o;
    struct store_range *range; /* SKU_INDEX: the range it holds a reference to */
};

/*
 * Submits op (kind and order with id, sku and created_ms already set) to its shard with
 * done, through the shard's breaker: a client's write may take a half-open breaker's trial
 * (trial), background work only runs while it is closed. 0, or why it was not submitted.
 */
static int submit_index(struct orders *o, struct store_op *op, store_done_cb done, void *arg,
                        bool trial)
{
    unsigned shard = store_shard_of_op(o->cfg.store, op);
    int rc;

    if (trial ? !breaker_allow(o->cfg.breakers, shard)
              : breaker_state(o->cfg.breakers, shard) != BREAKER_CLOSED)
        return -EHOSTUNREACH;
    op->done = done;
    op->arg = arg;
    rc = store_submit(o->cfg.store, op);
    if (rc < 0 && trial)
        breaker_report(o->cfg.breakers, shard, orders_shard_ok(rc));
    return rc;
}

static void range_put(struct orders *o, struct store_range *r, bool ok);

static void job_done(struct store_op *op)
{
    struct index_job *j = op->arg;

    breaker_report(j->o->cfg.breakers, store_shard_of_op(j->o->cfg.store, op),
                   orders_shard_ok(op->result));
    if (op->kind == STORE_SKU_INDEX)
        range_put(j->o, j->range, op->result == 0);
    else
        free(j->range); /* the range row's removal: the range is over either way */
    free(j);
}

/* Drops one reference to r (NULL: none); ok when the entry it stood for is durable. */
static void range_put(struct orders *o, struct store_range *r, bool ok)
{
    struct index_job *j;

    if (r == NULL)
        return;
    if (!ok)
        __atomic_store_n(&r->failed, true, __ATOMIC_RELAXED);
    if (__atomic_sub_fetch(&r->left, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    if (__atomic_load_n(&r->failed, __ATOMIC_RELAXED)) {
        free(r); /* its row stays: the sweep writes the entries again */
        return;
    }
    j = hc_xcalloc(1, sizeof(*j));
    j->o = o;
    j->range = r;
    j->op.kind = STORE_SKU_RANGE;
    j->op.id = r->row;
    j->op.order.id = r->first; /* its shard's */
    j->op.upto = r->upto;
    if (submit_index(o, &j->op, job_done, j, false) < 0) {
        free(r); /* the row stays: the sweep finds nothing left to do in it, and removes it */
        free(j);
    }
}

/* Copies what an index entry holds of ord into op. */
static void index_op(struct store_op *op, const struct order *ord)
{
    memset(op, 0, sizeof(*op));
    op->kind = STORE_SKU_INDEX;
    op->order.id = ord->id;
    memcpy(op->order.sku, ord->sku, sizeof(op->order.sku));
    op->order.created_ms = ord->created_ms;
}

/* Works on range row rr of shard: indexes up to cap of its orders again. 0 or -EIO. */
static int sweep_range(struct orders *o, unsigned shard, const struct store_range_row *rr,
                       struct order *found, size_t cap, size_t *n)
{
    struct store *st = o->cfg.store;
    struct store_range *r;
    int rc = st->ops->list_ids(st, shard, rr->first, rr->last, STORE_READ_PRIMARY, found, cap, n);

    breaker_report(o->cfg.breakers, shard, orders_shard_ok(rc));
    if (rc < 0)
        return rc;
    r = hc_xcalloc(1, sizeof(*r));
    r->row = rr->row;
    r->first = rr->first;
    r->last = rr->last;
    /* A full page leaves the rest of the row for the next run. */
    r->upto = *n == cap ? order_make_id(order_id_seq(found[*n - 1].id) + 1, shard) : 0;
    r->left = 1;
    for (size_t i = 0; i < *n; i++) {
        struct index_job *j = hc_xcalloc(1, sizeof(*j));
        j->o = o;
        j->range = r;
        index_op(&j->op, &found[i]);
        __atomic_add_fetch(&r->left, 1, __ATOMIC_ACQ_REL);
        if (submit_index(o, &j->op, job_done, j, false) < 0) {
            free(j);
            range_put(o, r, false);
        }
    }
    range_put(o, r, true);
    return 0;
}

int orders_index_sweep(struct orders *o, unsigned shard, int64_t older_than_ms, size_t cap,
                       size_t *n)
{
    struct store *st = o->cfg.store;
    struct store_range_row rows[HC_SERVER_INDEX_SWEEP_RANGES];
    struct order *found;
    size_t nrows = 0;
    int rc;

    *n = 0;
    if (breaker_state(o->cfg.breakers, shard) != BREAKER_CLOSED)
        return -EHOSTUNREACH;
    rc = st->ops->list_ranges(st, shard, older_than_ms, STORE_READ_PRIMARY, rows,
                              HC_ARRAY_LEN(rows), &nrows);
    breaker_report(o->cfg.breakers, shard, orders_shard_ok(rc));
    found = hc_xcalloc(cap, sizeof(*found));
    for (size_t i = 0; rc == 0 && i < nrows && *n < cap; i++) {
        size_t got = 0;
        rc = sweep_range(o, shard, &rows[i], found, cap - *n, &got);
        *n += got;
    }
    free(found);
    return rc;
}

int orders_list_sku(struct orders *o, const char *sku, uint64_t before, struct order *out,
                    size_t cap, size_t *n, uint64_t *next)
{
    struct store *st = o->cfg.store;
    unsigned shard = store_shard_of_sku(st, sku);
    uint64_t ids[HC_SERVER_MAX_LIST_LIMIT];
    size_t k = 0;
    int rc;

    *n = 0;
    *next = 0;
    if (cap > HC_ARRAY_LEN(ids))
        cap = HC_ARRAY_LEN(ids);
    if (!breaker_allow(o->cfg.breakers, shard))
        return -EHOSTUNREACH;
    rc = st->ops->list_sku(st, sku, before, o->cfg.read_pref, ids, cap, &k);
    breaker_report(o->cfg.breakers, shard, orders_shard_ok(rc));
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < k; i++) {
        enum orders_source src;
        rc = orders_get(o, ids[i], &out[*n], &src);
        if (rc == 0)
            (*n)++;
        else if (rc != -ENOENT) /* an entry always follows its order's commit: not expected */
            return rc;
    }
    if (k == cap && k > 0)
        *next = ids[k - 1];
    return 0;
}

/* The creation's index entry is durable (or failed: the sweep will write it): tell. */
static void indexed_done(struct store_op *op)
{
    struct orders_write *w = op->arg;
    struct orders *o = w->o;
    struct store_range *r = w->op.range;

    breaker_report(o->cfg.breakers, store_shard_of_op(o->cfg.store, op),
                   orders_shard_ok(op->result));
    range_put(o, r, op->result == 0);
    w->done(w);
}

/* On the store's thread, in the shard's commit order: report, fill the caches, index a new
 * order, tell. */
static void write_done(struct store_op *op)
{
    struct orders_write *w = op->arg;
    struct orders *o = w->o;

    breaker_report(o->cfg.breakers, store_shard_of_op(o->cfg.store, op),
                   orders_shard_ok(op->result));
    if (op->result == 0 || op->result == -EEXIST || op->result == -EPERM)
        fill(o, &op->order);
    if (op->kind == STORE_CREATE && op->result == 0) {
        index_op(&w->idx, &op->order);
        if (submit_index(o, &w->idx, indexed_done, w, true) == 0)
            return;
        range_put(o, op->range, false);
    } else if (op->kind == STORE_CREATE) {
        range_put(o, op->range, false); /* a failed batch: its row was never committed */
    }
    w->done(w);
}

/*
 * Submits w's op through its shard's breaker; a status change first deletes the order from
 * both levels. 0, or why it was not submitted.
 */
static int submit(struct orders *o, struct orders_write *w)
{
    unsigned shard = store_shard_of_op(o->cfg.store, &w->op);
    int rc;

    if (shard >= o->cfg.store->shards)
        return -ENODEV;
    if (!breaker_allow(o->cfg.breakers, shard))
        return -EHOSTUNREACH;
    if (w->op.kind == STORE_SET_STATUS)
        invalidate(o, w->op.id);
    w->o = o;
    w->op.range = NULL; /* out: a reused write must not hand back its last creation's range */
    w->op.done = write_done;
    w->op.arg = w;
    rc = store_submit(o->cfg.store, &w->op);
    if (rc < 0) /* no verdict will come: close the trial a half-open breaker let through */
        breaker_report(o->cfg.breakers, shard, orders_shard_ok(rc));
    return rc;
}

int orders_create(struct orders *o, struct orders_write *w)
{
    w->op.kind = STORE_CREATE;
    return submit(o, w);
}

int orders_set_status(struct orders *o, struct orders_write *w, uint64_t id, int status)
{
    w->op.kind = STORE_SET_STATUS;
    w->op.id = id;
    w->op.new_status = status;
    return submit(o, w);
}
