/* test_compare.c: tolerances, figures and verdicts of hcload compare and --baseline
 * (hcload/compare.c), on results built from real histograms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "compare.h"
#include "report.h"

/* A result: n responses all at lat_us (corrected and uncorrected), rate, errors and 5xx. */
static json_t *result(int64_t lat_us, int64_t n, double rate, int64_t errors, int64_t bad)
{
    struct hc_hist *h = NULL;
    assert_int_equal(hc_client_stats_new_hist(&h), 0);
    assert_true(hc_hist_record_n(h, lat_us * 1000, n));
    json_t *r = json_pack("{s:i, s:I, s:{s:I}, s:I, s:{s:f}}", "schema_version", 2, "requests",
                          (json_int_t)n, "errors", "total", (json_int_t)errors, "non_2xx_3xx",
                          (json_int_t)bad, "rate", "achieved", rate);
    json_object_set_new(r, "latency_us",
                        json_pack("{s:o, s:o}", "corrected", report_json_latency(h), "uncorrected",
                                  report_json_latency(h)));
    hc_hist_free(h);
    return r;
}

static struct compare_tol one(const char *text)
{
    struct compare_tol t[COMPARE_MAX_TOLERANCES];
    size_t n = 0;
    char err[256];
    if (compare_parse_tolerance(text, t, &n, err, sizeof(err)) != 0)
        fail_msg("%s: %s", text, err);
    assert_int_equal(n, 1);
    return t[0];
}

static void tolerances_parse_as_documented(void **state)
{
    (void)state;
    struct compare_tol t[COMPARE_MAX_TOLERANCES];
    size_t n = 0;
    char err[256];
    assert_int_equal(
        compare_parse_tolerance("p(99):+10%, rate:-5%,error_rate:+1%", t, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 3);
    assert_int_equal(t[0].metric, COMPARE_PCT);
    assert_true(t[0].p == 99 && t[0].sign == 1 && t[0].relative);
    assert_true(t[0].amount > 0.0999 && t[0].amount < 0.1001);
    assert_string_equal(t[0].label, "p(99)");
    assert_int_equal(t[1].metric, COMPARE_RATE);
    assert_true(t[1].sign == -1 && t[1].relative);
    assert_int_equal(t[2].metric, COMPARE_ERROR);
    assert_true(!t[2].relative && t[2].amount > 0.0099 && t[2].amount < 0.0101);
    struct compare_tol d = one("p(99.9):+2ms");
    assert_true(d.p == 99.9 && !d.relative && d.amount == 2000.0);
    assert_int_equal(one("med:+5%").metric, COMPARE_PCT);
    assert_int_equal(one("avg:+5%").metric, COMPARE_AVG);
    assert_int_equal(one("max:+1s").metric, COMPARE_MAX);
}

static void bad_tolerances_say_why(void **state)
{
    (void)state;
    static const struct {
        const char *text, *words;
    } bad[] = {
        {"p(99):10%", "needs a sign"},      {"p(99)", "expected METRIC"},
        {"p(0):+1%", "0 < N <= 100"},       {"p(101):+1%", "0 < N <= 100"},
        {"speed:+1%", "unknown figure"},    {"rate:+2ms", "expected a percentage"},
        {"p(99):+x%", "not a percentage"},  {"p(99):+10%,", "empty"},
        {"p(99):+-5%", "not a percentage"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct compare_tol t[COMPARE_MAX_TOLERANCES];
        size_t n;
        char err[256] = "";
        assert_int_equal(compare_parse_tolerance(bad[i].text, t, &n, err, sizeof(err)), HC_ESYNTAX);
        if (strstr(err, bad[i].words) == NULL)
            fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].text, err, bad[i].words);
    }
}

static void figures_come_from_the_histogram(void **state)
{
    (void)state;
    json_t *r = result(1500, 100, 250.0, 5, 15);
    double v = 0;
    struct compare_tol p = one("p(97.5):+1%");
    assert_true(compare_value(r, "total", &p, &v));
    assert_true(v >= 1500 && v < 1502); /* the highest equivalent of 1.5 ms at 3 digits */
    struct compare_tol rate = one("rate:-1%");
    assert_true(compare_value(r, "total", &rate, &v));
    assert_true(v == 250.0);
    struct compare_tol err = one("error_rate:+1%");
    assert_true(compare_value(r, "total", &err, &v));
    assert_true(v > 0.1904 && v < 0.1906); /* (5 + 15) / (100 + 5) */
    assert_false(compare_value(r, "nosuchname", &rate, &v));
    json_decref(r);
}

/* Verdict of current (p99 at cur_us) against baselines at the given p99s, tolerance tol. */
static size_t verdict(const char *tol, const int64_t *base_us, size_t nbase, int64_t cur_us,
                      double base_rate, double cur_rate, char *words)
{
    json_t *b[8];
    for (size_t i = 0; i < nbase; i++)
        b[i] = result(base_us[i], 1000, base_rate, 0, 0);
    json_t *c = result(cur_us, 1000, cur_rate, 0, 0);
    struct compare_tol t[COMPARE_MAX_TOLERANCES];
    size_t n;
    char err[256];
    assert_int_equal(compare_parse_tolerance(tol, t, &n, err, sizeof(err)), 0);
    struct hc_buf out;
    hc_buf_init(&out, 0);
    size_t bad = compare_table(b, nbase, c, t, n, &out, words, 256);
    assert_non_null(strstr(hc_buf_cstr(&out), "p(99.9)")); /* the fixed rows are there */
    hc_buf_destroy(&out);
    for (size_t i = 0; i < nbase; i++)
        json_decref(b[i]);
    json_decref(c);
    return bad;
}

static void a_run_fails_only_outside_the_baselines_spread_widened_by_the_tolerance(void **state)
{
    (void)state;
    char words[256];
    const int64_t spread[] = {10000, 12000, 11000};
    /* 13 ms is above every baseline but within 12 ms + 10 %. */
    assert_int_equal(verdict("p(99):+10%", spread, 3, 13000, 100, 100, words), 0);
    /* 13.5 ms leaves it. */
    assert_int_equal(verdict("p(99):+10%", spread, 3, 13500, 100, 100, words), 1);
    assert_non_null(strstr(words, "total p(99)"));
    /* Against the first baseline alone, 13 ms is a regression. */
    assert_int_equal(verdict("p(99):+10%", spread, 1, 13000, 100, 100, words), 1);
    /* An absolute allowance. */
    assert_int_equal(verdict("p(99):+3ms", spread, 3, 14900, 100, 100, words), 0);
    assert_int_equal(verdict("p(99):+3ms", spread, 3, 15200, 100, 100, words), 1);
    /* Lower is worse: the rate may fall 5 % below the lowest baseline. */
    assert_int_equal(verdict("rate:-5%", spread, 3, 10000, 1000, 951, words), 0);
    assert_int_equal(verdict("rate:-5%", spread, 3, 10000, 1000, 949, words), 1);
    assert_non_null(strstr(words, "total rate"));
    /* A figure the tolerance does not name never fails the gate. */
    assert_int_equal(verdict("rate:-5%", spread, 3, 90000, 1000, 1000, words), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tolerances_parse_as_documented),
        cmocka_unit_test(bad_tolerances_say_why),
        cmocka_unit_test(figures_come_from_the_histogram),
        cmocka_unit_test(a_run_fails_only_outside_the_baselines_spread_widened_by_the_tolerance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
