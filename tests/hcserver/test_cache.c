/*
 * tests/hcserver/test_cache.c: the L1 cache: bounded LRU, TTL, negative entries, single-flight
 * loads, and no stale value surviving a write that raced a load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "domain/cache.h"
#include "hc/limits.h"

static struct order make(uint64_t id, int status)
{
    struct order o;

    memset(&o, 0, sizeof(o));
    o.id = id;
    o.user_id = id * 10;
    o.status = status;
    memcpy(o.sku, "sku", 4);
    return o;
}

static struct cache *new_cache(size_t cap, int64_t ttl, int64_t neg)
{
    struct cache_config cfg = {
        .capacity = cap, .ttl_ns = ttl, .jitter_ns = 0, .neg_ttl_ns = neg, .stripes = 1};
    struct cache *c = NULL;

    assert_int_equal(cache_new(&cfg, &c), 0);
    return c;
}

static void a_put_order_is_returned_by_get(void **state)
{
    struct cache *c = new_cache(16, HC_NSEC_PER_SEC * 60, HC_NSEC_PER_SEC);
    struct order in = make(7, ORDER_CONFIRMED), out;

    (void)state;
    assert_int_equal(cache_get(c, 7, &out), -EAGAIN);
    cache_put(c, &in);
    assert_int_equal(cache_get(c, 7, &out), 0);
    assert_int_equal(out.id, 7);
    assert_int_equal(out.status, ORDER_CONFIRMED);
    assert_int_equal(cache_size(c), 1);
    cache_delete(c, 7);
    assert_int_equal(cache_get(c, 7, &out), -EAGAIN);
    assert_int_equal(cache_size(c), 0);
    cache_free(c);
}

static void a_full_cache_evicts_the_least_recently_used(void **state)
{
    struct cache *c = new_cache(3, HC_NSEC_PER_SEC * 60, HC_NSEC_PER_SEC);
    struct order o;

    (void)state;
    for (uint64_t id = 1; id <= 3; id++) {
        o = make(id, 0);
        cache_put(c, &o);
    }
    assert_int_equal(cache_get(c, 1, &o), 0); /* 1 is now the most recent; 2 the least */
    o = make(4, 0);
    cache_put(c, &o);
    assert_int_equal(cache_size(c), 3);
    assert_int_equal(cache_get(c, 2, &o), -EAGAIN);
    assert_int_equal(cache_get(c, 1, &o), 0);
    assert_int_equal(cache_get(c, 3, &o), 0);
    assert_int_equal(cache_get(c, 4, &o), 0);
    cache_free(c);
}

static void entries_expire_after_their_ttl(void **state)
{
    struct cache *c = new_cache(8, 20 * HC_NSEC_PER_MSEC, HC_NSEC_PER_SEC);
    struct order o = make(5, 0);
    struct timespec ts = {0, 40 * 1000 * 1000};

    (void)state;
    cache_put(c, &o);
    assert_int_equal(cache_get(c, 5, &o), 0);
    nanosleep(&ts, NULL);
    assert_int_equal(cache_get(c, 5, &o), -EAGAIN);
    cache_free(c);
}

static atomic_int loads;

static int load_missing(void *arg, uint64_t id, struct order *out)
{
    (void)arg;
    (void)id;
    (void)out;
    atomic_fetch_add(&loads, 1);
    return -ENOENT;
}

static void not_found_is_cached_briefly(void **state)
{
    struct cache *c = new_cache(8, HC_NSEC_PER_SEC * 60, 30 * HC_NSEC_PER_MSEC);
    struct order o;
    struct timespec ts = {0, 60 * 1000 * 1000};

    (void)state;
    atomic_store(&loads, 0);
    assert_int_equal(cache_load(c, 9, load_missing, NULL, &o), -ENOENT);
    assert_int_equal(cache_get(c, 9, &o), -ENOENT);
    assert_int_equal(cache_load(c, 9, load_missing, NULL, &o), -ENOENT);
    assert_int_equal(atomic_load(&loads), 1);
    nanosleep(&ts, NULL);
    assert_int_equal(cache_get(c, 9, &o), -EAGAIN);
    cache_free(c);
}

static int load_slow(void *arg, uint64_t id, struct order *out)
{
    struct timespec ts = {0, 50 * 1000 * 1000};

    (void)arg;
    atomic_fetch_add(&loads, 1);
    nanosleep(&ts, NULL);
    *out = make(id, ORDER_PENDING);
    return 0;
}

struct loader {
    struct cache *c;
    int rc;
    struct order o;
};

static void *load_thread(void *arg)
{
    struct loader *l = arg;

    l->rc = cache_load(l->c, 11, load_slow, NULL, &l->o);
    return NULL;
}

