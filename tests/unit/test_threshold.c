/* test_threshold.c: k6-style thresholds of common/threshold.c (parse, compare, format). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "hc/core.h"
#include "hc/threshold.h"

static struct hc_threshold parse_ok(const char *metric, const char *expr)
{
    struct hc_threshold t;
    char err[256] = "";
    int rc = hc_threshold_parse(metric, expr, &t, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s: %s: %d %s", metric, expr, rc, err);
    return t;
}

static void k6_expressions_parse_into_aggregation_operator_and_value(void **state)
{
    (void)state;
    struct hc_threshold t = parse_ok("http_req_duration", "p(95)<200");
    assert_int_equal(t.kind, HC_THRESHOLD_TREND);
    assert_int_equal(t.agg, HC_THRESHOLD_PCT);
    assert_true(t.pct == 95.0);
    assert_int_equal(t.op, HC_THRESHOLD_LT);
    assert_true(t.value == 200.0);
    assert_string_equal(t.text, "http_req_duration: p(95)<200");

    t = parse_ok("http_req_duration", " p(99.9) <= 1.5s ");
    assert_true(t.pct == 99.9);
    assert_int_equal(t.op, HC_THRESHOLD_LE);
    assert_true(t.value == 1500.0);

    t = parse_ok("http_req_duration_uncorrected", "avg<50ms");
    assert_int_equal(t.agg, HC_THRESHOLD_AVG);
    assert_true(t.value == 50.0);
    t = parse_ok("iteration_duration", "med>=250us");
    assert_int_equal(t.agg, HC_THRESHOLD_MED);
    assert_int_equal(t.op, HC_THRESHOLD_GE);
    assert_true(fabs(t.value - 0.25) < 1e-12);
    t = parse_ok("http_req_duration", "max===0.5");
    assert_int_equal(t.op, HC_THRESHOLD_EQ);
    assert_true(t.value == 0.5);
    t = parse_ok("http_req_duration", "min!=0");
    assert_int_equal(t.op, HC_THRESHOLD_NE);

    t = parse_ok("http_req_failed", "rate<0.01");
    assert_int_equal(t.kind, HC_THRESHOLD_RATE);
    assert_int_equal(t.agg, HC_THRESHOLD_RATE_OF);
    assert_true(t.value == 0.01);
    t = parse_ok("checks", "rate>99%");
    assert_true(fabs(t.value - 0.99) < 1e-12);
    assert_int_equal(t.op, HC_THRESHOLD_GT);

    t = parse_ok("http_reqs", "count>1000");
    assert_int_equal(t.kind, HC_THRESHOLD_COUNTER);
    assert_int_equal(t.agg, HC_THRESHOLD_COUNT);
    assert_true(t.value == 1000.0);
    t = parse_ok("data_received", "rate>1e6");
    assert_int_equal(t.agg, HC_THRESHOLD_RATE_OF);
    assert_true(t.value == 1e6);
}

static void sub_metrics_keep_their_tags_sorted_by_key(void **state)
{
    (void)state;
    struct hc_threshold t = parse_ok("http_req_duration{status:201, name:create}", "p(99)<50");
    assert_string_equal(t.metric, "http_req_duration");
    assert_int_equal(t.ntags, 2);
    assert_string_equal(t.tags[0].key, "name");
    assert_string_equal(t.tags[0].value, "create");
    assert_string_equal(t.tags[1].key, "status");
    assert_string_equal(t.tags[1].value, "201");
    assert_string_equal(hc_threshold_tag(&t, "status"), "201");
    assert_null(hc_threshold_tag(&t, "flow"));
    t = parse_ok("iteration_duration{flow:buy}", "p(90)<1s");
    assert_string_equal(hc_threshold_tag(&t, "flow"), "buy");
}

static void the_command_line_form_splits_at_the_colon_outside_braces(void **state)
{
    (void)state;
    struct hc_threshold t;
    char err[256];
    assert_int_equal(
        hc_threshold_parse_cli("http_req_duration{name:create}: p(99)<50ms", &t, err, sizeof(err)),
        0);
    assert_string_equal(t.metric, "http_req_duration");
    assert_string_equal(hc_threshold_tag(&t, "name"), "create");
    assert_true(t.value == 50.0);
    assert_string_equal(t.text, "http_req_duration{name:create}: p(99)<50ms");
    assert_int_equal(hc_threshold_parse_cli("http_req_failed:rate<0.1", &t, err, sizeof(err)), 0);
    assert_true(t.value == 0.1);
    assert_int_equal(hc_threshold_parse_cli("p(99)<50", &t, err, sizeof(err)), HC_ESYNTAX);
    assert_non_null(strstr(err, "METRIC: EXPRESSION"));
}

static void bad_thresholds_say_what_is_wrong(void **state)
{
    (void)state;
    static const struct {
        const char *metric, *expr;
        int rc;
        const char *says;
    } bad[] = {
        {"http_req_duratoin", "p(95)<200", HC_EUNKNOWN, "did you mean http_req_duration?"},
        {"latency", "p(95)<200", HC_EUNKNOWN, "known: http_req_duration"},
        {"", "p(95)<200", HC_ESYNTAX, "needs a metric name"},
        {"http_req_duration", "", HC_ESYNTAX, "empty expression"},
        {"http_req_duration", "p(101)<200", HC_ERANGE, "at most 100"},
        {"http_req_duration", "p(0)<200", HC_ERANGE, "above 0"},
        {"http_req_duration", "p(x)<200", HC_ESYNTAX, "a percentile is a number"},
        {"http_req_duration", "p(99<200", HC_ESYNTAX, "p(N)"},
        {"http_req_duration", "rate<0.1", HC_ESYNTAX, "a trend: its aggregations are avg"},
        {"http_req_failed", "p(99)<0.1", HC_ESYNTAX, "a rate: its aggregations are rate"},
        {"http_reqs", "avg<5", HC_ESYNTAX, "a counter: its aggregations are count or rate"},
        {"http_req_duration", "mean<5", HC_EUNKNOWN, "an aggregation is avg"},
        {"http_req_duration", "p(95)=<200", HC_ESYNTAX, "expected a comparison"},
        {"http_req_duration", "p(95)<", HC_ESYNTAX, "expected a value"},
        {"http_req_duration", "p(95)<fast", HC_ESYNTAX, "a duration like 200 (ms)"},
        {"http_req_duration", "p(95)<5parsecs", HC_EUNKNOWN, "a duration like"},
        {"http_req_duration", "p(95)<200 ms", HC_ESYNTAX, "a duration like"},
        {"http_req_failed", "rate<1.5", HC_ERANGE, "a share from 0 to 1"},
        {"http_req_failed", "rate<0.1/s", HC_ESYNTAX, "expected a number"},
        {"http_reqs", "count>10k", HC_ESYNTAX, "expected a number"},
        {"http_req_duration{name:a", "p(95)<200", HC_ESYNTAX, "end with a single '}'"},
        {"http_req_duration{name}", "p(95)<200", HC_ESYNTAX, "key:value"},
        {"http_req_duration{stauts:a}", "p(95)<200", HC_EUNKNOWN, "did you mean status?"},
        {"http_req_duration{nmae:a}", "p(95)<200", HC_EUNKNOWN, "known: name, status"},
        {"http_req_duration{name:a,name:b}", "p(95)<200", HC_ESYNTAX, "given twice"},
        {"http_req_duration{}", "p(95)<200", HC_ESYNTAX, "empty braces"},
        {"http_req_duration{name:a,}", "p(95)<200", HC_ESYNTAX, "no tag after it"},
        {"http_req_duration{name:}", "p(95)<200", HC_ESYNTAX, "1 to 63 bytes"},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        struct hc_threshold t;
        char err[256] = "";
        int rc = hc_threshold_parse(bad[i].metric, bad[i].expr, &t, err, sizeof(err));
        if (rc != bad[i].rc || strstr(err, bad[i].says) == NULL)
            fail_msg("%s: %s: got %d \"%s\", want %d \"...%s...\"", bad[i].metric, bad[i].expr, rc,
                     err, bad[i].rc, bad[i].says);
    }
}

static void comparisons_follow_their_operator_and_nan_fails(void **state)
{
    (void)state;
    struct hc_threshold t = parse_ok("http_req_duration", "p(99)<50");
    assert_true(hc_threshold_passes(&t, 49.999));
    assert_false(hc_threshold_passes(&t, 50));
    assert_false(hc_threshold_passes(&t, NAN));
    t = parse_ok("http_req_duration", "p(99)<=50");
    assert_true(hc_threshold_passes(&t, 50));
    assert_false(hc_threshold_passes(&t, 50.001));
    t = parse_ok("http_reqs", "count>1000");
    assert_false(hc_threshold_passes(&t, 1000));
    assert_true(hc_threshold_passes(&t, 1001));
    t = parse_ok("http_reqs", "count>=1000");
    assert_true(hc_threshold_passes(&t, 1000));
    t = parse_ok("checks", "rate==1");
    assert_true(hc_threshold_passes(&t, 1));
    assert_false(hc_threshold_passes(&t, 0.999));
    t = parse_ok("checks", "rate!=0");
    assert_true(hc_threshold_passes(&t, 0.5));
    assert_false(hc_threshold_passes(&t, 0));
}

static void values_format_in_the_metrics_unit(void **state)
{
    (void)state;
    char buf[32];
    struct hc_threshold t = parse_ok("http_req_duration", "p(99)<50");
    assert_true(hc_threshold_format_value(&t, 48.2, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "48.2ms");
    t = parse_ok("http_req_failed", "rate<0.01");
    hc_threshold_format_value(&t, 0.0031, buf, sizeof(buf));
    assert_string_equal(buf, "0.0031");
    t = parse_ok("http_reqs", "count>1");
    hc_threshold_format_value(&t, 1520, buf, sizeof(buf));
    assert_string_equal(buf, "1520");
    assert_int_equal(hc_threshold_format_value(&t, 1520, buf, 3), HC_ETOOLARGE);
    assert_string_equal(buf, "");
}

static void every_known_metric_has_a_kind_and_others_none(void **state)
{
    (void)state;
    enum hc_threshold_kind k;
    assert_int_equal(hc_threshold_metric_kind("data_sent", &k), 0);
    assert_int_equal(k, HC_THRESHOLD_COUNTER);
    assert_int_equal(hc_threshold_metric_kind("checks", &k), 0);
    assert_int_equal(k, HC_THRESHOLD_RATE);
    assert_int_equal(hc_threshold_metric_kind("vus", &k), HC_EUNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(k6_expressions_parse_into_aggregation_operator_and_value),
        cmocka_unit_test(sub_metrics_keep_their_tags_sorted_by_key),
        cmocka_unit_test(the_command_line_form_splits_at_the_colon_outside_braces),
        cmocka_unit_test(bad_thresholds_say_what_is_wrong),
        cmocka_unit_test(comparisons_follow_their_operator_and_nan_fails),
        cmocka_unit_test(values_format_in_the_metrics_unit),
        cmocka_unit_test(every_known_metric_has_a_kind_and_others_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
