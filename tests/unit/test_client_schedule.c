/*
 * test_client_schedule.c: the client's stages parser, schedule curve and pacers
 * (common/client_schedule.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "hc/client.h"

static void stages_parse_durations_and_values(void **state)
{
    (void)state;
    struct hc_client_stage *st = NULL;
    size_t n = 0;
    char err[200];
    assert_int_equal(
        hc_client_schedule_parse_stages("10s:100,30s:100/s,1.5:0", &st, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 3);
    assert_int_equal(st[0].dur_ns, 10 * HC_NSEC_PER_SEC);
    assert_true(st[0].target == 100.0);
    assert_int_equal(st[1].dur_ns, 30 * HC_NSEC_PER_SEC);
    assert_true(st[1].target == 100.0);
    assert_int_equal(st[2].dur_ns, 1500 * HC_NSEC_PER_MSEC);
    assert_true(st[2].target == 0.0);
    free(st);
}

static void malformed_stages_are_refused_with_a_reason(void **state)
{
    (void)state;
    static const char *const bad[] = {"",      "10s",    "10s:",     ":100",        "10x:1",
                                      "0s:10", "10s:-1", "10s:100,", "10s:1,,5s:2", "10s:abc"};
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        struct hc_client_stage *st = NULL;
        size_t n = 0;
        char err[200] = "";
        int rc = hc_client_schedule_parse_stages(bad[i], &st, &n, err, sizeof(err));
        if (rc == 0)
            fail_msg("\"%s\" was accepted", bad[i]);
        assert_true(err[0] != '\0');
        assert_null(st);
    }
}

static void too_many_stages_are_refused(void **state)
{
    (void)state;
    size_t len = (HC_CLIENT_MAX_STAGES + 1) * 5;
    char *text = malloc(len + 1);
    char *p = text;
    for (int i = 0; i <= HC_CLIENT_MAX_STAGES; i++) {
        memcpy(p, "1s:1,", 5);
        p += 5;
    }
    p[-1] = '\0';
    struct hc_client_stage *st = NULL;
    size_t n = 0;
    char err[200];
    assert_int_equal(hc_client_schedule_parse_stages(text, &st, &n, err, sizeof(err)),
                     HC_ETOOLARGE);
    free(text);
}

/* The union of the threads' constant arrivals is exactly the global schedule k / R. */
static void constant_pacers_interleave_into_the_global_schedule(void **state)
{
    (void)state;
    struct hc_client_stage flat = {.dur_ns = HC_NSEC_PER_SEC, .target = 1000};
    struct hc_client_schedule s;
    hc_client_schedule_init(&s, 1000, &flat, 1, false);
    enum { THREADS = 3 };
    struct hc_client_pacer p[THREADS];
    for (unsigned i = 0; i < THREADS; i++)
        hc_client_pacer_init(&p[i], &s, i, THREADS, false, 1, 0);
    for (int k = 0; k < 1000; k++) {
        struct hc_client_pacer *q = &p[k % THREADS];
        assert_int_equal(q->next_ns, (int64_t)k * HC_NSEC_PER_MSEC);
        hc_client_pacer_next(q);
    }
    for (unsigned i = 0; i < THREADS; i++)
        assert_int_equal(p[i].next_ns, INT64_MAX);
    hc_client_schedule_destroy(&s);
}

/* A ramp from 0 to 100/s over 10 s plans its area: 500 requests, denser towards the end. */
static void a_ramp_plans_its_area_of_requests(void **state)
{
    (void)state;
    struct hc_client_stage ramp = {.dur_ns = 10 * HC_NSEC_PER_SEC, .target = 100};
    struct hc_client_schedule s;
    hc_client_schedule_init(&s, 0, &ramp, 1, false);
    assert_true(fabs(hc_client_schedule_count_until(&s, 10 * HC_NSEC_PER_SEC) - 500) < 1e-9);
    assert_true(fabs(hc_client_schedule_value_at(&s, 5 * HC_NSEC_PER_SEC) - 50) < 1e-9);
    struct hc_client_pacer p;
    hc_client_pacer_init(&p, &s, 0, 1, false, 1, 0);
    int first_half = 0, total = 0;
    int64_t prev = -1;
    while (p.next_ns != INT64_MAX) {
        assert_true(p.next_ns >= prev);
        prev = p.next_ns;
        if (p.next_ns < 5 * HC_NSEC_PER_SEC)
            first_half++;
        total++;
        hc_client_pacer_next(&p);
    }
    assert_int_equal(total, 500);
    /* Lambda(5 s) = 125: requests 0..124 fall in the first half. */
    assert_int_equal(first_half, 125);
    hc_client_schedule_destroy(&s);
}

static void stages_chain_from_the_start_value(void **state)
{
    (void)state;
    struct hc_client_stage st[] = {
        {.dur_ns = 10 * HC_NSEC_PER_SEC, .target = 100},
        {.dur_ns = 30 * HC_NSEC_PER_SEC, .target = 100},
        {.dur_ns = 10 * HC_NSEC_PER_SEC, .target = 0},
    };
    struct hc_client_schedule s;
    hc_client_schedule_init(&s, 0, st, 3, false);
    assert_int_equal(s.end_ns, 50 * HC_NSEC_PER_SEC);
    assert_true(fabs(hc_client_schedule_count_until(&s, s.end_ns) - (500 + 3000 + 500)) < 1e-6);
    assert_true(fabs(hc_client_schedule_value_at(&s, 45 * HC_NSEC_PER_SEC) - 50) < 1e-9);
    size_t hint = 0;
    /* Request 500 is the first of the flat stage, at its very start. */
    assert_int_equal(hc_client_schedule_time_at(&s, 500, &hint), 10 * HC_NSEC_PER_SEC);
    assert_int_equal(hc_client_schedule_time_at(&s, 4000, &hint), -1);
    hc_client_schedule_destroy(&s);
}

