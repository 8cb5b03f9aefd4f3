/* test_metrics.c: the metrics registry and writer of common/metrics.c and metrics_process.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hc/limits.h"
#include "hc/metrics.h"

/* Writes m and parses the page back; the caller frees the page. */
static struct hc_metrics_page *write_and_parse(struct hc_metrics *m, struct hc_buf *text)
{
    hc_buf_init(text, 0);
    assert_int_equal(hc_metrics_write(m, text), 0);
    struct hc_metrics_page *page = NULL;
    char err[256];
    int rc = hc_metrics_parse(text->data, text->len, &page, err, sizeof(err));
    if (rc < 0)
        fail_msg("parse: %s\n%s", err, hc_buf_cstr(text));
    assert_int_equal(rc, (int)text->len);
    return page;
}

static void a_counter_writes_help_type_and_its_series(void **state)
{
    (void)state;
    struct hc_metrics *m;
    assert_int_equal(hc_metrics_new(&m), 0);
    struct hc_metrics_family *f;
    assert_int_equal(
        hc_metrics_register_counter(m, "hc_requests_total", "Requests served.", "method,route", &f),
        0);
    struct hc_metrics_counter *get;
    struct hc_metrics_counter *post;
    assert_int_equal(hc_metrics_counter_get(f, (const char *[]){"GET", "/a"}, &get), 0);
    assert_int_equal(hc_metrics_counter_get(f, (const char *[]){"POST", "/a"}, &post), 0);
    hc_metrics_counter_add(get, 41);
    hc_metrics_counter_inc(get);
    hc_metrics_counter_inc(post);

    struct hc_buf out;
    hc_buf_init(&out, 0);
    assert_int_equal(hc_metrics_write(m, &out), 0);
    assert_string_equal(hc_buf_cstr(&out), "# HELP hc_requests_total Requests served.\n"
                                           "# TYPE hc_requests_total counter\n"
                                           "hc_requests_total{method=\"GET\",route=\"/a\"} 42\n"
                                           "hc_requests_total{method=\"POST\",route=\"/a\"} 1\n");
    hc_buf_destroy(&out);
    hc_metrics_free(m);
}

static void the_same_label_values_give_the_same_handle(void **state)
{
    (void)state;
    struct hc_metrics *m;
    hc_metrics_new(&m);
    struct hc_metrics_family *f;
    struct hc_metrics_family *again;
    assert_int_equal(hc_metrics_register_gauge(m, "hc_depth", "", "queue", &f), 0);
    assert_int_equal(hc_metrics_register_gauge(m, "hc_depth", "other help", "queue", &again), 0);
    assert_ptr_equal(f, again);
    struct hc_metrics_gauge *a;
    struct hc_metrics_gauge *b;
    assert_int_equal(hc_metrics_gauge_get(f, (const char *[]){"orders"}, &a), 0);
    assert_int_equal(hc_metrics_gauge_get(again, (const char *[]){"orders"}, &b), 0);
    assert_ptr_equal(a, b);
    hc_metrics_free(m);
}

