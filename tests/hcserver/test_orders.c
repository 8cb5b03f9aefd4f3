/*
 * tests/hcserver/test_orders.c: the rules the orders module owns (domain/orders.h), over a fake
 * store with a lagging replica and a fake L2 that remembers what it was told: a miss fills L2
 * and L1; a replica's "not found" is confirmed on the primary and never cached on its own; only
 * a final "not found" becomes a negative entry; a write deletes both levels before the store
 * runs it and fills both once it is committed; store answers feed the shard's breaker by one
 * rule, and an open breaker keeps calls away from the shard; a creation is answered once its
 * sku index entry is durable, its batch's range row goes once every entry of the batch is in,
 * and a creation is answered all the same when its entry fails (the row then stays).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/breaker.h"
#include "domain/cache.h"
#include "domain/orders.h"
#include "hc/core.h"

/* ---- a fake store: one order per shard slot, a replica that may lag, ops run by hand ---- */

#define SLOTS 16

struct fake_store {
    struct store base;
    struct order primary[SLOTS]; /* by seq; id 0: none */
    struct order replica[SLOTS]; /* what the replica has seen */
    int fail;                    /* returned by every read when not 0 */
    bool fail_primary_only;      /* ... by primary reads only */
    int reads_primary, reads_any;
    struct store_op *pending; /* the op submitted last, run by commit() */
};

static int fs_get(struct store *s, uint64_t id, enum store_read pref, struct order *out)
{
    struct fake_store *f = (struct fake_store *)s;
    uint64_t seq = order_id_seq(id);
    const struct order *o;

    if (order_id_shard(id) >= s->shards)
        return -ENODEV;
    if (f->fail != 0 && (pref == STORE_READ_PRIMARY || !f->fail_primary_only))
        return f->fail;
    if (pref == STORE_READ_PRIMARY)
        f->reads_primary++;
    else
        f->reads_any++;
    o = pref == STORE_READ_PRIMARY ? &f->primary[seq % SLOTS] : &f->replica[seq % SLOTS];
    if (o->id != id)
        return -ENOENT;
    *out = *o;
    return 0;
}

static int fs_submit(struct store *s, struct store_op *op)
{
    struct fake_store *f = (struct fake_store *)s;

    f->pending = op;
    return 0;
}

static int fs_list_user(struct store *s, uint64_t user, uint64_t before, enum store_read pref,
                        struct order *out, size_t cap, size_t *n)
{
    HC_UNUSED(s);
    HC_UNUSED(user);
    HC_UNUSED(before);
    HC_UNUSED(pref);
    HC_UNUSED(out);
    HC_UNUSED(cap);
    *n = 0;
    return 0;
}

static int fs_list_pending(struct store *s, unsigned shard, int64_t older, enum store_read pref,
                           uint64_t *ids, size_t cap, size_t *n)
{
    HC_UNUSED(s);
    HC_UNUSED(shard);
    HC_UNUSED(older);
    HC_UNUSED(pref);
    HC_UNUSED(ids);
    HC_UNUSED(cap);
    *n = 0;
    return 0;
}

static size_t fs_depth(struct store *s, unsigned shard)
{
    HC_UNUSED(s);
    HC_UNUSED(shard);
    return 0;
}

static void fs_close(struct store *s)
{
    HC_UNUSED(s);
}

static const struct store_ops fake_ops = {
    .name = "fake",
    .submit = fs_submit,
    .get = fs_get,
    .list_user = fs_list_user,
    .list_pending = fs_list_pending,
    .queue_depth = fs_depth,
    .close = fs_close,
};

/* Commits the pending status change on the primary (the replica does not see it yet). */
static void commit(struct fake_store *f)
{
    struct store_op *op = f->pending;
    struct order *o = &f->primary[order_id_seq(op->id) % SLOTS];

    f->pending = NULL;
    op->order = *o;
    if (o->id != op->id) {
        op->result = -ENOENT;
    } else if (!order_transition_ok(o->status, op->new_status)) {
        op->result = -EPERM;
    } else {
        o->status = op->new_status;
        op->order = *o;
        op->result = 0;
    }
    op->done(op);
}

