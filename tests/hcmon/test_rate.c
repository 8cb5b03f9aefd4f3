/* test_rate.c: counter increases with resets, series matching and interval quantiles
 * (hcmon/rate.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "hc/metrics.h"
#include "rate.h"

static struct hc_metrics_page *page(const char *text)
{
    struct hc_metrics_page *p = NULL;
    char err[200];
    int rc = hc_metrics_parse(text, strlen(text), &p, err, sizeof(err));
    if (rc < 0)
        fail_msg("fixture does not parse: %s", err);
    return p;
}

static void an_increase_is_the_difference_or_the_new_value_after_a_reset(void **state)
{
    (void)state;
    assert_true(rate_increase(10, 25) == 15);
    assert_true(rate_increase(10, 10) == 0);
    assert_true(rate_increase(100, 7) == 7);
    assert_true(isnan(rate_increase(NAN, 1)));
}

static void series_match_whatever_the_label_order(void **state)
{
    (void)state;
    struct hc_metrics_page *a = page("x_total{a=\"1\",b=\"2\"} 5\nx_total{a=\"1\",b=\"3\"} 6\n");
    struct hc_metrics_page *b = page("x_total{b=\"2\",a=\"1\"} 9\n");
    struct rate_index *ix = rate_index_new(a);
    const struct hc_metrics_sample *s = rate_index_find(ix, &b->samples[0]);
    assert_non_null(s);
    assert_true(s->value == 5);
    assert_ptr_equal(rate_index_page(ix), a);
    rate_index_free(ix);
    hc_metrics_page_free(a);
    hc_metrics_page_free(b);
}

static void a_family_rate_sums_series_and_handles_one_reset(void **state)
{
    (void)state;
    struct hc_metrics_page *a = page("# TYPE r_total counter\n"
                                     "r_total{code=\"200\"} 100\n"
                                     "r_total{code=\"500\"} 50\n");
    /* code 500 was reset (50 -> 4); code 404 is new (counts from zero). */
    struct hc_metrics_page *b = page("# TYPE r_total counter\n"
                                     "r_total{code=\"200\"} 130\n"
                                     "r_total{code=\"500\"} 4\n"
                                     "r_total{code=\"404\"} 2\n");
    struct rate_index *ix = rate_index_new(a);
    assert_true(rate_family_increase(ix, b, "r_total", NULL) == 30 + 4 + 2);
    const char *m[] = {"code", "200", NULL};
    assert_true(rate_family_rate(ix, b, "r_total", m, 2.0) == 15);
    assert_true(isnan(rate_family_rate(NULL, b, "r_total", NULL, 1.0)));
    assert_true(isnan(rate_family_rate(ix, b, "r_total", NULL, 0)));
    assert_true(rate_family_increase(ix, b, "absent_total", NULL) == 0);
    rate_index_free(ix);
    hc_metrics_page_free(a);
    hc_metrics_page_free(b);
}

static const char *const hist_a = "# TYPE d histogram\n"
                                  "d_bucket{le=\"0.1\"} 10\n"
                                  "d_bucket{le=\"1\"} 20\n"
                                  "d_bucket{le=\"+Inf\"} 20\n"
                                  "d_sum 5\nd_count 20\n";
static const char *const hist_b = "# TYPE d histogram\n"
                                  "d_bucket{le=\"0.1\"} 10\n"
                                  "d_bucket{le=\"1\"} 40\n"
                                  "d_bucket{le=\"+Inf\"} 40\n"
                                  "d_sum 15\nd_count 40\n";

static void an_interval_quantile_uses_the_difference_of_the_buckets(void **state)
{
    (void)state;
    struct hc_metrics_page *a = page(hist_a);
    struct hc_metrics_page *b = page(hist_b);
    struct rate_index *ix = rate_index_new(a);
    double n = 0;
    /* The interval saw 20 observations, all in (0.1, 1]: the median is 0.55. */
    double q = rate_quantile(ix, b, "d", NULL, 0.5, &n);
    assert_true(n == 20);
    assert_true(fabs(q - 0.55) < 1e-12);
    double bounds[] = {0.1, 1, INFINITY};
    double counts[] = {0, 20, 20};
    assert_true(q == hc_metrics_bucket_quantile(0.5, bounds, counts, 3));
    /* Without an earlier page: the cumulative buckets (10 of 40 below 0.1). */
    q = rate_quantile(NULL, b, "d", NULL, 0.5, &n);
    assert_true(n == 40);
    assert_true(q == hc_metrics_page_quantile(b, "d", NULL, 0.5));
    rate_index_free(ix);
    hc_metrics_page_free(a);
    hc_metrics_page_free(b);
}

static void an_interval_without_observations_has_no_quantile(void **state)
{
    (void)state;
    struct hc_metrics_page *a = page(hist_b);
    struct hc_metrics_page *b = page(hist_b);
    struct rate_index *ix = rate_index_new(a);
    double n = -1;
    assert_true(isnan(rate_quantile(ix, b, "d", NULL, 0.99, &n)));
    assert_true(n == 0);
    assert_true(isnan(rate_quantile(ix, b, "nothing", NULL, 0.99, &n)));
    rate_index_free(ix);
    hc_metrics_page_free(a);
    hc_metrics_page_free(b);
}

static void a_histogram_reset_falls_back_to_the_new_buckets(void **state)
{
    (void)state;
    struct hc_metrics_page *a = page(hist_b);
    struct hc_metrics_page *b = page(hist_a);
    struct rate_index *ix = rate_index_new(a);
    double n = 0;
    double q = rate_quantile(ix, b, "d", NULL, 0.5, &n);
    assert_true(n == 20);
    assert_true(q == hc_metrics_page_quantile(b, "d", NULL, 0.5));
    rate_index_free(ix);
    hc_metrics_page_free(a);
    hc_metrics_page_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_increase_is_the_difference_or_the_new_value_after_a_reset),
        cmocka_unit_test(series_match_whatever_the_label_order),
        cmocka_unit_test(a_family_rate_sums_series_and_handles_one_reset),
        cmocka_unit_test(an_interval_quantile_uses_the_difference_of_the_buckets),
        cmocka_unit_test(an_interval_without_observations_has_no_quantile),
        cmocka_unit_test(a_histogram_reset_falls_back_to_the_new_buckets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