static void invalid_names_and_conflicts_are_refused(void **state)
{
    (void)state;
    struct hc_metrics *m;
    hc_metrics_new(&m);
    struct hc_metrics_family *f;
    assert_int_equal(hc_metrics_register_counter(m, "9lives", "", NULL, &f), -EINVAL);
    assert_int_equal(hc_metrics_register_counter(m, "a-b", "", NULL, &f), -EINVAL);
    assert_int_equal(hc_metrics_register_counter(m, "", "", NULL, &f), -EINVAL);
    assert_int_equal(hc_metrics_register_counter(m, "ok", "", "a:b", &f), -EINVAL);
    assert_int_equal(hc_metrics_register_counter(m, "ok", "", "__x", &f), -EINVAL);
    assert_int_equal(hc_metrics_register_counter(m, "ok", "", "a,a", &f), -EINVAL);
    assert_int_equal(hc_metrics_register_counter(m, "ok", "", "a,", &f), -EINVAL);
    double bounds[] = {1, 2};
    assert_int_equal(hc_metrics_register_histogram(m, "h", "", "le", bounds, 2, &f), -EINVAL);
    double unsorted[] = {2, 1};
    assert_int_equal(hc_metrics_register_histogram(m, "h", "", NULL, unsorted, 2, &f), -EINVAL);
    double inf[] = {1, INFINITY};
    assert_int_equal(hc_metrics_register_histogram(m, "h", "", NULL, inf, 2, &f), -EINVAL);

    assert_int_equal(hc_metrics_register_counter(m, "ns:ok_total", "", "a_1", &f), 0);
    struct hc_metrics_family *g;
    assert_int_equal(hc_metrics_register_gauge(m, "ns:ok_total", "", "a_1", &g), -EEXIST);
    assert_int_equal(hc_metrics_register_counter(m, "ns:ok_total", "", "b", &g), -EEXIST);
    double one[] = {1};
    assert_int_equal(hc_metrics_register_histogram(m, "lat", "", NULL, one, 1, &g), 0);
    assert_int_equal(hc_metrics_register_counter(m, "lat_count", "", NULL, &g), -EEXIST);
    assert_int_equal(hc_metrics_register_gauge(m, "lat_bucket", "", NULL, &g), -EEXIST);
    assert_int_equal(hc_metrics_register_counter(m, "lat_total", "", NULL, &g), 0);
    assert_int_equal(hc_metrics_register_histogram(m, "ns:ok", "", NULL, one, 1, &g), 0);
    assert_int_equal(hc_metrics_register_gauge(m, "x_sum", "", NULL, &g), 0);
    assert_int_equal(hc_metrics_register_histogram(m, "x", "", NULL, one, 1, &g), -EEXIST);
    struct hc_metrics_gauge *wrong;
    assert_int_equal(hc_metrics_gauge_get(f, (const char *[]){"x"}, &wrong), -EINVAL);
    struct hc_metrics_counter *c;
    assert_int_equal(hc_metrics_counter_get(f, (const char *[]){NULL}, &c), -EINVAL);
    assert_int_equal(hc_metrics_counter_get(f, (const char *[]){"\xc3("}, &c), -EINVAL);
    assert_int_equal(hc_metrics_counter_get(f, (const char *[]){"caf\xc3\xa9"}, &c), 0);
    assert_int_equal(hc_metrics_register_gauge(m, "latin1", "caf\xe9", NULL, &g), -EINVAL);
    assert_true(hc_metrics_valid_name("a:b_c9"));
    assert_false(hc_metrics_valid_label_name("a:b"));
    hc_metrics_free(m);
}

static void series_per_family_are_bounded(void **state)
{
    (void)state;
    struct hc_metrics *m;
    hc_metrics_new(&m);
    struct hc_metrics_family *f;
    hc_metrics_register_counter(m, "hc_many_total", "", "id", &f);
    char id[32];
    struct hc_metrics_counter *c;
    for (int i = 0; i < HC_METRICS_MAX_SERIES; i++) {
        snprintf(id, sizeof(id), "%d", i);
        assert_int_equal(hc_metrics_counter_get(f, (const char *[]){id}, &c), 0);
    }
    assert_int_equal(hc_metrics_counter_get(f, (const char *[]){"one more"}, &c), HC_ETOOLARGE);
    assert_null(c);
    /* An existing series is still handed out at the bound. */
    assert_int_equal(hc_metrics_counter_get(f, (const char *[]){"7"}, &c), 0);
    hc_metrics_free(m);
}

static void label_values_and_help_are_escaped_and_parse_back_exactly(void **state)
{
    (void)state;
    struct hc_metrics *m;
    hc_metrics_new(&m);
    struct hc_metrics_family *f;
    assert_int_equal(
        hc_metrics_register_gauge(m, "hc_odd", "Back\\slash and\nnewline \"quoted\"", "v", &f), 0);
    const char *odd = "a \"quoted\" \\path\\ with\nnewline, {braces}=";
    struct hc_metrics_gauge *g;
    assert_int_equal(hc_metrics_gauge_get(f, (const char *[]){odd}, &g), 0);
    hc_metrics_gauge_set(g, 1.5);

    struct hc_buf text;
    struct hc_metrics_page *page = write_and_parse(m, &text);
    assert_non_null(strstr(hc_buf_cstr(&text), "# HELP hc_odd Back\\\\slash and\\nnewline "
                                               "\"quoted\"\n"));
    assert_non_null(strstr(hc_buf_cstr(&text), "hc_odd{v=\"a \\\"quoted\\\" \\\\path\\\\ with"
                                               "\\nnewline, {braces}=\"} 1.5\n"));
    assert_int_equal(page->nsamples, 1);
    assert_string_equal(page->samples[0].labels[0].value, odd);
    assert_int_equal(page->nfamilies, 1);
    assert_string_equal(page->families[0].help, "Back\\slash and\nnewline \"quoted\"");
    assert_int_equal(page->families[0].type, HC_METRICS_GAUGE);
    hc_metrics_page_free(page);
    hc_buf_destroy(&text);
    hc_metrics_free(m);
}