static void an_open_ended_schedule_never_runs_out(void **state)
{
    (void)state;
    struct hc_client_schedule s;
    hc_client_schedule_init(&s, 2000, NULL, 0, true);
    assert_int_equal(s.end_ns, INT64_MAX);
    size_t hint = 0;
    assert_int_equal(hc_client_schedule_time_at(&s, 2000.0 * 3600, &hint), 3600 * HC_NSEC_PER_SEC);
    hc_client_schedule_destroy(&s);
}

/* Poisson gaps average 1 / rate over many arrivals, and the threads' streams add up. */
static void poisson_pacers_keep_the_rate_on_average(void **state)
{
    (void)state;
    struct hc_client_stage flat = {.dur_ns = 100 * HC_NSEC_PER_SEC, .target = 1000};
    struct hc_client_schedule s;
    hc_client_schedule_init(&s, 1000, &flat, 1, false);
    long total = 0;
    for (unsigned i = 0; i < 4; i++) {
        struct hc_client_pacer p;
        hc_client_pacer_init(&p, &s, i, 4, true, 42, 0);
        int64_t prev = 0;
        while (p.next_ns != INT64_MAX) {
            assert_true(p.next_ns >= prev);
            prev = p.next_ns;
            total++;
            hc_client_pacer_next(&p);
        }
    }
    /* 100000 expected; a Poisson count's deviation is sqrt(100000) = 316. */
    assert_true(labs(total - 100000) < 2000);
    hc_client_schedule_destroy(&s);
}

/* After set_rate, three constant pacers take the new rate's arrivals in turn, from its moment. */
static void a_rate_set_while_running_rebases_the_pacers_exactly(void **state)
{
    (void)state;
    struct hc_client_stage flat = {.dur_ns = HC_NSEC_PER_SEC, .target = 10};
    struct hc_client_schedule s;
    hc_client_schedule_init(&s, 10, &flat, 1, false);
    enum { THREADS = 3 };
    struct hc_client_pacer p[THREADS];
    int64_t at = 250 * HC_NSEC_PER_MSEC;
    for (unsigned i = 0; i < THREADS; i++) {
        hc_client_pacer_init(&p[i], &s, i, THREADS, false, 1, 0);
        hc_client_pacer_set_rate(&p[i], 1000, at);
    }
    /* Global arrivals at + k ms, k = 1, 2, ...: thread (k - 1) mod 3 takes the k-th. */
    for (int k = 1; k <= 3000; k++) {
        struct hc_client_pacer *q = &p[(k - 1) % THREADS];
        assert_int_equal(q->next_ns, at + (int64_t)k * HC_NSEC_PER_MSEC);
        hc_client_pacer_next(q);
    }
    /* The schedule's end no longer applies; rate 0 pauses until the next change. */
    assert_true(p[0].next_ns > HC_NSEC_PER_SEC && p[0].next_ns != INT64_MAX);
    hc_client_pacer_set_rate(&p[0], 0, 2 * HC_NSEC_PER_SEC);
    assert_int_equal(p[0].next_ns, INT64_MAX);
    hc_client_pacer_next(&p[0]);
    assert_int_equal(p[0].next_ns, INT64_MAX);
    hc_client_pacer_set_rate(&p[0], 2, 3 * HC_NSEC_PER_SEC);
    assert_int_equal(p[0].next_ns, 3 * HC_NSEC_PER_SEC + HC_NSEC_PER_SEC / 2);
    hc_client_schedule_destroy(&s);
}

/* Poisson pacers after set_rate keep the new rate on average. */
static void a_poisson_rate_set_while_running_keeps_its_average(void **state)
{
    (void)state;
    struct hc_client_stage flat = {.dur_ns = HC_NSEC_PER_SEC, .target = 10};
    struct hc_client_schedule s;
    hc_client_schedule_init(&s, 10, &flat, 1, false);
    long total = 0;
    int64_t end = 100 * HC_NSEC_PER_SEC;
    for (unsigned i = 0; i < 4; i++) {
        struct hc_client_pacer p;
        hc_client_pacer_init(&p, &s, i, 4, true, 7, 0);
        hc_client_pacer_set_rate(&p, 1000, 0);
        int64_t prev = 0;
        while (p.next_ns < end) {
            assert_true(p.next_ns >= prev);
            prev = p.next_ns;
            total++;
            hc_client_pacer_next(&p);
        }
    }
    assert_true(labs(total - 100000) < 2000);
    hc_client_schedule_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stages_parse_durations_and_values),
        cmocka_unit_test(malformed_stages_are_refused_with_a_reason),
        cmocka_unit_test(too_many_stages_are_refused),
        cmocka_unit_test(constant_pacers_interleave_into_the_global_schedule),
        cmocka_unit_test(a_ramp_plans_its_area_of_requests),
        cmocka_unit_test(stages_chain_from_the_start_value),
        cmocka_unit_test(an_open_ended_schedule_never_runs_out),
        cmocka_unit_test(poisson_pacers_keep_the_rate_on_average),
        cmocka_unit_test(a_rate_set_while_running_rebases_the_pacers_exactly),
        cmocka_unit_test(a_poisson_rate_set_while_running_keeps_its_average),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
