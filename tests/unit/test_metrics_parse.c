/* test_metrics_parse.c: the exposition parser and page queries of common/metrics_parse.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/limits.h"
#include "hc/metrics.h"

static struct hc_metrics_page *parse_ok(const char *text)
{
    struct hc_metrics_page *page = NULL;
    char err[256];
    int rc = hc_metrics_parse(text, strlen(text), &page, err, sizeof(err));
    if (rc < 0)
        fail_msg("unexpected failure: %s", err);
    assert_int_equal(rc, (int)strlen(text));
    assert_non_null(page);
    return page;
}

static char *read_golden(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/metrics/%s", HC_TEST_DATA, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *data = malloc(1 << 20);
    assert_non_null(data);
    *len = fread(data, 1, (1 << 20) - 1, f);
    data[*len] = '\0';
    fclose(f);
    return data;
}

static void the_golden_exporter_page_parses_to_known_values(void **state)
{
    (void)state;
    size_t len;
    char *text = read_golden("exporter.prom", &len);
    struct hc_metrics_page *p = NULL;
    char err[256];
    assert_int_equal(hc_metrics_parse(text, len, &p, err, sizeof(err)), (int)len);
    assert_int_equal(p->nfamilies, 16); /* 14 announced, 2 untyped */
    assert_int_equal(p->nsamples, 52);

    /* A summary: quantiles and _sum / _count belong to its family. */
    const struct hc_metrics_sample *s = hc_metrics_page_find(
        p, "go_gc_duration_seconds", (const char *[]){"quantile", "0.5", NULL});
    assert_non_null(s);
    assert_true(s->value == 4.0012e-05);
    assert_int_equal(s->line, 7);
    assert_string_equal(p->families[s->family].name, "go_gc_duration_seconds");
    assert_int_equal(p->families[s->family].type, HC_METRICS_SUMMARY);
    s = hc_metrics_page_find(p, "go_gc_duration_seconds_count", NULL);
    assert_true(s->value == 1406);
    assert_string_equal(p->families[s->family].name, "go_gc_duration_seconds");

    /* Trailing blanks after a value are fine. */
    assert_true(hc_metrics_page_find(p, "go_goroutines", NULL)->value == 9);

    /* Sums over a family with a matcher; exponent forms. */
    size_t n;
    double idle = hc_metrics_page_sum(p, "node_cpu_seconds_total",
                                      (const char *[]){"mode", "idle", NULL}, &n);
    assert_int_equal(n, 2);
    assert_true(idle == 2.38127661e+06 + 2.38397437e+06);
    double cpu0 =
        hc_metrics_page_sum(p, "node_cpu_seconds_total", (const char *[]){"cpu", "0", NULL}, &n);
    assert_int_equal(n, 4);
    assert_true(fabs(cpu0 - (2.38127661e+06 + 1043.28 + 12650.7 + 40567.15)) < 1e-6);
    s = hc_metrics_page_find(p, "node_filesystem_avail_bytes",
                             (const char *[]){"mountpoint", "/", "fstype", "ext4", NULL});
    assert_true(s->value == 1.8245935104e+11);
    assert_int_equal(s->nlabels, 3);

    /* Specials and escapes. */
    s = hc_metrics_page_find(p, "node_hwmon_temp_celsius",
                             (const char *[]){"sensor", "temp2", NULL});
    assert_true(isnan(s->value));
    s = hc_metrics_page_find(p, "node_network_info", (const char *[]){"device", "eth0", NULL});
    assert_int_equal(s->nlabels, 6);
    assert_string_equal(s->labels[4].name, "ifalias");
    assert_string_equal(s->labels[4].value, "uplink \"A\" \\ rack 7");
    s = hc_metrics_page_find(p, "redis_memory_max_bytes", NULL);
    assert_true(isinf(s->value) && s->value > 0);
    assert_string_equal(
        p->families[s->family].help,
        "The memory limit, in bytes;\nno limit reads +Inf and a \\ is a backslash.");

    /* Samples no TYPE names: untyped, with a trailing comma, {} and a timestamp. */
    s = hc_metrics_page_find(p, "legacy_queue_length", (const char *[]){"queue", "mail", NULL});
    assert_true(s->value == 17);
    assert_true(s->has_timestamp);
    assert_true(s->timestamp_ms == 1700000000123LL);
    assert_string_equal(p->families[s->family].name, "legacy_queue_length");
    assert_int_equal(p->families[s->family].type, HC_METRICS_UNTYPED);
    assert_null(p->families[s->family].help);
    s = hc_metrics_page_find(p, "legacy_temperature_kelvin", NULL);
    assert_true(isinf(s->value) && s->value < 0);
    assert_int_equal(s->nlabels, 0);
    assert_false(s->has_timestamp);

    /* histogram_quantile by hand: rank 500 of 1000 lies in (0.01, 0.025] holding 400, 200 in. */
    double q = hc_metrics_page_quantile(p, "http_request_duration_seconds",
                                        (const char *[]){"handler", "/api/orders", NULL}, 0.5);
    assert_true(fabs(q - 0.0175) < 1e-12);
    /* Rank 990 passes the last finite bucket (980): the answer is its bound. */
    q = hc_metrics_page_quantile(p, "http_request_duration_seconds",
                                 (const char *[]){"handler", "/api/orders", NULL}, 0.99);
    assert_true(q == 0.1);
    /* Both handlers summed by le: rank 530 of 1060 in (0.01, 0.025] holding 400, 170 in. */
    q = hc_metrics_page_quantile(p, "http_request_duration_seconds", NULL, 0.5);
    assert_true(fabs(q - (0.01 + 0.015 * 170.0 / 400.0)) < 1e-12);
    assert_true(isnan(hc_metrics_page_quantile(p, "go_goroutines", NULL, 0.5)));

    hc_metrics_page_free(p);
    free(text);
}

