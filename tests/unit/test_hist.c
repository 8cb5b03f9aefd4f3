/* test_hist.c: the HDR histogram of common/hist.c: layout, recording, statistics, merge,
 * iteration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hc/hist.h"

#define HOUR_NS (3600LL * 1000 * 1000 * 1000)
#define SAMPLES 200000

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    /* xorshift64*: a fixed-seed stream, so every run checks the same samples */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static double rng_unit(void)
{
    return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

enum dist { UNIFORM, EXPONENTIAL, PARETO, BIMODAL };

static int64_t sample(enum dist d)
{
    switch (d) {
    case UNIFORM:
        return 1 + (int64_t)(rng_next() % 1000000000ULL);
    case EXPONENTIAL:
        return (int64_t)(-log(rng_unit()) * 1e6);
    case PARETO:
        /* heavy tail: 100 us scale, alpha 1.2, capped at an hour */
        return (int64_t)fmin(1e5 / pow(rng_unit(), 1.0 / 1.2), (double)HOUR_NS);
    default:
        return rng_next() % 10 == 0 ? 200000000 + (int64_t)(rng_next() % 50000000)
                                    : 300000 + (int64_t)(rng_next() % 100000);
    }
}

static void check_against_exact_sort(enum dist d, int sigfigs)
{
    struct hc_hist *h;
    assert_int_equal(hc_hist_new(1, HOUR_NS, sigfigs, &h), 0);
    int64_t *v = malloc(SAMPLES * sizeof(*v));
    rng_state = 0x9E3779B97F4A7C15ULL + (uint64_t)d;
    double sum = 0.0;
    for (int i = 0; i < SAMPLES; i++) {
        v[i] = sample(d);
        sum += (double)v[i];
        assert_true(hc_hist_record(h, v[i]));
    }
    qsort(v, SAMPLES, sizeof(*v), cmp_i64);
    assert_int_equal(hc_hist_total_count(h), SAMPLES);

    static const double ps[] = {0.0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100};
    for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
        double p = ps[k];
        /* rank ceil(p% of N), p taken one ulp down as HdrHistogram does, so 99.9% of 200000
         * is rank 199800 even though 99.9 / 100 * 200000 rounds to 199800.00000000003 */
        int64_t rank = (int64_t)ceil(nextafter(p, -INFINITY) / 100.0 * SAMPLES);
        if (rank < 1)
            rank = 1;
        int64_t exact = v[rank - 1];
        int64_t got = hc_hist_value_at_percentile(h, p);
        /* equivalent: same bucket as the exact order statistic */
        assert_int_equal(hc_hist_lowest_equivalent(h, got), hc_hist_lowest_equivalent(h, exact));
        if (p > 0)
            assert_int_equal(got, hc_hist_highest_equivalent(h, exact));
        /* and within the stated precision */
        assert_true(llabs(got - exact) <= (int64_t)((double)exact / pow(10, sigfigs - 0.3)) + 1);
    }
    assert_int_equal(hc_hist_min(h), hc_hist_lowest_equivalent(h, v[0]));
    assert_int_equal(hc_hist_max(h), hc_hist_highest_equivalent(h, v[SAMPLES - 1]));
    assert_int_equal(hc_hist_value_at_percentile(h, 0), hc_hist_min(h));
    assert_int_equal(hc_hist_value_at_percentile(h, 100), hc_hist_max(h));

    double mean = sum / SAMPLES;
    double var = 0.0;
    for (int i = 0; i < SAMPLES; i++)
        var += ((double)v[i] - mean) * ((double)v[i] - mean);
    double sd = sqrt(var / SAMPLES);
    double tol = sqrt(mean * mean + sd * sd) / pow(10, sigfigs - 0.3) + 1.0;
    assert_true(fabs(hc_hist_mean(h) - mean) <= tol);
    assert_true(fabs(hc_hist_stddev(h) - sd) <= tol);
    free(v);
    hc_hist_free(h);
}

static void percentiles_match_an_exact_sort_for_uniform_values(void **state)
{
    (void)state;
    check_against_exact_sort(UNIFORM, 3);
}

