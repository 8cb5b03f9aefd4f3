/* test_signals.c: goals, verdicts, hit ratios and the ramp (hcwarm/signals.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hc/core.h"
#include "hc/metrics.h"
#include "signals.h"

static struct signals window(uint64_t responses, uint64_t errors, int64_t p99_ns, double hit)
{
    struct signals s = {.responses = responses,
                        .errors = errors,
                        .requests = responses,
                        .p99_ns = p99_ns,
                        .error_rate = responses ? (double)errors / (double)responses : 0,
                        .hit_known = hit >= 0,
                        .hit_ratio = hit >= 0 ? hit : 0};
    return s;
}

static void a_window_within_every_goal_is_warm(void **state)
{
    (void)state;
    struct goals g = {.p99_ns = 5 * HC_NSEC_PER_MSEC, .max_errors = 0.01, .min_hit_ratio = 0.95};
    struct signals s = window(1000, 5, 4 * HC_NSEC_PER_MSEC, 0.97);
    char why[300];
    assert_true(signals_check(&g, &s, why, sizeof(why)));
    assert_string_equal(why, "");
}

static void every_missed_goal_is_named_with_its_value(void **state)
{
    (void)state;
    struct goals g = {.p99_ns = 5 * HC_NSEC_PER_MSEC, .max_errors = 0.01, .min_hit_ratio = 0.95};
    struct signals s = window(1000, 20, 12 * HC_NSEC_PER_MSEC, 0.421);
    char why[300];
    assert_false(signals_check(&g, &s, why, sizeof(why)));
    assert_non_null(strstr(why, "p99 12.0ms, goal below 5.00ms"));
    assert_non_null(strstr(why, "error rate 2.00% (20 of 1000), goal below 1.00%"));
    assert_non_null(strstr(why, "hit ratio 0.421, goal at least 0.95"));
    /* Only the one that missed. */
    s = window(1000, 0, 1 * HC_NSEC_PER_MSEC, 0.5);
    assert_false(signals_check(&g, &s, why, sizeof(why)));
    assert_null(strstr(why, "p99"));
    assert_non_null(strstr(why, "hit ratio 0.500"));
}

static void a_goal_that_is_off_is_not_checked(void **state)
{
    (void)state;
    struct goals g;
    goals_off(&g);
    struct signals s = window(10, 10, 10 * HC_NSEC_PER_SEC, -1);
    char why[300];
    assert_true(signals_check(&g, &s, why, sizeof(why)));
    /* But a window without a request is never warm. */
    s = window(0, 0, 0, -1);
    assert_false(signals_check(&g, &s, why, sizeof(why)));
    assert_string_equal(why, "no responses");
}

static void an_unknown_hit_ratio_misses_its_goal(void **state)
{
    (void)state;
    struct goals g;
    goals_off(&g);
    g.min_hit_ratio = 0.9;
    struct signals s = window(100, 0, 1000, -1);
    char why[300];
    assert_false(signals_check(&g, &s, why, sizeof(why)));
    assert_non_null(strstr(why, "hit ratio unknown"));
}

static void x_cache_values_read_as_hits_and_misses(void **state)
{
    (void)state;
    assert_int_equal(signals_x_cache("L1", 2), 1);
    assert_int_equal(signals_x_cache("l2", 2), 1);
    assert_int_equal(signals_x_cache("HIT", 3), 1);
    assert_int_equal(signals_x_cache("Hit from cloudfront", 19), 1);
    assert_int_equal(signals_x_cache("DB", 2), -1);
    assert_int_equal(signals_x_cache("MISS", 4), -1);
    assert_int_equal(signals_x_cache("EXPIRED", 7), -1);
    assert_int_equal(signals_x_cache("", 0), 0);
    assert_int_equal(signals_x_cache("L3", 2), 0);
    assert_int_equal(signals_x_cache("DBX", 3), 0);
}