static void concurrent_misses_share_one_load(void **state)
{
    struct cache *c = new_cache(8, HC_NSEC_PER_SEC * 60, HC_NSEC_PER_SEC);
    struct loader l[8];
    pthread_t t[8];

    (void)state;
    atomic_store(&loads, 0);
    for (int i = 0; i < 8; i++) {
        l[i].c = c;
        pthread_create(&t[i], NULL, load_thread, &l[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(l[i].rc, 0);
        assert_int_equal(l[i].o.id, 11);
    }
    assert_int_equal(atomic_load(&loads), 1);
    cache_free(c);
}

static void a_write_during_a_load_wins_over_the_loaded_value(void **state)
{
    struct cache *c = new_cache(8, HC_NSEC_PER_SEC * 60, HC_NSEC_PER_SEC);
    struct loader l = {.c = c};
    pthread_t t;
    struct order fresh = make(11, ORDER_CANCELLED), out;
    struct timespec ts = {0, 10 * 1000 * 1000};

    (void)state;
    pthread_create(&t, NULL, load_thread, &l); /* loads PENDING, slowly */
    nanosleep(&ts, NULL);
    cache_put(c, &fresh); /* a PATCH commits CANCELLED meanwhile */
    /* A reader arriving now must not join the old load. */
    assert_int_equal(cache_get(c, 11, &out), 0);
    assert_int_equal(out.status, ORDER_CANCELLED);
    pthread_join(t, NULL);
    assert_int_equal(l.o.status, ORDER_PENDING);
    assert_int_equal(cache_get(c, 11, &out), 0);
    assert_int_equal(out.status, ORDER_CANCELLED);
    cache_free(c);
}

static int load_seven(void *arg, uint64_t id, struct order *out)
{
    int *calls = arg;

    (*calls)++;
    memset(out, 0, sizeof(*out));
    out->id = id;
    out->qty = 7;
    return 0;
}

static void a_cache_of_no_entries_keeps_nothing_but_still_loads(void **state)
{
    struct cache_config cfg = {.capacity = 0, .ttl_ns = HC_NSEC_PER_SEC};
    struct cache *c = NULL;
    struct order o;
    int calls = 0;

    (void)state;
    assert_int_equal(cache_new(&cfg, &c), 0);
    memset(&o, 0, sizeof(o));
    o.id = 5;
    cache_put(c, &o);
    assert_int_equal(cache_get(c, 5, &o), -EAGAIN);
    assert_int_equal(cache_load(c, 5, load_seven, &calls, &o), 0);
    assert_int_equal(o.qty, 7);
    assert_int_equal(cache_load(c, 5, load_seven, &calls, &o), 0);
    assert_int_equal(calls, 2); /* nothing was kept */
    assert_int_equal(cache_size(c), 0);
    cache_free(c);
}

static void a_clear_forgets_every_entry(void **state)
{
    struct cache_config cfg = {
        .capacity = 1000, .ttl_ns = 60 * HC_NSEC_PER_SEC, .neg_ttl_ns = 60 * HC_NSEC_PER_SEC};
    struct cache *c = NULL;
    struct order o;

    (void)state;
    assert_int_equal(cache_new(&cfg, &c), 0);
    memset(&o, 0, sizeof(o));
    for (uint64_t id = 1; id <= 300; id++) {
        o.id = id;
        cache_put(c, &o);
    }
    assert_int_equal(cache_size(c), 300);
    cache_clear(c);
    assert_int_equal(cache_size(c), 0);
    for (uint64_t id = 1; id <= 300; id++)
        assert_int_equal(cache_get(c, id, &o), -EAGAIN);
    o.id = 9;
    cache_put(c, &o); /* still usable */
    assert_int_equal(cache_get(c, 9, &o), 0);
    cache_free(c);
}

static void a_bad_configuration_is_refused(void **state)
{
    struct cache_config cfg = {.capacity = HC_SERVER_MAX_CACHE_ENTRIES + 1, .ttl_ns = 1};
    struct cache *c = NULL;

    (void)state;
    assert_int_equal(cache_new(&cfg, &c), -EINVAL);
    cfg.capacity = 10;
    cfg.stripes = 3;
    assert_int_equal(cache_new(&cfg, &c), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_put_order_is_returned_by_get),
        cmocka_unit_test(a_full_cache_evicts_the_least_recently_used),
        cmocka_unit_test(entries_expire_after_their_ttl),
        cmocka_unit_test(not_found_is_cached_briefly),
        cmocka_unit_test(concurrent_misses_share_one_load),
        cmocka_unit_test(a_write_during_a_load_wins_over_the_loaded_value),
        cmocka_unit_test(a_bad_configuration_is_refused),
        cmocka_unit_test(a_cache_of_no_entries_keeps_nothing_but_still_loads),
        cmocka_unit_test(a_clear_forgets_every_entry),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