static void percentiles_match_an_exact_sort_for_exponential_values(void **state)
{
    (void)state;
    check_against_exact_sort(EXPONENTIAL, 3);
    check_against_exact_sort(EXPONENTIAL, 2);
}

static void percentiles_match_an_exact_sort_for_heavy_tailed_values(void **state)
{
    (void)state;
    check_against_exact_sort(PARETO, 3);
    check_against_exact_sort(PARETO, 5);
}

static void percentiles_match_an_exact_sort_for_bimodal_values(void **state)
{
    (void)state;
    check_against_exact_sort(BIMODAL, 4);
    check_against_exact_sort(BIMODAL, 1);
}

static void layout_matches_hdrhistogram_for_the_usual_configuration(void **state)
{
    (void)state;
    struct hc_hist *h;
    /* HdrHistogram reports Buckets = 32, SubBuckets = 2048 for (1, 3.6e12, 3) */
    assert_int_equal(hc_hist_new(1, HOUR_NS, 3, &h), 0);
    assert_int_equal(h->bucket_count, 32);
    assert_int_equal(h->sub_count, 2048);
    assert_int_equal(h->counts_len, 33 * 1024);
    assert_int_equal(hc_hist_counts_len(1, HOUR_NS, 3), 33 * 1024);
    /* unit resolution below 2048, then widths double per bucket */
    assert_int_equal(hc_hist_equivalent_range(h, 2047), 1);
    assert_int_equal(hc_hist_equivalent_range(h, 2048), 2);
    assert_int_equal(hc_hist_equivalent_range(h, 10000), 8);
    assert_int_equal(hc_hist_lowest_equivalent(h, 10007), 10000);
    assert_int_equal(hc_hist_highest_equivalent(h, 10000), 10007);
    assert_int_equal(hc_hist_median_equivalent(h, 10001), 10004);
    assert_int_equal(hc_hist_next_non_equivalent(h, 10000), 10008);
    hc_hist_free(h);
}

static void bad_arguments_are_refused(void **state)
{
    (void)state;
    struct hc_hist *h = NULL;
    assert_int_equal(hc_hist_new(0, 1000, 3, &h), -EINVAL);
    assert_int_equal(hc_hist_new(1, 1000, 0, &h), -EINVAL);
    assert_int_equal(hc_hist_new(1, 1000, 6, &h), -EINVAL);
    assert_int_equal(hc_hist_new(600, 1000, 3, &h), -EINVAL);
    assert_int_equal(hc_hist_new(INT64_MAX / 2, INT64_MAX, 5, &h), -EINVAL);
    assert_null(h);
    /* the widest range HdrHistogram supports works */
    assert_int_equal(hc_hist_new(1, INT64_MAX, 3, &h), 0);
    assert_true(hc_hist_record(h, INT64_MAX));
    assert_int_equal(hc_hist_max(h), INT64_MAX);
    assert_int_equal(hc_hist_value_at_percentile(h, 50), INT64_MAX);
    hc_hist_free(h);
    hc_hist_free(NULL);
}

static void out_of_range_values_are_refused_and_tallied(void **state)
{
    (void)state;
    struct hc_hist *h;
    assert_int_equal(hc_hist_new(1, 1000000, 3, &h), 0);
    assert_false(hc_hist_record(h, -1));
    assert_false(hc_hist_record(h, 10000000));
    assert_false(hc_hist_record_n(h, INT64_MAX, 5));
    assert_true(hc_hist_record(h, 1000000));
    assert_true(hc_hist_record(h, 0));
    assert_int_equal(hc_hist_total_count(h), 2);
    assert_int_equal(h->out_of_range, 7);
    assert_int_equal(hc_hist_min(h), 0);
    assert_int_equal(hc_hist_max(h), hc_hist_highest_equivalent(h, 1000000));
    hc_hist_free(h);
}