static void every_double_parses_back_to_the_same_bits(void **state)
{
    (void)state;
    const double values[] = {0.0,
                             -0.0,
                             1.0,
                             -1.0,
                             0.1,
                             1.0 / 3.0,
                             123456789012345.0,
                             1e15,
                             9007199254740993.0,
                             1e300,
                             -2.5e-308,
                             4.9e-324,
                             1.7976931348623157e308,
                             NAN,
                             INFINITY,
                             -INFINITY};
    struct hc_metrics *m;
    hc_metrics_new(&m);
    struct hc_metrics_family *f;
    hc_metrics_register_gauge(m, "hc_value", "", "i", &f);
    for (size_t i = 0; i < HC_ARRAY_LEN(values); i++) {
        char id[8];
        snprintf(id, sizeof(id), "%zu", i);
        struct hc_metrics_gauge *g;
        assert_int_equal(hc_metrics_gauge_get(f, (const char *[]){id}, &g), 0);
        hc_metrics_gauge_set(g, values[i]);
    }
    struct hc_buf text;
    struct hc_metrics_page *page = write_and_parse(m, &text);
    assert_int_equal(page->nsamples, HC_ARRAY_LEN(values));
    for (size_t i = 0; i < HC_ARRAY_LEN(values); i++) {
        double got = page->samples[i].value;
        if (isnan(values[i]))
            assert_true(isnan(got));
        else
            assert_memory_equal(&got, &values[i], sizeof(got));
    }
    /* Whole numbers print without exponent, specials in Prometheus spelling. */
    assert_non_null(strstr(hc_buf_cstr(&text), "hc_value{i=\"7\"} 1000000000000000\n"));
    assert_non_null(strstr(hc_buf_cstr(&text), "hc_value{i=\"8\"} 9007199254740992\n"));
    assert_non_null(strstr(hc_buf_cstr(&text), "hc_value{i=\"4\"} 0.1\n"));
    assert_non_null(strstr(hc_buf_cstr(&text), "hc_value{i=\"13\"} NaN\n"));
    assert_non_null(strstr(hc_buf_cstr(&text), "hc_value{i=\"14\"} +Inf\n"));
    assert_non_null(strstr(hc_buf_cstr(&text), "hc_value{i=\"15\"} -Inf\n"));
    hc_metrics_page_free(page);
    hc_buf_destroy(&text);
    hc_metrics_free(m);
}

static void a_counter_past_two_to_the_53_prints_every_digit(void **state)
{
    (void)state;
    struct hc_metrics *m;
    hc_metrics_new(&m);
    struct hc_metrics_family *f;
    hc_metrics_register_counter(m, "hc_bytes_total", "", NULL, &f);
    struct hc_metrics_counter *c;
    assert_int_equal(hc_metrics_counter_get(f, NULL, &c), 0);
    hc_metrics_counter_add(c, 9007199254740993ULL);
    struct hc_buf out;
    hc_buf_init(&out, 0);
    hc_metrics_write(m, &out);
    assert_non_null(strstr(hc_buf_cstr(&out), "\nhc_bytes_total 9007199254740993\n"));
    /* A fractional part switches to the double form. */
    hc_metrics_counter_add_double(c, 0.5);
    hc_metrics_counter_add_double(c, -3);
    hc_buf_reset(&out);
    hc_metrics_write(m, &out);
    assert_non_null(strstr(hc_buf_cstr(&out), "\nhc_bytes_total 9007199254740992\n"));
    hc_buf_destroy(&out);
    hc_metrics_free(m);
}

static void histogram_buckets_are_cumulative_with_inf_sum_and_count(void **state)
{
    (void)state;
    struct hc_metrics *m;
    hc_metrics_new(&m);
    struct hc_metrics_family *f;
    const double bounds[] = {0.25, 0.5, 1};
    assert_int_equal(
        hc_metrics_register_histogram(m, "hc_latency_seconds", "Latency.", "route", bounds, 3, &f),
        0);
    struct hc_metrics_histogram *h;
    assert_int_equal(hc_metrics_histogram_get(f, (const char *[]){"/x"}, &h), 0);
    /* Binary fractions, so the sum is exact; 0.25 and 0.5 sit on bounds and count in them. */
    const double obs[] = {0.125, 0.25, 0.375, 0.5, 0.75, 2, 3};
    for (size_t i = 0; i < HC_ARRAY_LEN(obs); i++)
        hc_metrics_histogram_observe(h, obs[i]);
    assert_int_equal(hc_metrics_histogram_count(h), 7);
    assert_true(hc_metrics_histogram_sum(h) == 7.0);

    struct hc_buf out;
    hc_buf_init(&out, 0);
    assert_int_equal(hc_metrics_write(m, &out), 0);
    assert_string_equal(hc_buf_cstr(&out), "# HELP hc_latency_seconds Latency.\n"
                                           "# TYPE hc_latency_seconds histogram\n"
                                           "hc_latency_seconds_bucket{route=\"/x\",le=\"0.25\"} 2\n"
                                           "hc_latency_seconds_bucket{route=\"/x\",le=\"0.5\"} 4\n"
                                           "hc_latency_seconds_bucket{route=\"/x\",le=\"1\"} 5\n"
                                           "hc_latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 7\n"
                                           "hc_latency_seconds_sum{route=\"/x\"} 7\n"
                                           "hc_latency_seconds_count{route=\"/x\"} 7\n");
    hc_buf_destroy(&out);
    hc_metrics_free(m);
}

