/* test_ttl.c: each key's TTL with jitter (hcwarm/ttl.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hc/core.h"
#include "ttl.h"

static void no_ttl_means_no_expiry(void **state)
{
    (void)state;
    struct ttl_rule r;
    ttl_init(&r, 0, 0, 1);
    assert_int_equal(ttl_pick_ms(&r, 0), 0);
}

static void without_jitter_every_key_gets_the_ttl(void **state)
{
    (void)state;
    struct ttl_rule r;
    ttl_init(&r, 10 * 60 * HC_NSEC_PER_SEC, 0, 7);
    for (int i = 0; i < 100; i++)
        assert_int_equal(ttl_pick_ms(&r, 0), 600000);
    /* Sub-millisecond TTLs round up, never to 0 (which would mean no expiry). */
    ttl_init(&r, 1, 0, 7);
    assert_int_equal(ttl_pick_ms(&r, 0), 1);
}

static void jitter_spreads_ttls_uniformly_over_the_range(void **state)
{
    (void)state;
    struct ttl_rule r;
    ttl_init(&r, 10 * HC_NSEC_PER_SEC, 1 * HC_NSEC_PER_SEC, 42);
    unsigned buckets[10] = {0};
    int64_t lo = INT64_MAX, hi = 0;
    for (int i = 0; i < 100000; i++) {
        int64_t ms = ttl_pick_ms(&r, 0);
        assert_true(ms >= 10000 && ms <= 11000);
        lo = HC_MIN(lo, ms);
        hi = HC_MAX(hi, ms);
        buckets[HC_MIN((ms - 10000) / 100, 9)]++;
    }
    assert_true(lo <= 10001);
    assert_true(hi >= 10999);
    for (int i = 0; i < 10; i++)
        assert_true(buckets[i] > 9000 && buckets[i] < 11000);
}

static void a_ttl_from_the_source_replaces_the_base_and_keeps_the_jitter(void **state)
{
    (void)state;
    struct ttl_rule r;
    ttl_init(&r, 10 * HC_NSEC_PER_SEC, 500 * HC_NSEC_PER_MSEC, 3);
    for (int i = 0; i < 1000; i++) {
        int64_t ms = ttl_pick_ms(&r, 60 * HC_NSEC_PER_SEC);
        assert_true(ms >= 60000 && ms <= 60500);
    }
}

static void different_seeds_draw_different_streams(void **state)
{
    (void)state;
    struct ttl_rule a, b;
    ttl_init(&a, HC_NSEC_PER_SEC, HC_NSEC_PER_SEC, 1);
    ttl_init(&b, HC_NSEC_PER_SEC, HC_NSEC_PER_SEC, 2);
    int same = 0;
    for (int i = 0; i < 100; i++)
        same += ttl_pick_ms(&a, 0) == ttl_pick_ms(&b, 0);
    assert_true(same < 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_ttl_means_no_expiry),
        cmocka_unit_test(without_jitter_every_key_gets_the_ttl),
        cmocka_unit_test(jitter_spreads_ttls_uniformly_over_the_range),
        cmocka_unit_test(a_ttl_from_the_source_replaces_the_base_and_keeps_the_jitter),
        cmocka_unit_test(different_seeds_draw_different_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