static void record_corrected_adds_the_missing_values(void **state)
{
    (void)state;
    struct hc_hist *h;
    assert_int_equal(hc_hist_new(1, 1000000, 3, &h), 0);
    /* 1000 with interval 100: 1000, 900, ..., 100 (ten values) */
    assert_true(hc_hist_record_corrected(h, 1000, 100));
    assert_int_equal(hc_hist_total_count(h), 10);
    for (int64_t v = 100; v <= 1000; v += 100)
        assert_int_equal(hc_hist_count_at(h, v), 1);
    assert_int_equal(hc_hist_count_at(h, 50), 0);
    assert_int_equal(hc_hist_min(h), 100);
    assert_int_equal(hc_hist_value_at_percentile(h, 50), 500);
    /* below the interval, or no interval: only the value itself */
    assert_true(hc_hist_record_corrected(h, 50, 100));
    assert_true(hc_hist_record_corrected(h, 5000, 0));
    assert_int_equal(hc_hist_total_count(h), 12);
    /* exactly twice the interval adds one value (>= interval, as HdrHistogram) */
    hc_hist_reset(h);
    assert_true(hc_hist_record_corrected(h, 200, 100));
    assert_int_equal(hc_hist_total_count(h), 2);
    assert_int_equal(hc_hist_count_at(h, 100), 1);
    assert_false(hc_hist_record_corrected(h, 2000000, 100));
    assert_int_equal(hc_hist_total_count(h), 2);
    hc_hist_free(h);
}

static void record_corrected_equals_recording_each_missing_value(void **state)
{
    (void)state;
    struct hc_hist *fast;
    struct hc_hist *slow;
    assert_int_equal(hc_hist_new(1, HOUR_NS, 3, &fast), 0);
    assert_int_equal(hc_hist_new(1, HOUR_NS, 3, &slow), 0);
    static const int64_t cases[][2] = {{123457, 7}, {999999, 1000}, {5000000, 3}, {4096, 1}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        int64_t v = cases[c][0];
        int64_t iv = cases[c][1];
        hc_hist_record_corrected(fast, v, iv);
        hc_hist_record(slow, v);
        for (int64_t m = v - iv; m >= iv; m -= iv)
            hc_hist_record(slow, m);
    }
    assert_int_equal(fast->total_count, slow->total_count);
    assert_memory_equal(fast->counts, slow->counts, (size_t)fast->counts_len * sizeof(int64_t));
    assert_int_equal(hc_hist_min(fast), hc_hist_min(slow));
    /* a one-hour stall corrected at 1 ns interval stays fast: 3.6e12 values, few records */
    hc_hist_reset(fast);
    assert_true(hc_hist_record_corrected(fast, HOUR_NS, 1));
    assert_int_equal(hc_hist_total_count(fast), HOUR_NS);
    assert_int_equal(hc_hist_count_at(fast, 1), 1);
    assert_int_equal(hc_hist_min(fast), 1);
    hc_hist_free(fast);
    hc_hist_free(slow);
}

static void add_equals_recording_into_one_histogram(void **state)
{
    (void)state;
    struct hc_hist *a;
    struct hc_hist *b;
    struct hc_hist *all;
    assert_int_equal(hc_hist_new(1, HOUR_NS, 3, &a), 0);
    assert_int_equal(hc_hist_new(1, 10000000, 3, &b), 0); /* smaller range, same layout */
    assert_int_equal(hc_hist_new(1, HOUR_NS, 3, &all), 0);
    rng_state = 42;
    for (int i = 0; i < 50000; i++) {
        int64_t v = sample(EXPONENTIAL);
        hc_hist_record(i % 2 ? a : b, v);
        hc_hist_record(all, v);
    }
    assert_int_equal(hc_hist_add(a, b), 0);
    assert_int_equal(a->total_count, all->total_count);
    assert_memory_equal(a->counts, all->counts, (size_t)a->counts_len * sizeof(int64_t));
    assert_int_equal(hc_hist_min(a), hc_hist_min(all));
    assert_int_equal(hc_hist_max(a), hc_hist_max(all));
    assert_int_equal(hc_hist_value_at_percentile(a, 99.9), hc_hist_value_at_percentile(all, 99.9));
    hc_hist_free(a);
    hc_hist_free(b);
    hc_hist_free(all);
}