static void tolerated_variations_parse(void **state)
{
    (void)state;
    struct hc_metrics_page *p = parse_ok("# TYPE a counter\r\n"
                                         "\r\n"
                                         "a_total 1\r\n"
                                         "a{} 2e3\r\n"
                                         "a{ x = \"1\" , y=\"\" , } -1.5E-3 -42\r\n"
                                         "\t b\tInf\n"
                                         "c +inf\n"
                                         "d -Infinity\n"
                                         "e .5\n"
                                         "f 5.\n"
                                         "g +7\n"
                                         "#\n"
                                         "# some comment with \\q and {\n"
                                         "# TYPEWRITER is not a TYPE line\n");
    assert_int_equal(p->nsamples, 9);
    assert_true(p->samples[1].value == 2000);
    assert_int_equal(p->samples[1].nlabels, 0);
    assert_int_equal(p->samples[2].nlabels, 2);
    assert_string_equal(p->samples[2].labels[1].name, "y");
    assert_string_equal(p->samples[2].labels[1].value, "");
    assert_true(p->samples[2].value == -1.5e-3);
    assert_true(p->samples[2].timestamp_ms == -42);
    assert_string_equal(p->samples[3].name, "b");
    assert_true(isinf(p->samples[3].value));
    assert_true(isinf(p->samples[4].value) && p->samples[4].value > 0);
    assert_true(isinf(p->samples[5].value) && p->samples[5].value < 0);
    assert_true(p->samples[6].value == 0.5);
    assert_true(p->samples[7].value == 5);
    assert_true(p->samples[8].value == 7);
    assert_int_equal(p->samples[2].line, 5);
    assert_int_equal(p->nfamilies, 8); /* a, then untyped a_total, b, c, d, e, f, g */
    assert_int_equal(p->families[0].type, HC_METRICS_COUNTER);
    assert_string_equal(p->families[p->samples[0].family].name, "a_total");
    assert_int_equal(p->samples[1].family, 0);
    assert_null(p->families[0].help);
    hc_metrics_page_free(p);

    /* A last line without a newline, and an empty page. */
    p = parse_ok("x 1");
    assert_int_equal(p->nsamples, 1);
    hc_metrics_page_free(p);
    p = parse_ok("");
    assert_int_equal(p->nsamples, 0);
    hc_metrics_page_free(p);
}

