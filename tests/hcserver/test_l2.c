/*
 * tests/hcserver/test_l2.c: the L2 cache's contract (backend/l2.h), written once and run against
 * every implementation in `impls`. What every L2 must do: a miss is -ENOENT; a failed or absent
 * level never makes up an order; a deleted order is not served. What a storing L2 must do as
 * well (impl.stores): an order set is got back whole, a newer set replaces it, a delete forgets
 * it, and an entry past its time to live is gone.
 *
 * A new backend joins by adding one entry to `impls`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backend/l2.h"
#include "hc/core.h"

static struct l2 *open_none(void)
{
    struct l2 *c = NULL;

    assert_int_equal(l2_none_open(&c), 0);
    return c;
}

/* An implementation of the interface under test. */
struct impl {
    const char *name;
    struct l2 *(*open)(void);
    bool stores; /* it keeps what is set (l2_none does not) */
};

static const struct impl impls[] = {
    {"none", open_none, false},
};

static struct order sample(uint64_t id, int status)
{
    struct order o;

    memset(&o, 0, sizeof(o));
    o.id = id;
    o.user_id = 42;
    snprintf(o.sku, sizeof(o.sku), "pizza-%llu", (unsigned long long)id);
    o.qty = 3;
    o.amount_cents = 2599;
    o.status = status;
    o.created_ms = 1700000000000;
    o.updated_ms = 1700000000500;
    o.ticket = 0;
    return o;
}

static void an_order_never_set_is_a_miss(void **state)
{
    const struct impl *impl = *state;
    struct l2 *c = impl->open();
    struct order o = sample(1, ORDER_PENDING);

    assert_int_equal(c->ops->get(c, order_make_id(999, 3), &o), -ENOENT);
    assert_int_equal(o.id, 1); /* a miss leaves *out alone */
    assert_non_null(c->ops->name);
    c->ops->close(c);
}

static void a_set_order_comes_back_whole_or_not_at_all(void **state)
{
    const struct impl *impl = *state;
    struct l2 *c = impl->open();
    struct order in = sample(order_make_id(7, 1), ORDER_CONFIRMED), out;
    int rc;

    assert_int_equal(c->ops->set(c, &in, 30 * HC_NSEC_PER_SEC), 0);
    memset(&out, 0, sizeof(out));
    rc = c->ops->get(c, in.id, &out);
    if (impl->stores) {
        assert_int_equal(rc, 0);
        assert_int_equal(out.id, in.id);
        assert_int_equal(out.user_id, 42);
        assert_string_equal(out.sku, in.sku);
        assert_int_equal(out.qty, 3);
        assert_int_equal(out.amount_cents, 2599);
        assert_int_equal(out.status, ORDER_CONFIRMED);
        assert_int_equal(out.updated_ms, 1700000000500);
    } else {
        assert_int_equal(rc, -ENOENT);
    }
    c->ops->close(c);
}

static void a_newer_set_replaces_and_a_delete_forgets(void **state)
{
    const struct impl *impl = *state;
    struct l2 *c = impl->open();
    struct order v1 = sample(order_make_id(8, 2), ORDER_PENDING);
    struct order v2 = sample(order_make_id(8, 2), ORDER_PREPARING), out;

    assert_int_equal(c->ops->set(c, &v1, 30 * HC_NSEC_PER_SEC), 0);
    assert_int_equal(c->ops->set(c, &v2, 30 * HC_NSEC_PER_SEC), 0);
    if (impl->stores) {
        assert_int_equal(c->ops->get(c, v1.id, &out), 0);
        assert_int_equal(out.status, ORDER_PREPARING);
    }
    assert_int_equal(c->ops->del(c, v1.id), 0);
    assert_int_equal(c->ops->get(c, v1.id, &out), -ENOENT);
    assert_int_equal(c->ops->del(c, v1.id), 0); /* deleting what is not there is fine */
    c->ops->close(c);
}

static void an_entry_past_its_ttl_is_gone(void **state)
{
    const struct impl *impl = *state;
    struct l2 *c = impl->open();
    struct order o = sample(order_make_id(9, 0), ORDER_PENDING), out;
    struct timespec pause = {0, 300 * 1000 * 1000};

    assert_int_equal(c->ops->set(c, &o, 100 * HC_NSEC_PER_MSEC), 0);
    nanosleep(&pause, NULL);
    assert_int_equal(c->ops->get(c, o.id, &out), -ENOENT);
    c->ops->close(c);
}

int main(void)
{
    int failed = 0;

    for (size_t i = 0; i < sizeof(impls) / sizeof(impls[0]); i++) {
        void *impl = (void *)&impls[i];
        const struct CMUnitTest contract[] = {
            cmocka_unit_test_prestate(an_order_never_set_is_a_miss, impl),
            cmocka_unit_test_prestate(a_set_order_comes_back_whole_or_not_at_all, impl),
            cmocka_unit_test_prestate(a_newer_set_replaces_and_a_delete_forgets, impl),
            cmocka_unit_test_prestate(an_entry_past_its_ttl_is_gone, impl),
        };
        failed += cmocka_run_group_tests_name(impls[i].name, contract, NULL, NULL);
    }
    return failed;
}