/* ---- a fake L2 that remembers one order and counts what it was asked ---- */

struct fake_l2 {
    struct l2 base;
    struct order held; /* id 0: nothing */
    int sets, dels;
};

static int fl_get(struct l2 *c, uint64_t id, struct order *out)
{
    struct fake_l2 *f = (struct fake_l2 *)c;

    if (f->held.id != id || id == 0)
        return -ENOENT;
    *out = f->held;
    return 0;
}

static void fl_set(struct l2 *c, const struct order *o)
{
    struct fake_l2 *f = (struct fake_l2 *)c;

    f->held = *o;
    f->sets++;
}

/* A load's fill: kept unless something is held (a fill never replaces). */
static void fl_fill(struct l2 *c, uint64_t id, const struct order *o)
{
    struct fake_l2 *f = (struct fake_l2 *)c;

    HC_UNUSED(id);
    if (o != NULL && f->held.id == 0) {
        f->held = *o;
        f->sets++;
    }
}

static void fl_del(struct l2 *c, uint64_t id)
{
    struct fake_l2 *f = (struct fake_l2 *)c;

    if (f->held.id == id)
        memset(&f->held, 0, sizeof(f->held));
    f->dels++;
}

static int fl_flush(struct l2 *c)
{
    HC_UNUSED(c);
    return 0;
}

static void fl_close(struct l2 *c)
{
    HC_UNUSED(c);
}

static const struct l2_ops fake_l2_ops = {
    .name = "fake",
    .get = fl_get,
    .fill = fl_fill,
    .set = fl_set,
    .del = fl_del,
    .flush = fl_flush,
    .close = fl_close,
};

/* ---- the module over the fakes ---- */

struct fixture {
    struct fake_store st;
    struct fake_l2 l2;
    struct cache *l1;
    struct breaker *br;
    struct hc_metrics *m;
    struct orders *o;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct cache_config cc = {.capacity = 64,
                              .ttl_ns = 60 * HC_NSEC_PER_SEC,
                              .neg_ttl_ns = 60 * HC_NSEC_PER_SEC,
                              .stripes = 4};
    struct orders_config oc;