struct bad_case {
    const char *text;
    int rc;
    const char *message; /* the whole error message expected */
};

static const struct bad_case bad_cases[] = {
    {"ok 1\n9bad 1\n", -EBADMSG, "line 2: bad metric name"},
    {"ok 1\nok 2\nbad-name 1\n", -EBADMSG, "line 3: bad character '-' in metric name"},
    {"{a=\"1\"} 1\n", -EBADMSG, "line 1: bad metric name"},
    {"a{b=\"unterminated} 1\n", -EBADMSG, "line 1: unterminated label value"},
    {"\na{b=\"x\\ty\"} 1\n", -EBADMSG, "line 2: bad escape in the value of label b"},
    {"a{b=\"x\\\"} 1\n", -EBADMSG, "line 1: unterminated label value"},
    {"a{b=1} 1\n", -EBADMSG, "line 1: expected '\"' to open the value of label b"},
    {"a{b} 1\n", -EBADMSG, "line 1: expected '=' after label name b"},
    {"a{1b=\"x\"} 1\n", -EBADMSG, "line 1: bad label name"},
    {"a{b:c=\"x\"} 1\n", -EBADMSG, "line 1: expected '=' after label name b"},
    {"a{b=\"x\" c=\"y\"} 1\n", -EBADMSG, "line 1: expected ',' or '}' after a label value"},
    {"a{b=\"x\",b=\"y\"} 1\n", -EBADMSG, "line 1: label b given twice"},
    {"a{b=\"x\"\n", -EBADMSG, "line 1: expected ',' or '}' after a label value"},
    {"a\n", -EBADMSG, "line 1: missing value"},
    {"a{b=\"x\"}\n", -EBADMSG, "line 1: missing value"},
    {"a{b=\"x\"}   \r\n", -EBADMSG, "line 1: missing value"},
    {"a 1x\n", -EBADMSG, "line 1: bad value \"1x\""},
    {"a 0x10\n", -EBADMSG, "line 1: bad value \"0x10\""},
    {"a 1e\n", -EBADMSG, "line 1: bad value \"1e\""},
    {"a .\n", -EBADMSG, "line 1: bad value \".\""},
    {"a 1 junk\n", -EBADMSG, "line 1: garbage after value: \"junk\""},
    {"a 1 1.5\n", -EBADMSG, "line 1: garbage after value: \"1.5\""},
    {"a 1 99999999999999999999\n", -EBADMSG,
     "line 1: garbage after value: \"99999999999999999999\""},
    {"a 1 2 3\n", -EBADMSG, "line 1: garbage after timestamp"},
    {"# TYPE a counter\n# TYPE a gauge\n", -EBADMSG, "line 2: second # TYPE for a"},
    {"# HELP a x\n# HELP a y\n", -EBADMSG, "line 2: second # HELP for a"},
    {"# HELP a x\na 1\n# TYPE a gauge\n", -EBADMSG, "line 3: # TYPE for a after its samples"},
    {"# TYPE a thing\n", -EBADMSG, "line 1: unknown metric type \"thing\""},
    {"a 1\n# TYPE a gauge\n", -EBADMSG, "line 2: # TYPE for a after its samples"},
    {"h_bucket{le=\"1\"} 1\n# TYPE h histogram\n", -EBADMSG,
     "line 2: # TYPE for h after its samples"},
    {"s_count 1\n# TYPE s summary\n", -EBADMSG, "line 2: # TYPE for s after its samples"},
    {"# TYPE a counter extra\n", -EBADMSG, "line 1: garbage after the type in # TYPE"},
    {"# TYPE a\n", -EBADMSG, "line 1: unknown metric type \"\""},
    {"# HELP\n", -EBADMSG, "line 1: bad metric name in # HELP"},
    {"# TYPE 1a counter\n", -EBADMSG, "line 1: bad metric name in # TYPE"},
    {"# HELP a bad \\t escape\n", -EBADMSG, "line 1: bad escape in # HELP (only \\\\ and \\n)"},
    {"# HELP a ends in \\\n", -EBADMSG, "line 1: bad escape in # HELP (only \\\\ and \\n)"},
    {"a{b=\"caf\xc3\xa9 \xe2\x82\xac\"} 1\na{b=\"\xc3\"} 1\n", -EBADMSG,
     "line 2: the value of label b is not valid UTF-8"},
    {"a{b=\"\xed\xa0\x80\"} 1\n", -EBADMSG, "line 1: the value of label b is not valid UTF-8"},
    {"a{b=\"\xc0\xaf\"} 1\n", -EBADMSG, "line 1: the value of label b is not valid UTF-8"},
    {"# HELP a \xff\n", -EBADMSG, "line 1: # HELP text is not valid UTF-8"},
    {"# TYPE h histogram\nh_bucket{x=\"1\"} 3\n", -EBADMSG,
     "line 2: histogram bucket without a numeric le label"},
    {"# TYPE h histogram\nh_bucket{le=\"fast\"} 3\n", -EBADMSG,
     "line 2: histogram bucket without a numeric le label"},
    {"# TYPE s summary\ns 3\n", -EBADMSG,
     "line 2: summary sample without a numeric quantile label"},
};