static void add_across_layouts_equals_recording_at_the_coarser_precision(void **state)
{
    (void)state;
    struct hc_hist *fine;
    struct hc_hist *coarse;
    struct hc_hist *direct;
    assert_int_equal(hc_hist_new(1, HOUR_NS, 4, &fine), 0);
    assert_int_equal(hc_hist_new(1000, HOUR_NS, 2, &coarse), 0);
    assert_int_equal(hc_hist_new(1000, HOUR_NS, 2, &direct), 0);
    assert_false(hc_hist_same_layout(fine, coarse));
    rng_state = 7;
    for (int i = 0; i < 50000; i++) {
        int64_t v = sample(PARETO);
        hc_hist_record(fine, v);
        hc_hist_record(direct, v);
    }
    assert_int_equal(hc_hist_add(coarse, fine), 0);
    assert_int_equal(coarse->total_count, direct->total_count);
    assert_memory_equal(coarse->counts, direct->counts,
                        (size_t)coarse->counts_len * sizeof(int64_t));
    assert_int_equal(hc_hist_max(coarse), hc_hist_max(direct));
    hc_hist_free(fine);
    hc_hist_free(coarse);
    hc_hist_free(direct);
}

static void add_reports_values_beyond_the_destination(void **state)
{
    (void)state;
    struct hc_hist *small;
    struct hc_hist *big;
    assert_int_equal(hc_hist_new(1, 100000, 3, &small), 0);
    assert_int_equal(hc_hist_new(1, HOUR_NS, 3, &big), 0);
    hc_hist_record_n(big, 5000, 3);
    hc_hist_record_n(big, 50000000, 4);
    assert_int_equal(hc_hist_add(small, big), 4);
    assert_int_equal(hc_hist_total_count(small), 3);
    assert_int_equal(hc_hist_max(small), 5003);
    /* different layouts drop the same way */
    struct hc_hist *other;
    assert_int_equal(hc_hist_new(10, 100000, 2, &other), 0);
    assert_int_equal(hc_hist_add(other, big), 4);
    assert_int_equal(hc_hist_total_count(other), 3);
    hc_hist_free(small);
    hc_hist_free(big);
    hc_hist_free(other);
}

static void reset_empties_everything(void **state)
{
    (void)state;
    struct hc_hist *h;
    assert_int_equal(hc_hist_new(1, HOUR_NS, 3, &h), 0);
    hc_hist_record_n(h, 12345, 10);
    hc_hist_record(h, -5);
    hc_hist_reset(h);
    assert_int_equal(hc_hist_total_count(h), 0);
    assert_int_equal(h->out_of_range, 0);
    assert_int_equal(hc_hist_count_at(h, 12345), 0);
    assert_int_equal(hc_hist_min(h), 0);
    assert_int_equal(hc_hist_max(h), 0);
    assert_int_equal(hc_hist_value_at_percentile(h, 50), 0);
    assert_true(hc_hist_mean(h) == 0.0);
    hc_hist_record(h, 777);
    assert_int_equal(hc_hist_min(h), 777);
    assert_int_equal(hc_hist_max(h), 777);
    hc_hist_free(h);
}

static void recorded_iterator_visits_each_non_empty_bucket(void **state)
{
    (void)state;
    struct hc_hist *h;
    assert_int_equal(hc_hist_new(1, HOUR_NS, 3, &h), 0);
    hc_hist_record_n(h, 10, 2);
    hc_hist_record_n(h, 1000000, 3);
    hc_hist_record(h, 5);
    struct hc_hist_iter it;
    hc_hist_iter_recorded(&it, h);
    static const int64_t values[] = {5, 10, 1000447};
    static const int64_t counts[] = {1, 2, 3};
    int n = 0;
    while (hc_hist_iter_next(&it)) {
        assert_true(n < 3);
        assert_int_equal(it.value, values[n]);
        assert_int_equal(it.count_at_value, counts[n]);
        assert_int_equal(it.count_added, counts[n]);
        n++;
    }
    assert_int_equal(n, 3);
    assert_int_equal(it.count_to_value, 6);
    assert_true(it.percentile == 100.0);
    hc_hist_free(h);
}

