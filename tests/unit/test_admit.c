/* test_admit.c: admission by expected wait (common/admit.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hc/admit.h"

#define MS ((int64_t)1000 * 1000)

static void the_expected_wait_is_the_queue_times_a_unit_over_the_servers(void **state)
{
    struct hc_admit a;

    (void)state;
    hc_admit_init(&a, 15 * MS, 4);
    assert_int_equal(hc_admit_expected_wait(&a, 100), 0); /* nothing measured yet */
    hc_admit_observe(&a, 2 * MS);
    assert_int_equal(a.unit_ns, 2 * MS);
    assert_int_equal(hc_admit_expected_wait(&a, 100), 50 * MS);
    /* The newest unit weighs a quarter. */
    hc_admit_observe(&a, 6 * MS);
    assert_int_equal(a.unit_ns, 3 * MS);
    hc_admit_observe(&a, 0); /* ignored */
    assert_int_equal(a.unit_ns, 3 * MS);
}

static void work_within_the_target_is_admitted_and_a_standing_queue_beyond_it_refused(void **state)
{
    struct hc_admit a;
    int64_t t = 1000 * MS;

    (void)state;
    hc_admit_init(&a, 15 * MS, 1);
    hc_admit_observe(&a, 5 * MS);
    assert_int_equal(hc_admit_check(&a, 0, t), HC_ADMIT_OK); /* an empty queue: always */
    assert_int_equal(hc_admit_check(&a, 3, t), HC_ADMIT_OK); /* exactly the target */
    /* Over the target: admitted until it has been so for HC_ADMIT_PERSIST_NS. */
    assert_int_equal(hc_admit_check(&a, 4, t + 1), HC_ADMIT_OK);
    assert_int_equal(hc_admit_check(&a, 5, t + HC_ADMIT_PERSIST_NS), HC_ADMIT_OK);
    assert_int_equal(hc_admit_check(&a, 5, t + 1 + HC_ADMIT_PERSIST_NS), HC_ADMIT_SHED_START);
    assert_int_equal(a.last_wait_ns, 25 * MS);
    assert_int_equal(hc_admit_check(&a, 5, t + 2 + HC_ADMIT_PERSIST_NS), HC_ADMIT_REFUSED);
    assert_int_equal(a.refused, 2);
    assert_false(hc_admit_ok(HC_ADMIT_REFUSED));
    assert_false(hc_admit_ok(HC_ADMIT_SHED_START));
    assert_true(hc_admit_ok(HC_ADMIT_SHED_STOP));
}

static void a_moment_over_the_target_refuses_nothing(void **state)
{
    struct hc_admit a;
    int64_t t = 1000 * MS;

    (void)state;
    hc_admit_init(&a, 15 * MS, 1);
    hc_admit_observe(&a, 10 * MS);
    for (int i = 0; i < 10; i++) {
        /* Over for 40 ms, then back under: the clock starts again each time. */
        assert_int_equal(hc_admit_check(&a, 2, t), HC_ADMIT_OK);
        assert_int_equal(hc_admit_check(&a, 2, t + 40 * MS), HC_ADMIT_OK);
        assert_int_equal(hc_admit_check(&a, 1, t + 41 * MS), HC_ADMIT_OK);
        t += 100 * MS;
    }
    assert_int_equal(a.refused, 0);
    assert_false(a.shedding);
}

static void
shedding_stops_at_the_first_admission_a_quiet_period_after_the_last_refusal(void **state)
{
    struct hc_admit a;
    int64_t t = 1000 * MS;

    (void)state;
    hc_admit_init(&a, 15 * MS, 1);
    hc_admit_observe(&a, 10 * MS);
    assert_int_equal(hc_admit_check(&a, 2, t), HC_ADMIT_OK);
    t += HC_ADMIT_PERSIST_NS;
    assert_int_equal(hc_admit_check(&a, 2, t), HC_ADMIT_SHED_START);
    /* Admitted soon after: still within the period of shedding. */
    assert_int_equal(hc_admit_check(&a, 0, t + 10 * MS), HC_ADMIT_OK);
    assert_true(a.shedding);
    assert_int_equal(hc_admit_check(&a, 0, t + HC_ADMIT_QUIET_NS), HC_ADMIT_SHED_STOP);
    assert_false(a.shedding);
    assert_int_equal(hc_admit_check(&a, 0, t + HC_ADMIT_QUIET_NS + 1), HC_ADMIT_OK);
    /* And a new standing queue starts a new period. */
    t += 2 * HC_ADMIT_QUIET_NS;
    assert_int_equal(hc_admit_check(&a, 2, t), HC_ADMIT_OK);
    assert_int_equal(hc_admit_check(&a, 2, t + HC_ADMIT_PERSIST_NS), HC_ADMIT_SHED_START);
}

static void a_target_of_zero_admits_everything(void **state)
{
    struct hc_admit a;

    (void)state;
    hc_admit_init(&a, 0, 1);
    hc_admit_observe(&a, 1000 * MS);
    assert_int_equal(hc_admit_check(&a, 1000000, 1), HC_ADMIT_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_expected_wait_is_the_queue_times_a_unit_over_the_servers),
        cmocka_unit_test(work_within_the_target_is_admitted_and_a_standing_queue_beyond_it_refused),
        cmocka_unit_test(a_moment_over_the_target_refuses_nothing),
        cmocka_unit_test(
            shedding_stops_at_the_first_admission_a_quiet_period_after_the_last_refusal),
        cmocka_unit_test(a_target_of_zero_admits_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