static void each_malformed_page_fails_naming_its_line(void **state)
{
    (void)state;
    for (size_t i = 0; i < HC_ARRAY_LEN(bad_cases); i++) {
        const struct bad_case *c = &bad_cases[i];
        struct hc_metrics_page *p = (void *)1;
        char err[256];
        int rc = hc_metrics_parse(c->text, strlen(c->text), &p, err, sizeof(err));
        if (rc != c->rc || strcmp(err, c->message) != 0)
            fail_msg("case %zu (%s): got %d \"%s\", want %d \"%s\"", i, c->text, rc, err, c->rc,
                     c->message);
        assert_null(p);
    }
}

static void a_nul_byte_is_malformed_and_err_may_be_null(void **state)
{
    (void)state;
    struct hc_metrics_page *p;
    const char text[] = "a 1\nb\0 2\n";
    char err[64];
    assert_int_equal(hc_metrics_parse(text, sizeof(text) - 1, &p, err, sizeof(err)), -EBADMSG);
    assert_string_equal(err, "line 2: NUL byte");
    assert_int_equal(hc_metrics_parse(text, sizeof(text) - 1, &p, NULL, 0), -EBADMSG);
    /* A short error buffer truncates the message but stays a C string. */
    char tiny[8];
    assert_int_equal(hc_metrics_parse("bad-x 1", 7, &p, tiny, sizeof(tiny)), -EBADMSG);
    assert_string_equal(tiny, "line 1:");
}