static double read_double(void *arg)
{
    return *(const double *)arg;
}

static void callbacks_are_evaluated_at_each_scrape(void **state)
{
    (void)state;
    struct hc_metrics *m;
    hc_metrics_new(&m);
    struct hc_metrics_family *f;
    hc_metrics_register_gauge(m, "hc_cache_entries", "", "level", &f);
    double entries = 3;
    assert_int_equal(hc_metrics_add_callback(f, (const char *[]){"l1"}, read_double, &entries), 0);
    assert_int_equal(hc_metrics_add_callback(f, (const char *[]){"l1"}, read_double, &entries),
                     -EEXIST);
    struct hc_metrics_gauge *g;
    assert_int_equal(hc_metrics_gauge_get(f, (const char *[]){"l1"}, &g), -EEXIST);
    struct hc_buf text;
    struct hc_metrics_page *page = write_and_parse(m, &text);
    assert_true(hc_metrics_page_find(page, "hc_cache_entries", NULL)->value == 3);
    hc_metrics_page_free(page);
    hc_buf_destroy(&text);
    entries = 250000;
    page = write_and_parse(m, &text);
    assert_true(hc_metrics_page_find(page, "hc_cache_entries", NULL)->value == 250000);
    hc_metrics_page_free(page);
    hc_buf_destroy(&text);
    hc_metrics_free(m);
}

struct hammer {
    struct hc_metrics_counter *counter;
    struct hc_metrics_gauge *gauge;
    struct hc_metrics_histogram *hist;
    struct hc_metrics_family *family;
    _Atomic int mismatches; /* cmocka's asserts are not for other threads: count here */
};

#define HAMMER_THREADS 8
#define HAMMER_ROUNDS  50000

static void *hammer_main(void *arg)
{
    struct hammer *h = arg;
    for (int i = 0; i < HAMMER_ROUNDS; i++) {
        hc_metrics_counter_inc(h->counter);
        hc_metrics_gauge_add(h->gauge, 0.5);
        hc_metrics_histogram_observe(h->hist, (double)(i % 4));
        if (i % 1000 == 0) {
            /* Registration racing with updates must hand out the same series. */
            struct hc_metrics_counter *c;
            if (hc_metrics_counter_get(h->family, (const char *[]){"shared"}, &c) != 0 ||
                c != h->counter)
                atomic_fetch_add(&h->mismatches, 1);
        }
    }
    return NULL;
}

static void concurrent_updates_from_many_threads_sum_exactly(void **state)
{
    (void)state;
    struct hc_metrics *m;
    hc_metrics_new(&m);
    struct hammer h;
    atomic_init(&h.mismatches, 0);
    struct hc_metrics_family *f;
    hc_metrics_register_counter(m, "hc_hits_total", "", "k", &h.family);
    hc_metrics_counter_get(h.family, (const char *[]){"shared"}, &h.counter);
    hc_metrics_register_gauge(m, "hc_level", "", NULL, &f);
    hc_metrics_gauge_get(f, NULL, &h.gauge);
    const double bounds[] = {0, 1, 2};
    hc_metrics_register_histogram(m, "hc_obs", "", NULL, bounds, 3, &f);
    hc_metrics_histogram_get(f, NULL, &h.hist);

    pthread_t t[HAMMER_THREADS];
    for (int i = 0; i < HAMMER_THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer_main, &h), 0);
    /* Scrapes racing with the updates must stay well-formed. */
    for (int i = 0; i < 20; i++) {
        struct hc_buf text;
        hc_metrics_page_free(write_and_parse(m, &text));
        hc_buf_destroy(&text);
    }
    for (int i = 0; i < HAMMER_THREADS; i++)
        pthread_join(t[i], NULL);

    assert_int_equal(atomic_load(&h.mismatches), 0);
    const double n = (double)HAMMER_THREADS * HAMMER_ROUNDS;
    assert_true(hc_metrics_counter_value(h.counter) == n);
    assert_true(hc_metrics_gauge_value(h.gauge) == n * 0.5);
    assert_int_equal(hc_metrics_histogram_count(h.hist), (uint64_t)n);
    /* Values 0,1,2,3 equally often: the sum is exact in a double. */
    assert_true(hc_metrics_histogram_sum(h.hist) == n / 4 * (0 + 1 + 2 + 3));
    struct hc_buf text;
    struct hc_metrics_page *page = write_and_parse(m, &text);
    assert_true(
        hc_metrics_page_find(page, "hc_obs_bucket", (const char *[]){"le", "0", NULL})->value ==
        n / 4);
    assert_true(
        hc_metrics_page_find(page, "hc_obs_bucket", (const char *[]){"le", "2", NULL})->value ==
        n / 4 * 3);
    assert_true(
        hc_metrics_page_find(page, "hc_obs_bucket", (const char *[]){"le", "+Inf", NULL})->value ==
        n);
    hc_metrics_page_free(page);
    hc_buf_destroy(&text);
    hc_metrics_free(m);
}

