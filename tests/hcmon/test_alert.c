/* test_alert.c: alert expressions, their units and their checks (hcmon/alert.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "alert.h"
#include "hc/core.h"

static void expressions_read_figures_operators_and_units(void **state)
{
    (void)state;
    struct alert a;
    char err[200];
    assert_int_equal(alert_parse("p99 > 50ms", ALERT_CRIT, &a, err, sizeof(err)), 0);
    assert_int_equal(a.field, SUMMARY_P99);
    assert_int_equal(a.op, ALERT_GT);
    assert_true(fabs(a.value - 0.05) < 1e-15);
    assert_int_equal(a.level, ALERT_CRIT);
    assert_int_equal(alert_parse("hit_ratio<0.9", ALERT_WARN, &a, err, sizeof(err)), 0);
    assert_int_equal(a.op, ALERT_LT);
    assert_true(a.value == 0.9);
    assert_int_equal(alert_parse("error_ratio >= 1%", ALERT_CRIT, &a, err, sizeof(err)), 0);
    assert_true(a.value == 0.01);
    assert_int_equal(alert_parse("p(99) < 1.5s", ALERT_CRIT, &a, err, sizeof(err)), 0);
    assert_int_equal(a.field, SUMMARY_P99);
    assert_true(a.value == 1.5);
    assert_int_equal(alert_parse("warn: memory > 64MiB", ALERT_CRIT, &a, err, sizeof(err)), 0);
    assert_int_equal(a.level, ALERT_WARN);
    assert_true(a.value == 64.0 * 1024 * 1024);
    assert_int_equal(alert_parse("shards_down === 0", ALERT_CRIT, &a, err, sizeof(err)), 0);
    assert_int_equal(a.op, ALERT_EQ);
    assert_true(a.value == 0);
    assert_int_equal(alert_parse("ops != 10k", ALERT_CRIT, &a, err, sizeof(err)), 0);
    assert_int_equal(a.op, ALERT_NE);
    assert_true(a.value == 10000);
    assert_int_equal(alert_parse("hc_queue_depth >= 1e3", ALERT_CRIT, &a, err, sizeof(err)), 0);
    assert_int_equal(a.field, -1);
    assert_string_equal(a.subject, "hc_queue_depth");
    assert_true(a.value == 1000);
}

static void bad_expressions_are_refused_with_a_reason(void **state)
{
    (void)state;
    static const char *const bad[] = {"",    "p99",      "p99 >",    "p99 ~ 5",
                                      "> 5", "p99 > 5x", "9bad > 1", "p99 > 50 ms"};
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        struct alert a;
        char err[200] = "";
        if (alert_parse(bad[i], ALERT_CRIT, &a, err, sizeof(err)) == 0)
            fail_msg("\"%s\" was accepted", bad[i]);
        assert_true(err[0] != '\0');
    }
}

static void crossing_compares_and_never_fires_on_a_missing_figure(void **state)
{
    (void)state;
    struct alert a;
    char err[200];
    assert_int_equal(alert_parse("p99 > 50ms", ALERT_CRIT, &a, err, sizeof(err)), 0);
    assert_true(alert_crossed(&a, 0.051));
    assert_false(alert_crossed(&a, 0.05));
    assert_false(alert_crossed(&a, NAN));
    struct summary s;
    summary_clear(&s);
    s.v[SUMMARY_P99] = 0.2;
    assert_true(alert_subject_value(&a, &s, NULL, NULL, 0) == 0.2);
}

static void a_metric_subject_is_a_rate_for_counters_and_a_sum_otherwise(void **state)
{
    (void)state;
    const char *ta = "# TYPE x_total counter\nx_total{a=\"1\"} 10\nx_total{a=\"2\"} 10\n"
                     "g{a=\"1\"} 3\ng{a=\"2\"} 4\n";
    const char *tb = "# TYPE x_total counter\nx_total{a=\"1\"} 20\nx_total{a=\"2\"} 30\n"
                     "g{a=\"1\"} 5\ng{a=\"2\"} 4\n";
    struct hc_metrics_page *pa = NULL;
    struct hc_metrics_page *pb = NULL;
    assert_true(hc_metrics_parse(ta, strlen(ta), &pa, NULL, 0) > 0);
    assert_true(hc_metrics_parse(tb, strlen(tb), &pb, NULL, 0) > 0);
    struct rate_index *ix = rate_index_new(pa);
    struct alert a;
    char err[200];
    assert_int_equal(alert_parse("x_total > 1", ALERT_CRIT, &a, err, sizeof(err)), 0);
    assert_true(alert_subject_value(&a, NULL, ix, pb, 10) == 3);
    assert_int_equal(alert_parse("g > 1", ALERT_CRIT, &a, err, sizeof(err)), 0);
    assert_true(alert_subject_value(&a, NULL, ix, pb, 10) == 9);
    assert_int_equal(alert_parse("absent > 1", ALERT_CRIT, &a, err, sizeof(err)), 0);
    assert_true(isnan(alert_subject_value(&a, NULL, ix, pb, 10)));
    rate_index_free(ix);
    hc_metrics_page_free(pa);
    hc_metrics_page_free(pb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expressions_read_figures_operators_and_units),
        cmocka_unit_test(bad_expressions_are_refused_with_a_reason),
        cmocka_unit_test(crossing_compares_and_never_fires_on_a_missing_figure),
        cmocka_unit_test(a_metric_subject_is_a_rate_for_counters_and_a_sum_otherwise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