    fx->st.base.ops = &fake_ops;
    fx->st.base.shards = 2;
    fx->st.base.replicas = true;
    fx->l2.base.ops = &fake_l2_ops;
    assert_int_equal(hc_metrics_new(&fx->m), 0);
    assert_int_equal(cache_new(&cc, &fx->l1), 0);
    assert_int_equal(breaker_new(2, 2, 60 * HC_NSEC_PER_SEC, fx->m, &fx->br), 0);
    oc = (struct orders_config){.store = &fx->st.base,
                                .l1 = fx->l1,
                                .l2 = &fx->l2.base,
                                .breakers = fx->br,
                                .read_pref = STORE_READ_ANY};
    assert_int_equal(orders_new(&oc, &fx->o), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    orders_free(fx->o);
    breaker_free(fx->br);
    cache_free(fx->l1);
    hc_metrics_free(fx->m);
    free(fx);
    return 0;
}

/* Puts an order on the primary (and, with both, on the replica too). */
static uint64_t put(struct fixture *fx, uint64_t seq, unsigned shard, bool both)
{
    struct order o;

    memset(&o, 0, sizeof(o));
    o.id = order_make_id(seq, shard);
    o.user_id = 7;
    snprintf(o.sku, sizeof(o.sku), "soup");
    o.qty = 1;
    o.status = ORDER_PENDING;
    fx->st.primary[seq % SLOTS] = o;
    if (both)
        fx->st.replica[seq % SLOTS] = o;
    return o.id;
}

static void a_miss_loads_from_the_store_and_fills_both_levels(void **state)
{
    struct fixture *fx = *state;
    uint64_t id = put(fx, 3, 1, true);
    struct order out;
    enum orders_source src;

    assert_int_equal(orders_peek(fx->o, id, &out), -EAGAIN);
    assert_int_equal(orders_get(fx->o, id, &out, &src), 0);
    assert_int_equal(src, ORDERS_STORE);
    assert_string_equal(out.sku, "soup");
    assert_int_equal(fx->st.reads_any, 1); /* the read preference reached the store */
    assert_int_equal(fx->l2.held.id, id);
    assert_int_equal(orders_peek(fx->o, id, &out), 0);
    /* Once L1 forgets it, L2 answers without the store. */
    cache_delete(fx->l1, id);
    assert_int_equal(orders_get(fx->o, id, &out, &src), 0);
    assert_int_equal(src, ORDERS_L2);
    assert_int_equal(fx->st.reads_any, 1);
}

static void a_replica_not_found_is_confirmed_on_the_primary_and_never_cached(void **state)
{
    struct fixture *fx = *state;
    uint64_t id = put(fx, 4, 0, false); /* committed, not yet on the replica */
    uint64_t none = order_make_id(5, 0);
    struct order out;
    enum orders_source src;

    assert_int_equal(orders_get(fx->o, id, &out, &src), 0);
    assert_int_equal(out.id, id);
    assert_int_equal(fx->st.reads_primary, 1);
    /* Not on either: the primary's answer is final, and only it is cached as "not found". */
    assert_int_equal(orders_get(fx->o, none, &out, &src), -ENOENT);
    assert_int_equal(orders_peek(fx->o, none, &out), -ENOENT);
    /* The replica says "not found" and the primary cannot be asked: nothing is cached. */
    fx->st.fail = -EIO;
    fx->st.fail_primary_only = true;
    assert_int_equal(orders_get(fx->o, order_make_id(6, 0), &out, &src), -EIO);
    assert_int_equal(fx->st.reads_any, 3);
    assert_int_equal(orders_peek(fx->o, order_make_id(6, 0), &out), -EAGAIN);
}

/* A write's done callback: counts into the int at w->arg. */
static void count_done(struct orders_write *w)
{
    (*(int *)w->arg)++;
}

static void a_write_empties_both_levels_first_and_fills_them_once_committed(void **state)
{
    struct fixture *fx = *state;
    uint64_t id = put(fx, 8, 1, true);
    struct orders_write w;
    struct order out;
    enum orders_source src;
    int done = 0;

    assert_int_equal(orders_get(fx->o, id, &out, &src), 0); /* both levels hold PENDING */
    memset(&w, 0, sizeof(w));
    w.done = count_done;
    w.arg = &done;
    assert_int_equal(orders_set_status(fx->o, &w, id, ORDER_CONFIRMED), 0);
    assert_int_equal(orders_peek(fx->o, id, &out), -EAGAIN); /* deleted before the store ran */
    assert_int_equal(fx->l2.held.id, 0);
    assert_int_equal(fx->l2.dels, 1);
    commit(&fx->st);
    assert_int_equal(done, 1);
    assert_int_equal(w.op.result, 0);
    assert_int_equal(orders_peek(fx->o, id, &out), 0);
    assert_int_equal(out.status, ORDER_CONFIRMED);
    assert_int_equal(fx->l2.held.status, ORDER_CONFIRMED);
    /* A refused transition also leaves the order as it is in both levels. */
    assert_int_equal(orders_set_status(fx->o, &w, id, ORDER_PENDING), 0);
    commit(&fx->st);
    assert_int_equal(w.op.result, -EPERM);
    assert_int_equal(orders_peek(fx->o, id, &out), 0);
    assert_int_equal(out.status, ORDER_CONFIRMED);
}

static void failures_open_the_shard_breaker_and_outcomes_do_not(void **state)
{
    struct fixture *fx = *state;
    struct order out;
    enum orders_source src;
    struct orders_write w;

    assert_true(orders_shard_ok(0));
    assert_true(orders_shard_ok(-ENOENT));
    assert_true(orders_shard_ok(-EPERM));
    assert_true(orders_shard_ok(-EAGAIN));
    assert_false(orders_shard_ok(-EIO));
    assert_false(orders_shard_ok(-ETIMEDOUT));
    /* Not found is an answer: many of them leave the breaker closed. */
    for (uint64_t seq = 1; seq <= 4; seq++)
        assert_int_equal(orders_get(fx->o, order_make_id(seq, 1), &out, &src), -ENOENT);
    assert_int_equal(breaker_state(fx->br, 1), BREAKER_CLOSED);
    /* Two I/O errors (the threshold) open it; then reads and writes stay away from the shard. */
    fx->st.fail = -EIO;
    assert_int_equal(orders_get(fx->o, order_make_id(9, 1), &out, &src), -EIO);
    assert_int_equal(orders_get(fx->o, order_make_id(10, 1), &out, &src), -EIO);
    assert_int_equal(breaker_state(fx->br, 1), BREAKER_OPEN);
    assert_int_equal(orders_get(fx->o, order_make_id(11, 1), &out, &src), -EHOSTUNREACH);
    memset(&w, 0, sizeof(w));
    assert_int_equal(orders_set_status(fx->o, &w, order_make_id(11, 1), ORDER_CONFIRMED),
                     -EHOSTUNREACH);
    assert_null(fx->st.pending);
    assert_int_equal(breaker_state(fx->br, 0), BREAKER_CLOSED); /* the other shard is apart */
    assert_int_equal(orders_set_status(fx->o, &w, order_make_id(1, 7), ORDER_CONFIRMED), -ENODEV);
}

/* Answers the op submitted last with result; a creation gets an id on its user's shard and,
 * as a backend does, a range of its own batch (row 77). */
static struct store_op *answer(struct fake_store *f, int result)
{
    struct store_op *op = f->pending;
    struct store_range *r = NULL;