static void over_limit_lines_labels_samples_and_pages_are_refused(void **state)
{
    (void)state;
    struct hc_metrics_page *p;
    char err[256];
    struct hc_buf b;
    hc_buf_init(&b, 0);

    /* A line one byte over the bound (a valid line at the bound passes). */
    hc_buf_append_str(&b, "ok 1\nlong ");
    while (b.len < 5 + HC_METRICS_MAX_LINE_BYTES - 1)
        hc_buf_putc(&b, '0');
    hc_buf_append_str(&b, "1\n");
    assert_int_equal(hc_metrics_parse(b.data, b.len, &p, err, sizeof(err)), (int)b.len);
    hc_metrics_page_free(p);
    hc_buf_reset(&b);
    hc_buf_append_str(&b, "ok 1\nlong ");
    while (b.len < 5 + HC_METRICS_MAX_LINE_BYTES)
        hc_buf_putc(&b, '0');
    hc_buf_append_str(&b, "1\n");
    assert_int_equal(hc_metrics_parse(b.data, b.len, &p, err, sizeof(err)), HC_ETOOLARGE);
    assert_string_equal(err, "line 2: longer than 65536 bytes");

    /* Labels: the bound passes, one more fails. */
    hc_buf_reset(&b);
    hc_buf_append_str(&b, "a{");
    for (int i = 0; i < HC_METRICS_MAX_LABELS; i++)
        hc_buf_appendf(&b, "l%d=\"v\",", i);
    hc_buf_append_str(&b, "} 1\n");
    assert_int_equal(hc_metrics_parse(b.data, b.len, &p, err, sizeof(err)), (int)b.len);
    assert_int_equal(p->samples[0].nlabels, HC_METRICS_MAX_LABELS);
    hc_metrics_page_free(p);
    hc_buf_reset(&b);
    hc_buf_append_str(&b, "# x\na{");
    for (int i = 0; i <= HC_METRICS_MAX_LABELS; i++)
        hc_buf_appendf(&b, "l%d=\"v\",", i);
    hc_buf_append_str(&b, "} 1\n");
    assert_int_equal(hc_metrics_parse(b.data, b.len, &p, err, sizeof(err)), HC_ETOOLARGE);
    assert_string_equal(err, "line 2: more than 16 labels");

    /* Samples per page. */
    hc_buf_reset(&b);
    for (int i = 0; i <= HC_METRICS_MAX_PAGE_SAMPLES; i++)
        hc_buf_append(&b, "a 1\n", 4);
    assert_int_equal(hc_metrics_parse(b.data, b.len, &p, err, sizeof(err)), HC_ETOOLARGE);
    assert_string_equal(err, "line 500001: more than 500000 samples");

    /* A page over the byte bound is refused before any parsing. */
    hc_buf_reset(&b);
    hc_buf_reserve(&b, HC_METRICS_MAX_PAGE_BYTES + 1);
    memset(b.data, '\n', HC_METRICS_MAX_PAGE_BYTES + 1);
    assert_int_equal(hc_metrics_parse(b.data, HC_METRICS_MAX_PAGE_BYTES + 1, &p, err, sizeof(err)),
                     HC_ETOOLARGE);
    assert_null(p);
    assert_string_equal(err, "line 0: page of 33554433 bytes is over the 33554432-byte limit");
    hc_buf_destroy(&b);
}

static void bucket_quantile_matches_hand_computed_values(void **state)
{
    (void)state;
    const double bounds[] = {0.1, 0.2, 0.4, INFINITY};
    const double counts[] = {10, 30, 90, 100};
    /* Rank 25: bucket (0.1, 0.2] holds 20, 15 of them before the rank: 0.1 + 0.1 * 15/20. */
    assert_true(fabs(hc_metrics_bucket_quantile(0.25, bounds, counts, 4) - 0.175) < 1e-12);
    /* Rank 5 in the first bucket, which starts at 0: 0.1 * 5/10. */
    assert_true(fabs(hc_metrics_bucket_quantile(0.05, bounds, counts, 4) - 0.05) < 1e-12);
    /* Rank 90 is exactly the top of (0.2, 0.4]. */
    assert_true(hc_metrics_bucket_quantile(0.9, bounds, counts, 4) == 0.4);
    /* Rank 95 lies in +Inf: the last finite bound. */
    assert_true(hc_metrics_bucket_quantile(0.95, bounds, counts, 4) == 0.4);
    assert_true(hc_metrics_bucket_quantile(0, bounds, counts, 4) == 0);
    assert_true(isinf(hc_metrics_bucket_quantile(-0.1, bounds, counts, 4)));
    assert_true(hc_metrics_bucket_quantile(-0.1, bounds, counts, 4) < 0);
    assert_true(hc_metrics_bucket_quantile(1.1, bounds, counts, 4) > 1e308);
    assert_true(isnan(hc_metrics_bucket_quantile(NAN, bounds, counts, 4)));
    /* No +Inf bucket, one bucket, no observations: NaN. */
    assert_true(isnan(hc_metrics_bucket_quantile(0.5, bounds, counts, 3)));
    assert_true(isnan(hc_metrics_bucket_quantile(0.5, bounds + 3, counts + 3, 1)));
    const double zero[] = {0, 0, 0, 0};
    assert_true(isnan(hc_metrics_bucket_quantile(0.5, bounds, zero, 4)));
    /* A first bound at or below zero is the answer when the rank falls in it. */
    const double neg_bounds[] = {-1, 0, INFINITY};
    const double neg_counts[] = {5, 8, 10};
    assert_true(hc_metrics_bucket_quantile(0.2, neg_bounds, neg_counts, 3) == -1);
    /* A dip (a scrape mid-update) is lifted to the running maximum: {10, 10, 90, 100}. */
    const double dip[] = {10, 8, 90, 100};
    assert_true(fabs(hc_metrics_bucket_quantile(0.5, bounds, dip, 4) - 0.3) < 1e-12);
}