static void percentile_iterator_steps_like_hdrhistogram(void **state)
{
    (void)state;
    struct hc_hist *h;
    assert_int_equal(hc_hist_new(1, HOUR_NS, 3, &h), 0);
    for (int64_t v = 1; v <= 100; v++)
        hc_hist_record(h, v);
    struct hc_hist_iter it;
    hc_hist_iter_percentiles(&it, h, 5);
    /* five ticks of 10% up to 50%, then 5% to 75%, 2.5% to 87.5%, ... then a final 100% */
    static const double levels[] = {0, 10, 20, 30, 40, 50, 55, 60, 65, 70, 75, 77.5, 80};
    static const int64_t values[] = {1, 10, 20, 30, 40, 50, 55, 60, 65, 70, 75, 78, 80};
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        assert_true(hc_hist_iter_next(&it));
        assert_true(fabs(it.percentile_level - levels[i]) < 1e-9);
        assert_int_equal(it.value, values[i]);
        assert_int_equal(it.count_to_value, values[i]);
    }
    double last_level = 0;
    int64_t last_value = 0;
    int steps = 0;
    while (hc_hist_iter_next(&it)) {
        last_level = it.percentile_level;
        last_value = it.value;
        steps++;
    }
    assert_true(steps > 5);
    assert_true(last_level == 100.0);
    assert_int_equal(last_value, 100);
    hc_hist_free(h);
}

static void linear_iterator_covers_bands_up_to_the_maximum(void **state)
{
    (void)state;
    struct hc_hist *h;
    assert_int_equal(hc_hist_new(1, HOUR_NS, 3, &h), 0);
    hc_hist_record_n(h, 5, 1);
    hc_hist_record_n(h, 150, 2);
    hc_hist_record_n(h, 420, 4);
    struct hc_hist_iter it;
    hc_hist_iter_linear(&it, h, 100);
    static const int64_t tops[] = {99, 199, 299, 399, 499};
    static const int64_t added[] = {1, 2, 0, 0, 4};
    int n = 0;
    while (hc_hist_iter_next(&it)) {
        assert_true(n < 5);
        assert_int_equal(it.value, tops[n]);
        assert_int_equal(it.count_added, added[n]);
        n++;
    }
    assert_int_equal(n, 5);
    hc_hist_free(h);
}

static void percentile_report_has_hdrhistogram_shape(void **state)
{
    (void)state;
    struct hc_hist *h;
    assert_int_equal(hc_hist_new(1, HOUR_NS, 3, &h), 0);
    for (int64_t v = 1; v <= 1000; v++)
        hc_hist_record(h, v * 1000);
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(hc_hist_print_percentiles(h, &b, 5, 1000.0), 0);
    const char *s = hc_buf_cstr(&b);
    assert_non_null(strstr(s, "       Value     Percentile TotalCount 1/(1-Percentile)\n\n"));
    assert_non_null(strstr(s, "     500.223 0.500000000000        500           2.00\n"));
    assert_non_null(strstr(s, "#[Max     =     1000.447, Total count    =         1000]\n"));
    assert_non_null(strstr(s, "#[Buckets =           32, SubBuckets     =         2048]\n"));
    hc_buf_destroy(&b);
    hc_hist_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(percentiles_match_an_exact_sort_for_uniform_values),
        cmocka_unit_test(percentiles_match_an_exact_sort_for_exponential_values),
        cmocka_unit_test(percentiles_match_an_exact_sort_for_heavy_tailed_values),
        cmocka_unit_test(percentiles_match_an_exact_sort_for_bimodal_values),
        cmocka_unit_test(layout_matches_hdrhistogram_for_the_usual_configuration),
        cmocka_unit_test(bad_arguments_are_refused),
        cmocka_unit_test(out_of_range_values_are_refused_and_tallied),
        cmocka_unit_test(record_corrected_adds_the_missing_values),
        cmocka_unit_test(record_corrected_equals_recording_each_missing_value),
        cmocka_unit_test(add_equals_recording_into_one_histogram),
        cmocka_unit_test(add_across_layouts_equals_recording_at_the_coarser_precision),
        cmocka_unit_test(add_reports_values_beyond_the_destination),
        cmocka_unit_test(reset_empties_everything),
        cmocka_unit_test(recorded_iterator_visits_each_non_empty_bucket),
        cmocka_unit_test(percentile_iterator_steps_like_hdrhistogram),
        cmocka_unit_test(linear_iterator_covers_bands_up_to_the_maximum),
        cmocka_unit_test(percentile_report_has_hdrhistogram_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
