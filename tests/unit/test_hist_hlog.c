/* test_hist_hlog.c: .hlog interval logs: our writer, our reader, and logs Java wrote. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/hist.h"

#define HOUR_NS (3600LL * 1000 * 1000 * 1000)

static void written_log_reads_back_equal(void **state)
{
    (void)state;
    struct hc_buf out;
    hc_buf_init(&out, 0);
    struct hc_hlog_writer w;
    hc_hlog_writer_init(&w, &out, NULL, 0);
    assert_int_equal(hc_hlog_writer_comment(&w, "hcload test"), 0);
    assert_int_equal(hc_hlog_writer_header(&w, 1700000000.5, 1700000000.0), 0);
    struct hc_hist *h[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(hc_hist_new(1, HOUR_NS, 3, &h[i]), 0);
        for (int64_t v = 1; v <= 1000 * (i + 1); v++)
            hc_hist_record(h[i], v * 997);
        assert_int_equal(
            hc_hlog_writer_interval(&w, i == 1 ? "GET" : NULL, 1700000001.0 + i, 1.0, h[i]), 0);
    }
    assert_int_equal(hc_hlog_writer_interval(&w, "bad tag", 0, 1, h[0]), -EINVAL);
    assert_int_equal(hc_hlog_writer_interval(&w, "a,b", 0, 1, h[0]), -EINVAL);
    assert_int_equal(hc_hlog_writer_comment(&w, "two\nlines"), -EINVAL);
    hc_hlog_writer_destroy(&w);
    const char *s = hc_buf_cstr(&out);
    assert_non_null(strstr(s, "#[Histogram log format version 1.3]\n"));
    assert_non_null(strstr(s, "#[StartTime: 1700000000.500 (seconds since epoch), Tue Nov 14 "
                              "22:13:20 UTC 2023]\n"));
    assert_non_null(strstr(s, "#[BaseTime: 1700000000.000 (seconds since epoch)]\n"));
    assert_non_null(strstr(s, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
                              "\"Interval_Compressed_Histogram\"\n"));
    assert_non_null(strstr(s, "\n1.000,1.000,0.997,HISTF"));
    assert_non_null(strstr(s, "\nTag=GET,2.000,1.000,1.995,HISTF"));

    struct hc_hlog_reader *r;
    assert_int_equal(hc_hlog_reader_new(NULL, out.data, out.len, &r), 0);
    for (int i = 0; i < 3; i++) {
        struct hc_hlog_entry e;
        assert_int_equal(hc_hlog_reader_next(r, &e), 1);
        assert_string_equal(e.tag, i == 1 ? "GET" : "");
        assert_true(fabs(e.start_sec - (1.0 + i)) < 1e-9);
        assert_true(fabs(e.abs_start_sec - (1700000001.0 + i)) < 1e-6);
        assert_true(fabs(e.length_sec - 1.0) < 1e-9);
        assert_true(fabs(e.max - (double)hc_hist_max(h[i]) / 1e6) < 0.0005);
        assert_int_equal(e.hist->total_count, h[i]->total_count);
        assert_memory_equal(e.hist->counts, h[i]->counts,
                            (size_t)h[i]->counts_len * sizeof(int64_t));
        hc_hist_free(e.hist);
    }
    struct hc_hlog_entry e;
    assert_int_equal(hc_hlog_reader_next(r, &e), 0);
    assert_true(hc_hlog_reader_start_time(r) == 1700000000.5);
    assert_true(hc_hlog_reader_base_time(r) == 1700000000.0);
    hc_hlog_reader_free(r);
    for (int i = 0; i < 3; i++)
        hc_hist_free(h[i]);
    hc_buf_destroy(&out);
}

static void writer_streams_to_a_file(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    struct hc_hlog_writer w;
    hc_hlog_writer_init(&w, NULL, f, 1000.0);
    struct hc_hist *h;
    assert_int_equal(hc_hist_new(1, HOUR_NS, 3, &h), 0);
    hc_hist_record(h, 1500);
    assert_int_equal(hc_hlog_writer_header(&w, 100.0, 100.0), 0);
    assert_int_equal(hc_hlog_writer_interval(&w, NULL, 100.25, 0.5, h), 0);
    hc_hlog_writer_destroy(&w);
    rewind(f);
    struct hc_hlog_reader *r;
    hc_hlog_reader_new(f, NULL, 0, &r);
    struct hc_hlog_entry e;
    assert_int_equal(hc_hlog_reader_next(r, &e), 1);
    assert_true(e.max == 1.5); /* 1500 ns at ratio 1000 */
    assert_true(e.start_sec == 0.25);
    assert_int_equal(hc_hist_count_at(e.hist, 1500), 1);
    hc_hist_free(e.hist);
    assert_int_equal(hc_hlog_reader_next(r, &e), 0);
    hc_hlog_reader_free(r);
    hc_hist_free(h);
    fclose(f);
}