static void page_buckets_sort_and_merge_by_le(void **state)
{
    (void)state;
    struct hc_metrics_page *p = parse_ok("# TYPE h histogram\n"
                                         "h_bucket{r=\"b\",le=\"+Inf\"} 4\n"
                                         "h_bucket{r=\"b\",le=\"1\"} 3\n"
                                         "h_bucket{r=\"a\",le=\"1.0\"} 2\n"
                                         "h_bucket{r=\"a\",le=\"+Inf\"} 6\n"
                                         "h_bucket{r=\"a\",le=\"0.5\"} 1\n"
                                         "h_bucket{r=\"b\",le=\"0.5\"} 0\n"
                                         "h_sum{r=\"a\"} 3\n"
                                         "h_count{r=\"a\"} 6\n");
    double bounds[4];
    double counts[4];
    size_t n = hc_metrics_page_buckets(p, "h", NULL, bounds, counts, 4);
    assert_int_equal(n, 3);
    assert_true(bounds[0] == 0.5 && counts[0] == 1);
    assert_true(bounds[1] == 1 && counts[1] == 5);
    assert_true(isinf(bounds[2]) && counts[2] == 10);
    assert_int_equal(
        hc_metrics_page_buckets(p, "h", (const char *[]){"r", "a", NULL}, bounds, counts, 1), 3);
    assert_true(bounds[0] == 0.5 && counts[0] == 1);
    assert_int_equal(hc_metrics_page_buckets(p, "nope", NULL, bounds, counts, 4), 0);
    /* Over r="a": rank 3 of 6 in (0.5, 1] holding 1, 2 in: 1, the top. */
    assert_true(hc_metrics_page_quantile(p, "h", (const char *[]){"r", "a", NULL}, 0.5) == 1);
    assert_null(hc_metrics_page_find(p, "h_bucket", (const char *[]){"r", "c", NULL}));
    size_t count = 99;
    assert_true(hc_metrics_page_sum(p, "missing", NULL, &count) == 0);
    assert_int_equal(count, 0);
    hc_metrics_page_free(p);
    hc_metrics_page_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_golden_exporter_page_parses_to_known_values),
        cmocka_unit_test(tolerated_variations_parse),
        cmocka_unit_test(each_malformed_page_fails_naming_its_line),
        cmocka_unit_test(a_nul_byte_is_malformed_and_err_may_be_null),
        cmocka_unit_test(over_limit_lines_labels_samples_and_pages_are_refused),
        cmocka_unit_test(bucket_quantile_matches_hand_computed_values),
        cmocka_unit_test(page_buckets_sort_and_merge_by_le),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