static void the_metrics_ratio_counts_reads_no_cache_answered(void **state)
{
    (void)state;
    /* 1000 reads: 800 from L1, 150 from L2, 50 from the store. */
    const char *page = "# TYPE hc_cache_hits_total counter\n"
                       "hc_cache_hits_total{level=\"L1\"} 800\n"
                       "hc_cache_hits_total{level=\"L2\"} 150\n"
                       "# TYPE hc_cache_misses_total counter\n"
                       "hc_cache_misses_total{level=\"L1\"} 200\n"
                       "hc_cache_misses_total{level=\"L2\"} 50\n";
    struct hc_metrics_page *p = NULL;
    assert_true(hc_metrics_parse(page, strlen(page), &p, NULL, 0) > 0);
    double hits, misses;
    assert_int_equal(signals_metrics_counts(p, &hits, &misses), 0);
    assert_true(hits == 950);
    assert_true(misses == 50);
    hc_metrics_page_free(p);
    const char *none = "hc_other_total 3\n";
    assert_true(hc_metrics_parse(none, strlen(none), &p, NULL, 0) > 0);
    assert_int_not_equal(signals_metrics_counts(p, &hits, &misses), 0);
    hc_metrics_page_free(p);
}

static void ratios_and_curves_parse(void **state)
{
    (void)state;
    double v;
    assert_int_equal(signals_parse_ratio("0.95", &v), 0);
    assert_true(v == 0.95);
    assert_int_equal(signals_parse_ratio("1%", &v), 0);
    assert_true(v == 0.01);
    assert_int_equal(signals_parse_ratio("101%", &v), HC_ERANGE);
    assert_int_equal(signals_parse_ratio("lots", &v), HC_ESYNTAX);
    assert_int_equal(signals_parse_ratio("0.5x", &v), HC_ESYNTAX);
    assert_int_equal(signals_parse_curve("linear", &v), 0);
    assert_true(v == 1);
    assert_int_equal(signals_parse_curve("aggression:2.5", &v), 0);
    assert_true(v == 2.5);
    assert_int_equal(signals_parse_curve("aggression:0", &v), HC_ESYNTAX);
    assert_int_equal(signals_parse_curve("aggression:", &v), HC_ESYNTAX);
    assert_int_equal(signals_parse_curve("curvy", &v), HC_ESYNTAX);
}

static void the_ramp_runs_from_the_first_rate_to_the_last(void **state)
{
    (void)state;
    /* Linear: 100, 1325, 2550, 3775, 5000. */
    assert_true(ramp_rate(100, 5000, 0, 5, 1) == 100);
    assert_true(ramp_rate(100, 5000, 2, 5, 1) == 2550);
    assert_true(ramp_rate(100, 5000, 4, 5, 1) == 5000);
    assert_true(ramp_rate(100, 5000, 0, 1, 1) == 5000);
    /* Aggression 2: f^(1/2), half-way is 70.7 % of the climb. */
    double mid = ramp_rate(0, 1000, 2, 5, 2);
    assert_true(mid > 707 && mid < 708);
    /* Every step of an aggressive curve is at or above the linear one. */
    for (unsigned i = 0; i < 10; i++)
        assert_true(ramp_rate(100, 5000, i, 10, 3) >= ramp_rate(100, 5000, i, 10, 1) - 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_window_within_every_goal_is_warm),
        cmocka_unit_test(every_missed_goal_is_named_with_its_value),
        cmocka_unit_test(a_goal_that_is_off_is_not_checked),
        cmocka_unit_test(an_unknown_hit_ratio_misses_its_goal),
        cmocka_unit_test(x_cache_values_read_as_hits_and_misses),
        cmocka_unit_test(the_metrics_ratio_counts_reads_no_cache_answered),
        cmocka_unit_test(ratios_and_curves_parse),
        cmocka_unit_test(the_ramp_runs_from_the_first_rate_to_the_last),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