static void reader_takes_crlf_blank_lines_and_comments(void **state)
{
    (void)state;
    const char *blob = "HISTFAAAACx4nJNpmSzMwMDAwwABzFCaEch0M9ixgMH+A1SEiYlp5zpGlu4jjEwAkzUHGw==";
    char text[1024];
    snprintf(text, sizeof(text),
             "#[StartTime: 1441812279.474 (seconds since epoch), Wed Sep 09 08:24:39 PDT "
             "2015]\r\n\r\n# a comment\r\n\"StartTimestamp\",\"Interval_Length\",\"Interval_"
             "Max\",\"Interval_Compressed_Histogram\"\r\n\r\n0.127,1.007,5003.805,%s\r\n"
             "Tag=x,1.134,1.000,5003.805,%s",
             blob, blob);
    struct hc_hlog_reader *r;
    hc_hlog_reader_new(NULL, text, strlen(text), &r);
    struct hc_hlog_entry e;
    assert_int_equal(hc_hlog_reader_next(r, &e), 1);
    assert_int_equal(hc_hlog_reader_line(r), 6);
    /* no BaseTime and starts far before StartTime: relative to StartTime */
    assert_true(fabs(e.abs_start_sec - 1441812279.601) < 1e-6);
    assert_int_equal(hc_hist_total_count(e.hist), 6);
    hc_hist_free(e.hist);
    assert_int_equal(hc_hlog_reader_next(r, &e), 1);
    assert_string_equal(e.tag, "x");
    hc_hist_free(e.hist);
    assert_int_equal(hc_hlog_reader_next(r, &e), 0);
    hc_hlog_reader_free(r);
}

static void reader_errors_name_the_line(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
        const char *msg;
    } cases[] = {
        {"#c\n\n1.0,2.0\n", HC_ESYNTAX, "line 3: bad interval length"},
        {"1,2,x,HISTF\n", HC_ESYNTAX, "line 1: bad interval max"},
        {"x,1,1,HISTF\n", HC_ESYNTAX, "line 1: bad start time"},
        {"#\n1,nan,1,HISTF\n", HC_ESYNTAX, "line 2: bad interval length"},
        {"Tag=,1,1,1,HISTF\n", HC_ESYNTAX, "line 1: empty or over-long tag"},
        {"Tag=abc\n", HC_ESYNTAX, "line 1: tag without a following field"},
        {"Tag=a b,1,1,1,HISTF\n", HC_ESYNTAX, "line 1: tag with a space, control byte or comma"},
        {"Tag=a\x04,1,1,1,HISTF\n", HC_ESYNTAX, "line 1: tag with a space, control byte or comma"},
        {"#[StartTime: soon]\n", HC_ESYNTAX, "line 1: bad StartTime"},
        {"#\n#\n#[BaseTime: x]\n", HC_ESYNTAX, "line 3: bad BaseTime"},
        {"1,1,1,HISTFAAAA\n", HC_ECODEC,
         "line 1: histogram does not decode (encoded data does not decode)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct hc_hlog_reader *r;
        hc_hlog_reader_new(NULL, cases[i].text, strlen(cases[i].text), &r);
        struct hc_hlog_entry e;
        assert_int_equal(hc_hlog_reader_next(r, &e), cases[i].rc);
        assert_string_equal(hc_hlog_reader_error(r), cases[i].msg);
        hc_hlog_reader_free(r);
    }
    /* after an error the next line is read */
    const char *two = "bad\n\n";
    struct hc_hlog_reader *r;
    hc_hlog_reader_new(NULL, two, strlen(two), &r);
    struct hc_hlog_entry e;
    assert_int_equal(hc_hlog_reader_next(r, &e), HC_ESYNTAX);
    assert_int_equal(hc_hlog_reader_next(r, &e), 0);
    hc_hlog_reader_free(r);
}

