/* test_bucket.c: the token bucket behind --max-rate (hcwarm/bucket.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bucket.h"
#include "hc/core.h"

static void the_burst_is_fifty_milliseconds_of_keys_within_the_batch(void **state)
{
    (void)state;
    assert_int_equal(bucket_burst(2000, 1000), 100);
    assert_int_equal(bucket_burst(50000, 1000), 1000);
    assert_int_equal(bucket_burst(5, 1000), 1);
    assert_int_equal(bucket_burst(1e9, 64), 64);
}

static void a_new_bucket_gives_its_burst_then_refills_at_the_rate(void **state)
{
    (void)state;
    struct bucket b;
    bucket_init(&b, 1000, 100, 0);
    assert_int_equal(bucket_take(&b, 0, 250), 100);
    assert_int_equal(bucket_take(&b, 0, 1), 0);
    /* 10 ms at 1000/s is 10 tokens. */
    assert_int_equal(bucket_take(&b, 10 * HC_NSEC_PER_MSEC, 250), 10);
    /* Never more than two bursts, however long it rested. */
    assert_int_equal(bucket_take(&b, 100 * HC_NSEC_PER_SEC, 250), 200);
    /* A clock that goes back counts as no time. */
    assert_int_equal(bucket_take(&b, HC_NSEC_PER_SEC, 250), 0);
}

static void the_wait_is_the_time_until_the_tokens_are_there(void **state)
{
    (void)state;
    struct bucket b;
    bucket_init(&b, 2000, 100, 0);
    assert_int_equal(bucket_wait_ns(&b, 0, 100), 0);
    assert_int_equal(bucket_take(&b, 0, 100), 100);
    int64_t w = bucket_wait_ns(&b, 0, 100);
    assert_true(w >= 50 * HC_NSEC_PER_MSEC && w <= 50 * HC_NSEC_PER_MSEC + 10);
    /* Asking for more than the burst waits for the burst. */
    assert_true(bucket_wait_ns(&b, 0, 1000) == w);
    assert_int_equal(bucket_take(&b, w, 100), 100);
}

static void late_wake_ups_do_not_lose_tokens(void **state)
{
    (void)state;
    struct bucket b;
    bucket_init(&b, 50000, 1000, 0);
    int64_t now = 0;
    uint64_t sent = bucket_take(&b, now, 1000);
    while (now < 10 * HC_NSEC_PER_SEC) {
        /* Every wake-up 3 ms late: still the rate, not 20/23 of it. */
        now += bucket_wait_ns(&b, now, 1000) + 3 * HC_NSEC_PER_MSEC;
        sent += bucket_take(&b, now, 1000);
    }
    assert_true(sent >= 499000 && sent <= 503000);
}

static void a_long_run_keeps_the_rate(void **state)
{
    (void)state;
    struct bucket b;
    bucket_init(&b, 50000, bucket_burst(50000, 1000), 0);
    int64_t now = 0;
    uint64_t sent = 0;
    while (now < 10 * HC_NSEC_PER_SEC) {
        int64_t w = bucket_wait_ns(&b, now, 1000);
        now += w;
        sent += bucket_take(&b, now, 1000);
    }
    /* 10 s at 50k/s, plus the first burst. */
    assert_true(sent >= 500000 && sent <= 501000 + 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_burst_is_fifty_milliseconds_of_keys_within_the_batch),
        cmocka_unit_test(a_new_bucket_gives_its_burst_then_refills_at_the_rate),
        cmocka_unit_test(the_wait_is_the_time_until_the_tokens_are_there),
        cmocka_unit_test(late_wake_ups_do_not_lose_tokens),
        cmocka_unit_test(a_long_run_keeps_the_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