    assert_non_null(op);
    f->pending = NULL;
    op->result = result;
    if (op->kind == STORE_CREATE && result == 0) {
        op->order.id = order_make_id(40, store_shard_of_user(&f->base, op->order.user_id));
        op->order.created_ms = 1234;
        store_range_note(&r, op);
        r->row = 77;
    }
    op->done(op);
    return op;
}

/* A sku whose index is on shard (of the fixture's 2). */
static const char *sku_on(struct fixture *fx, unsigned shard)
{
    static char sku[16];

    for (int i = 0;; i++) {
        snprintf(sku, sizeof(sku), "sku-%d", i);
        if (store_shard_of_sku(&fx->st.base, sku) == shard)
            return sku;
    }
}

static void creation(struct fixture *fx, struct orders_write *w, uint64_t user, int *done)
{
    memset(w, 0, sizeof(*w));
    w->op.order.user_id = user;
    snprintf(w->op.order.sku, sizeof(w->op.order.sku), "%s", sku_on(fx, 1));
    w->done = count_done;
    w->arg = done;
}

static void a_creation_is_answered_once_its_sku_entry_is_durable_then_its_range_ends(void **state)
{
    struct fixture *fx = *state;
    struct orders_write w;
    struct store_op *op;
    struct order out;
    int done = 0;

    creation(fx, &w, 8, &done); /* user 8: shard 0; the sku's index: shard 1 */
    assert_int_equal(orders_create(fx->o, &w), 0);
    answer(&fx->st, 0);
    /* Committed and cached, but not answered: its entry goes to the sku's shard first. */
    assert_int_equal(done, 0);
    assert_int_equal(orders_peek(fx->o, w.op.order.id, &out), 0);
    op = fx->st.pending;
    assert_non_null(op);
    assert_int_equal(op->kind, STORE_SKU_INDEX);
    assert_int_equal(store_shard_of_op(&fx->st.base, op), 1);
    assert_true(op->order.id == w.op.order.id);
    assert_string_equal(op->order.sku, w.op.order.sku);
    assert_int_equal(op->order.created_ms, 1234);
    answer(&fx->st, 0);
    assert_int_equal(done, 1);
    /* Then its batch's range row is removed on the order's shard, all of it. */
    op = fx->st.pending;
    assert_non_null(op);
    assert_int_equal(op->kind, STORE_SKU_RANGE);
    assert_int_equal(op->id, 77);
    assert_int_equal(op->upto, 0);
    assert_int_equal(store_shard_of_op(&fx->st.base, op), 0);
    answer(&fx->st, 0);
    assert_null(fx->st.pending);
}

static void a_reused_write_never_hands_back_its_last_range(void **state)
{
    struct fixture *fx = *state;
    struct orders_write w;
    int done = 0;

    /* A creation runs its course: its range is freed once the row's removal is answered. */
    creation(fx, &w, 8, &done);
    assert_int_equal(orders_create(fx->o, &w), 0);
    answer(&fx->st, 0);
    answer(&fx->st, 0);
    answer(&fx->st, 0);
    /* The same write again (a request object is reused), answered as a repeat: the store
     * gives it no range, and the freed one must not be released a second time. */
    assert_int_equal(orders_create(fx->o, &w), 0);
    answer(&fx->st, -EEXIST);
    assert_int_equal(done, 2);
    assert_null(fx->st.pending);
}

static void a_range_ends_only_after_every_entry_of_its_batch(void **state)
{
    struct fixture *fx = *state;
    struct orders_write w1, w2;
    struct store_op *c1, *c2, *i1, *i2;
    struct store_range *r = NULL;
    int done = 0;

    /* One batch of two creations on shard 0, as the committer runs it. */
    creation(fx, &w1, 8, &done);
    creation(fx, &w2, 10, &done);
    assert_int_equal(orders_create(fx->o, &w1), 0);
    c1 = fx->st.pending;
    assert_int_equal(orders_create(fx->o, &w2), 0);
    c2 = fx->st.pending;
    fx->st.pending = NULL;
    c1->result = c2->result = 0;
    c1->order.id = order_make_id(50, 0);
    c2->order.id = order_make_id(51, 0);
    store_range_note(&r, c1);
    store_range_note(&r, c2);
    r->row = 9;
    assert_true(r->first == c1->order.id && r->last == c2->order.id);
    c1->done(c1);
    i1 = fx->st.pending;
    c2->done(c2);
    i2 = fx->st.pending;
    assert_true(i1 != NULL && i2 != NULL && i1 != i2);
    fx->st.pending = NULL;
    i2->result = 0;
    i2->done(i2);
    assert_null(fx->st.pending); /* one entry still to come */
    i1->result = 0;
    i1->done(i1);
    assert_int_equal(done, 2);
    assert_non_null(fx->st.pending);
    assert_int_equal(fx->st.pending->kind, STORE_SKU_RANGE);
    assert_int_equal(fx->st.pending->id, 9);
    answer(&fx->st, 0);
}

static void a_failed_sku_entry_still_answers_and_leaves_its_range_row(void **state)
{
    struct fixture *fx = *state;
    struct orders_write w;
    int done = 0;

    creation(fx, &w, 8, &done);
    /* Twice the entry fails: each creation is answered 201's way (result 0), its range row
     * stays for the sweep, and the failures count against the sku's shard, whose breaker
     * opens. */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(orders_create(fx->o, &w), 0);
        answer(&fx->st, 0);
        answer(&fx->st, -EIO);
        assert_int_equal(done, i + 1);
        assert_int_equal(w.op.result, 0);
        assert_null(fx->st.pending);
    }
    assert_int_equal(breaker_state(fx->br, 1), BREAKER_OPEN);
    /* With it open no entry is even tried: the order is answered at its commit. */
    assert_int_equal(orders_create(fx->o, &w), 0);
    answer(&fx->st, 0);
    assert_int_equal(done, 3);
    assert_null(fx->st.pending);
    assert_int_equal(breaker_state(fx->br, 0), BREAKER_CLOSED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_miss_loads_from_the_store_and_fills_both_levels, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            a_replica_not_found_is_confirmed_on_the_primary_and_never_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(
            a_write_empties_both_levels_first_and_fills_them_once_committed, setup, teardown),
        cmocka_unit_test_setup_teardown(failures_open_the_shard_breaker_and_outcomes_do_not, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            a_creation_is_answered_once_its_sku_entry_is_durable_then_its_range_ends, setup,
            teardown),
        cmocka_unit_test_setup_teardown(a_range_ends_only_after_every_entry_of_its_batch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_reused_write_never_hands_back_its_last_range, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_failed_sku_entry_still_answers_and_leaves_its_range_row,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