static void over_long_lines_are_refused(void **state)
{
    (void)state;
    size_t n = HC_HLOG_MAX_LINE_BYTES + 10;
    char *text = malloc(n + 3);
    memset(text, 'A', n);
    memcpy(text + n, "\n\n", 3);
    struct hc_hlog_reader *r;
    hc_hlog_reader_new(NULL, text, n + 2, &r);
    struct hc_hlog_entry e;
    assert_int_equal(hc_hlog_reader_next(r, &e), HC_ETOOLARGE);
    assert_string_equal(hc_hlog_reader_error(r), "line 1: line longer than the limit");
    assert_int_equal(hc_hlog_reader_next(r, &e), 0);
    hc_hlog_reader_free(r);
    free(text);
}

/* The log GenGolden.java wrote with Java HdrHistogram decodes to the facts it recorded. */
static void a_log_written_by_java_hdrhistogram_reads_to_its_known_values(void **state)
{
    (void)state;
    FILE *f = fopen(HC_TEST_DATA "/hist/java_written.hlog", "r");
    FILE *x = fopen(HC_TEST_DATA "/hist/java_expected.txt", "r");
    assert_non_null(f);
    assert_non_null(x);
    struct hc_hlog_reader *r;
    hc_hlog_reader_new(f, NULL, 0, &r);
    int n = 0;
    struct hc_hlog_entry e;
    int rc;
    while ((rc = hc_hlog_reader_next(r, &e)) == 1) {
        int idx;
        char tag[64];
        long long total, min, max, p50, p90, p99, p999, p100;
        double mean;
        assert_int_equal(fscanf(x,
                                "interval %d tag %63s total %lld min %lld max %lld mean %lf "
                                "p50 %lld p90 %lld p99 %lld p999 %lld p100 %lld\n",
                                &idx, tag, &total, &min, &max, &mean, &p50, &p90, &p99, &p999,
                                &p100),
                         11);
        assert_int_equal(idx, n);
        assert_string_equal(e.tag, strcmp(tag, "-") == 0 ? "" : tag);
        assert_int_equal(hc_hist_total_count(e.hist), total);
        assert_int_equal(hc_hist_min(e.hist), min);
        assert_int_equal(hc_hist_max(e.hist), max);
        assert_true(fabs(hc_hist_mean(e.hist) - mean) < 1e-3);
        assert_int_equal(hc_hist_value_at_percentile(e.hist, 50), p50);
        assert_int_equal(hc_hist_value_at_percentile(e.hist, 90), p90);
        assert_int_equal(hc_hist_value_at_percentile(e.hist, 99), p99);
        assert_int_equal(hc_hist_value_at_percentile(e.hist, 99.9), p999);
        assert_int_equal(hc_hist_value_at_percentile(e.hist, 100), p100);
        assert_true(fabs(e.max - (double)max / 1e6) < 0.0005);
        assert_true(fabs(e.abs_start_sec - (1700000000.123 + n)) < 1e-6);
        hc_hist_free(e.hist);
        n++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, 3);
    hc_hlog_reader_free(r);
    fclose(f);
    fclose(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(written_log_reads_back_equal),
        cmocka_unit_test(writer_streams_to_a_file),
        cmocka_unit_test(reader_takes_crlf_blank_lines_and_comments),
        cmocka_unit_test(reader_errors_name_the_line),
        cmocka_unit_test(over_long_lines_are_refused),
        cmocka_unit_test(a_log_written_by_java_hdrhistogram_reads_to_its_known_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