static void process_metrics_are_present_and_plausible(void **state)
{
    (void)state;
    struct hc_metrics *m;
    hc_metrics_new(&m);
    assert_int_equal(hc_metrics_register_process(m), 0);
    assert_int_equal(hc_metrics_register_process(m), -EEXIST);
    /* Burn a little CPU so the counter has something to show. */
    volatile double x = 0;
    clock_t start = clock();
    while (clock() - start < CLOCKS_PER_SEC / 20)
        x += 1;
    assert_true(x > 0);
    struct hc_buf text;
    struct hc_metrics_page *page = write_and_parse(m, &text);
    const struct hc_metrics_sample *s;
    s = hc_metrics_page_find(page, "process_cpu_seconds_total", NULL);
    assert_non_null(s);
    assert_true(s->value > 0 && s->value < 3600);
    assert_int_equal(page->families[s->family].type, HC_METRICS_COUNTER);
    s = hc_metrics_page_find(page, "process_resident_memory_bytes", NULL);
    assert_true(s->value > 100 * 1024 && s->value < 16e9);
    s = hc_metrics_page_find(page, "process_virtual_memory_bytes", NULL);
    assert_true(s->value >=
                hc_metrics_page_find(page, "process_resident_memory_bytes", NULL)->value);
    s = hc_metrics_page_find(page, "process_open_fds", NULL);
    assert_true(s->value >= 3 && s->value < 1000);
    s = hc_metrics_page_find(page, "process_max_fds", NULL);
    assert_true(s->value >= 64);
    s = hc_metrics_page_find(page, "process_start_time_seconds", NULL);
    double now = (double)time(NULL);
    assert_true(s->value > now - 600 && s->value <= now + 1);
    hc_metrics_page_free(page);
    hc_buf_destroy(&text);
    hc_metrics_free(m);
}

static void a_write_past_the_buffer_cap_fails(void **state)
{
    (void)state;
    struct hc_metrics *m;
    hc_metrics_new(&m);
    struct hc_metrics_family *f;
    hc_metrics_register_counter(m, "hc_x_total", "some help text", NULL, &f);
    struct hc_metrics_counter *c;
    hc_metrics_counter_get(f, NULL, &c);
    struct hc_buf out;
    hc_buf_init(&out, 32);
    assert_int_equal(hc_metrics_write(m, &out), HC_ETOOLARGE);
    hc_buf_destroy(&out);
    hc_metrics_free(m);
    hc_metrics_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_counter_writes_help_type_and_its_series),
        cmocka_unit_test(the_same_label_values_give_the_same_handle),
        cmocka_unit_test(invalid_names_and_conflicts_are_refused),
        cmocka_unit_test(series_per_family_are_bounded),
        cmocka_unit_test(label_values_and_help_are_escaped_and_parse_back_exactly),
        cmocka_unit_test(every_double_parses_back_to_the_same_bits),
        cmocka_unit_test(a_counter_past_two_to_the_53_prints_every_digit),
        cmocka_unit_test(histogram_buckets_are_cumulative_with_inf_sum_and_count),
        cmocka_unit_test(callbacks_are_evaluated_at_each_scrape),
        cmocka_unit_test(concurrent_updates_from_many_threads_sum_exactly),
        cmocka_unit_test(process_metrics_are_present_and_plausible),
        cmocka_unit_test(a_write_past_the_buffer_cap_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
