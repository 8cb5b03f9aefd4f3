/* test_units.c: parsing and formatting of durations, sizes, rates and counts (common/units.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hc/units.h"

#define SEC  HC_NSEC_PER_SEC
#define MSEC HC_NSEC_PER_MSEC
#define USEC HC_NSEC_PER_USEC

struct dur_case {
    const char *text;
    int64_t bare_unit;
    int rc;
    int64_t ns;
};

static void durations_parse_to_exact_nanoseconds(void **state)
{
    (void)state;
    static const struct dur_case cases[] = {
        {"1.5ms", 0, 0, 1500000},
        {"10s", 0, 0, 10 * SEC},
        {"2m", 0, 0, 120 * SEC},
        {"1h", 0, 0, 3600 * SEC},
        {"1d", 0, 0, 86400 * SEC},
        {"250us", 0, 0, 250 * USEC},
        {"250\xc2\xb5s", 0, 0, 250 * USEC},
        {"250\xce\xbcs", 0, 0, 250 * USEC},
        {"100ns", 0, 0, 100},
        {"1m30s", 0, 0, 90 * SEC},
        {"1h2m3.5s", 0, 0, 3723 * SEC + 500 * MSEC},
        {"2m05s", 0, 0, 125 * SEC},
        {"1s500ms", 0, 0, 1500 * MSEC},
        {"0.1s", 0, 0, 100 * MSEC},
        {".5s", 0, 0, 500 * MSEC},
        {"2.s", 0, 0, 2 * SEC},
        {"1.5h", 0, 0, 5400 * SEC},
        {"0.0000000015s", 0, 0, 2}, /* 1.5 ns rounds half up */
        {"0.0000000004s", 0, 0, 0},
        {"0", 0, 0, 0},
        {"0.000", 0, 0, 0},
        {"0s", 0, 0, 0},
        {"2", SEC, 0, 2 * SEC},
        {"1.5", SEC, 0, 1500 * MSEC},
        {"250", MSEC, 0, 250 * MSEC},
        {"9223372036854775807ns", 0, 0, INT64_MAX},
        {"9223372036.854775807s", 0, 0, INT64_MAX},
        {"00000000000000000000000000001s", 0, 0, SEC},
        {"1.00000000000000000000000000001s", 0, 0, SEC},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(cases); i++) {
        int64_t ns = -1;
        int rc = hc_units_parse_duration(cases[i].text, cases[i].bare_unit, &ns);
        if (rc != cases[i].rc || ns != cases[i].ns)
            fail_msg("'%s': rc %d ns %lld", cases[i].text, rc, (long long)ns);
    }
}

static void bad_durations_fail_with_the_right_code_and_leave_the_output(void **state)
{
    (void)state;
    static const struct dur_case cases[] = {
        {"", 0, HC_ESYNTAX, 0},
        {"s", 0, HC_ESYNTAX, 0},
        {".s", 0, HC_ESYNTAX, 0},
        {"2", 0, HC_ESYNTAX, 0}, /* bare number without a default unit */
        {"1m30", SEC, HC_ESYNTAX, 0},
        {"10s ", 0, HC_ESYNTAX, 0},
        {" 10s", 0, HC_ESYNTAX, 0},
        {"1 s", 0, HC_ESYNTAX, 0},
        {"1.2.3s", 0, HC_ESYNTAX, 0},
        {"+1s", 0, HC_ESYNTAX, 0},
        {"1s,", 0, HC_ESYNTAX, 0},
        {"30s1m", 0, HC_ESYNTAX, 0},
        {"1s1s", 0, HC_ESYNTAX, 0},
        {"1us1\xc2\xb5s", 0, HC_ESYNTAX, 0},
        {"1e3s", 0, HC_EUNKNOWN, 0}, /* no exponents in durations: "e" is a unit */
        {"10x", 0, HC_EUNKNOWN, 0},
        {"10sec", 0, HC_EUNKNOWN, 0},
        {"10S", 0, HC_EUNKNOWN, 0},
        {"10M", 0, HC_EUNKNOWN, 0},
        {"5\xc2s", 0, HC_EUNKNOWN, 0},
        {"-1s", 0, HC_ERANGE, 0},
        {"-.5s", 0, HC_ERANGE, 0},
        {"9223372036854775808ns", 0, HC_ERANGE, 0},
        {"9223372037s", 0, HC_ERANGE, 0},
        {"106752d", 0, HC_ERANGE, 0},
        {"106751d23h47m16.854775807s", 0, 0, INT64_MAX},
        {"106751d23h47m16.854775808s", 0, HC_ERANGE, 0},
        {"99999999999999999999999999h", 0, HC_ERANGE, 0},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(cases); i++) {
        int64_t ns = 42;
        int rc = hc_units_parse_duration(cases[i].text, cases[i].bare_unit, &ns);
        int64_t want = cases[i].rc == 0 ? cases[i].ns : 42;
        if (rc != cases[i].rc || ns != want)
            fail_msg("'%s': rc %d (want %d) ns %lld", cases[i].text, rc, cases[i].rc,
                     (long long)ns);
    }
    int64_t ns;
    assert_int_equal(hc_units_parse_duration(NULL, 0, &ns), -EINVAL);
    assert_int_equal(hc_units_parse_duration("1s", -1, &ns), -EINVAL);
}

struct u64_case {
    const char *text;
    int rc;
    uint64_t value;
};

static void sizes_use_binary_letters_and_decimal_kb(void **state)
{
    (void)state;
    static const struct u64_case cases[] = {
        {"64KiB", 0, 65536},
        {"1MiB", 0, 1048576},
        {"1.5GiB", 0, 1610612736},
        {"10KB", 0, 10000},
        {"10kB", 0, 10000},
        {"512B", 0, 512},
        {"512", 0, 512},
        {"0", 0, 0},
        {"1k", 0, 1024},
        {"1K", 0, 1024},
        {"1Ki", 0, 1024},
        {"2m", 0, 2097152},
        {"2M", 0, 2097152},
        {"2MB", 0, 2000000},
        {"1G", 0, 1073741824},
        {"1GB", 0, 1000000000},
        {"1TiB", 0, 1099511627776},
        {"1PiB", 0, 1125899906842624},
        {"1EiB", 0, 1152921504606846976},
        {"1e", 0, 1152921504606846976},
        {"1EB", 0, 1000000000000000000},
        {"0.5KiB", 0, 512},
        {"1.1KiB", 0, 1126},                      /* 1126.4 rounds to the nearest byte */
        {"15.99EiB", 0, 18435214858663483146ULL}, /* ...146.24 */
        {"18446744073709551615", 0, UINT64_MAX},
        {"18446744073709551616", HC_ERANGE, 0},
        {"16EiB", HC_ERANGE, 0},
        {"-1KiB", HC_ERANGE, 0},
        {"1kb", HC_EUNKNOWN, 0},
        {"1KIB", HC_EUNKNOWN, 0},
        {"1x", HC_EUNKNOWN, 0},
        {"1KiBs", HC_EUNKNOWN, 0},
        {"1e6", HC_ESYNTAX, 0}, /* sizes take no exponent */
        {"1k5", HC_ESYNTAX, 0},
        {"1 KiB", HC_ESYNTAX, 0},
        {"", HC_ESYNTAX, 0},
        {"KiB", HC_ESYNTAX, 0},
        {"1..5k", HC_ESYNTAX, 0},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(cases); i++) {
        uint64_t v = 42;
        int rc = hc_units_parse_size(cases[i].text, &v);
        uint64_t want = cases[i].rc == 0 ? cases[i].value : 42;
        if (rc != cases[i].rc || v != want)
            fail_msg("'%s': rc %d (want %d) value %llu", cases[i].text, rc, cases[i].rc,
                     (unsigned long long)v);
    }
}

static void counts_take_si_multipliers_and_exponents_but_only_whole_numbers(void **state)
{
    (void)state;
    static const struct u64_case cases[] = {
        {"10k", 0, 10000},
        {"10K", 0, 10000},
        {"1.5M", 0, 1500000},
        {"2G", 0, 2000000000},
        {"3T", 0, 3000000000000},
        {"1P", 0, 1000000000000000},
        {"18E", 0, 18000000000000000000ULL},
        {"1000", 0, 1000},
        {"1e6", 0, 1000000},
        {"1.5e3", 0, 1500},
        {"1e+2", 0, 100},
        {"15e-1k", 0, 1500},
        {"0", 0, 0},
        {"0e999999999", 0, 0},
        {"18446744073709551615", 0, UINT64_MAX},
        {"18446744073709551616", HC_ERANGE, 0},
        {"19E", HC_ERANGE, 0},
        {"1e20", HC_ERANGE, 0},
        {"1e99999999999", HC_ERANGE, 0},
        {"1.5", HC_ERANGE, 0},
        {"1.2345k", HC_ERANGE, 0},
        {"1e-1", HC_ERANGE, 0},
        {"-5", HC_ERANGE, 0},
        {"1m", HC_EUNKNOWN, 0},
        {"1e", HC_EUNKNOWN, 0},
        {"1Ki", HC_EUNKNOWN, 0},
        {"1e+", HC_ESYNTAX, 0},
        {"1E6", HC_ESYNTAX, 0}, /* "E" then a stray digit */
        {"1,000", HC_ESYNTAX, 0},
        {"k", HC_ESYNTAX, 0},
        {"", HC_ESYNTAX, 0},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(cases); i++) {
        uint64_t v = 42;
        int rc = hc_units_parse_count(cases[i].text, &v);
        uint64_t want = cases[i].rc == 0 ? cases[i].value : 42;
        if (rc != cases[i].rc || v != want)
            fail_msg("'%s': rc %d (want %d) value %llu", cases[i].text, rc, cases[i].rc,
                     (unsigned long long)v);
    }
}

struct rate_case {
    const char *text;
    int rc;
    double per_sec;
};

static void rates_convert_to_events_per_second(void **state)
{
    (void)state;
    static const struct rate_case cases[] = {
        {"2000/s", 0, 2000},
        {"2000", 0, 2000},
        {"120/m", 0, 2},
        {"5/ms", 0, 5000},
        {"3/us", 0, 3000000},
        {"7200/h", 0, 2},
        {"86400/d", 0, 1},
        {"10k/s", 0, 10000},
        {"1.5k", 0, 1500},
        {"2M/s", 0, 2000000},
        {"0.5", 0, 0.5},
        {"1e3", 0, 1000},
        {"2.5e-3", 0, 0.0025},
        {"0", 0, 0},
        {"0/s", 0, 0},
        {"1e400", HC_ERANGE, 0},
        {"1e-400", HC_ERANGE, 0},
        {"-1/s", HC_ERANGE, 0},
        {"10/x", HC_EUNKNOWN, 0},
        {"10q", HC_EUNKNOWN, 0},
        {"10/sec", HC_EUNKNOWN, 0},
        {"10/", HC_ESYNTAX, 0},
        {"10k/", HC_ESYNTAX, 0},
        {"/s", HC_ESYNTAX, 0},
        {"10/1s", HC_ESYNTAX, 0},
        {"10 /s", HC_ESYNTAX, 0},
        {"nan", HC_ESYNTAX, 0},
        {"inf", HC_ESYNTAX, 0},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(cases); i++) {
        double v = 42;
        int rc = hc_units_parse_rate(cases[i].text, &v);
        double want = cases[i].rc == 0 ? cases[i].per_sec : 42;
        if (rc != cases[i].rc || v != want)
            fail_msg("'%s': rc %d (want %d) value %.17g", cases[i].text, rc, cases[i].rc, v);
    }
}

struct fmt_case {
    int64_t value;
    const char *text;
};

static void durations_format_with_three_significant_digits(void **state)
{
    (void)state;
    static const struct fmt_case cases[] = {
        {0, "0s"},
        {1, "1ns"},
        {812, "812ns"},
        {999, "999ns"},
        {1000, "1.00us"},
        {999499, "999us"},
        {999500, "1.00ms"},
        {1234567, "1.23ms"},
        {1235000, "1.24ms"},
        {9995000, "10.0ms"},
        {45600 * MSEC, "45.6s"},
        {59949 * MSEC, "59.9s"},
        {59950 * MSEC, "1m00s"},
        {125 * SEC, "2m05s"},
        {3599 * SEC + 499 * MSEC, "59m59s"},
        {3599 * SEC + 500 * MSEC, "1h00m"},
        {3723 * SEC, "1h02m"},
        {360000 * SEC, "100h00m"},
        {-1500 * USEC, "-1.50ms"},
        {INT64_MAX, "2562047h47m"}, /* 2562047h47m16.854775807s */
        {INT64_MIN, "-2562047h47m"},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(cases); i++) {
        char out[HC_UNITS_FMT_MAX];
        int n = hc_units_format_duration(cases[i].value, out, sizeof(out));
        if (n != (int)strlen(cases[i].text) || strcmp(out, cases[i].text) != 0)
            fail_msg("%lld: got '%s' (%d), want '%s'", (long long)cases[i].value, out, n,
                     cases[i].text);
    }
}

struct ufmt_case {
    uint64_t value;
    const char *text;
};

static void sizes_and_counts_format_with_three_significant_digits(void **state)
{
    (void)state;
    static const struct ufmt_case sizes[] = {
        {0, "0B"},
        {512, "512B"},
        {1023, "1023B"},
        {1024, "1.00KiB"},
        {1536, "1.50KiB"},
        {3355443, "3.20MiB"},
        {1000 * 1024, "1000KiB"},
        {1048063, "1023KiB"},
        {1048064, "1.00MiB"}, /* 1023.5 KiB rounds up into the next unit */
        {UINT64_MAX, "15.99EiB"},
        {(1ULL << 60) * 15 + (1ULL << 60) / 10 * 9, "15.9EiB"},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(sizes); i++) {
        char out[HC_UNITS_FMT_MAX];
        int n = hc_units_format_size(sizes[i].value, out, sizeof(out));
        if (n != (int)strlen(sizes[i].text) || strcmp(out, sizes[i].text) != 0)
            fail_msg("size %llu: got '%s', want '%s'", (unsigned long long)sizes[i].value, out,
                     sizes[i].text);
    }
    static const struct ufmt_case counts[] = {
        {0, "0"},
        {999, "999"},
        {1000, "1.00k"},
        {12345, "12.3k"},
        {999499, "999k"},
        {999500, "1.00M"},
        {12500000, "12.5M"},
        {2000000000, "2.00G"},
        {UINT64_MAX, "18.4E"},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(counts); i++) {
        char out[HC_UNITS_FMT_MAX];
        int n = hc_units_format_count(counts[i].value, out, sizeof(out));
        if (n != (int)strlen(counts[i].text) || strcmp(out, counts[i].text) != 0)
            fail_msg("count %llu: got '%s', want '%s'", (unsigned long long)counts[i].value, out,
                     counts[i].text);
    }
}

struct dfmt_case {
    double value;
    const char *text;
};

static void rates_format_with_si_multipliers(void **state)
{
    (void)state;
    static const struct dfmt_case cases[] = {
        {0, "0"},
        {0.5, "0.500"},
        {0.0123, "0.0123"},
        {0.00123, "0.00123"},
        {0.0001234, "1.23e-4"},
        {0.9996, "1.00"},
        {1, "1.00"},
        {12.5, "12.5"},
        {812, "812"},
        {999.4, "999"},
        {999.6, "1.00k"},
        {12500, "12.5k"},
        {1e6, "1.00M"},
        {2.5e18, "2.50E"},
        {1e21, "1.00e21"},
        {-12500, "-12.5k"},
        {NAN, "nan"},
        {INFINITY, "inf"},
        {-INFINITY, "-inf"},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(cases); i++) {
        char out[HC_UNITS_FMT_MAX];
        int n = hc_units_format_rate(cases[i].value, out, sizeof(out));
        if (n != (int)strlen(cases[i].text) || strcmp(out, cases[i].text) != 0)
            fail_msg("rate %g: got '%s', want '%s'", cases[i].value, out, cases[i].text);
    }
}

static void formatting_into_a_short_buffer_fails_cleanly(void **state)
{
    (void)state;
    char out[8];
    memset(out, 'x', sizeof(out));
    assert_int_equal(hc_units_format_duration(1234567, out, 6), HC_ETOOLARGE);
    assert_string_equal(out, "");
    assert_int_equal(out[1], 'x');
    assert_int_equal(hc_units_format_duration(1234567, out, 7), 6); /* "1.23ms" + NUL */
    assert_string_equal(out, "1.23ms");
    assert_int_equal(hc_units_format_size(1536, out, 0), HC_ETOOLARGE);

    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(hc_units_append_rate(&b, 12500), 0);
    assert_int_equal(hc_buf_append_str(&b, " req/s, "), 0);
    assert_int_equal(hc_units_append_duration(&b, 1234567), 0);
    assert_int_equal(hc_buf_append_str(&b, ", "), 0);
    assert_int_equal(hc_units_append_size(&b, 3355443), 0);
    assert_int_equal(hc_buf_append_str(&b, ", "), 0);
    assert_int_equal(hc_units_append_count(&b, 1500000), 0);
    assert_string_equal(hc_buf_cstr(&b), "12.5k req/s, 1.23ms, 3.20MiB, 1.50M");
    hc_buf_destroy(&b);

    hc_buf_init(&b, 4);
    assert_int_equal(hc_units_append_size(&b, 3355443), HC_ETOOLARGE);
    assert_int_equal(b.len, 0);
    hc_buf_destroy(&b);
}

/* Deterministic pseudo-random values spread over every magnitude. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static double rel_error(double got, double want)
{
    if (want == 0)
        return got == 0 ? 0 : 1;
    return fabs(got - want) / fabs(want);
}

static void formatted_values_parse_back_within_the_stated_precision(void **state)
{
    (void)state;
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 20000; i++) {
        uint64_t r = next_random(&seed);
        uint64_t v = r >> (next_random(&seed) % 64);
        char text[HC_UNITS_FMT_MAX];

        int64_t ns = (int64_t)(v >> 1);
        int64_t ns_back;
        assert_true(hc_units_format_duration(ns, text, sizeof(text)) > 0);
        if (hc_units_parse_duration(text, 0, &ns_back) != 0)
            fail_msg("duration %lld -> '%s' does not parse", (long long)ns, text);
        double tolerance = ns < 60 * SEC ? 0.005 * (double)ns + 0.5 : 30.0 * SEC;
        if (fabs((double)ns_back - (double)ns) > tolerance)
            fail_msg("duration %lld -> '%s' -> %lld", (long long)ns, text, (long long)ns_back);

        uint64_t back;
        assert_true(hc_units_format_size(v, text, sizeof(text)) > 0);
        if (hc_units_parse_size(text, &back) != 0 || rel_error((double)back, (double)v) > 0.005)
            fail_msg("size %llu -> '%s' -> %llu", (unsigned long long)v, text,
                     (unsigned long long)back);

        assert_true(hc_units_format_count(v, text, sizeof(text)) > 0);
        if (hc_units_parse_count(text, &back) != 0 || rel_error((double)back, (double)v) > 0.005)
            fail_msg("count %llu -> '%s' -> %llu", (unsigned long long)v, text,
                     (unsigned long long)back);

        double rate = (double)v / (double)(1ULL << (r % 64));
        double rate_back;
        assert_true(hc_units_format_rate(rate, text, sizeof(text)) > 0);
        if (hc_units_parse_rate(text, &rate_back) != 0 || rel_error(rate_back, rate) > 0.005)
            fail_msg("rate %.17g -> '%s' -> %.17g", rate, text, rate_back);
    }
}

static void a_comma_locale_changes_nothing(void **state)
{
    (void)state;
    /* Only meaningful where a locale with a decimal comma is installed; skipped elsewhere. */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") == NULL &&
        setlocale(LC_NUMERIC, "fr_FR.UTF-8") == NULL)
        skip();
    int64_t ns;
    assert_int_equal(hc_units_parse_duration("1.5ms", 0, &ns), 0);
    assert_int_equal(ns, 1500000);
    double rate;
    assert_int_equal(hc_units_parse_rate("1.5k", &rate), 0);
    assert_true(rate == 1500);
    char out[HC_UNITS_FMT_MAX];
    hc_units_format_rate(0.5, out, sizeof(out));
    setlocale(LC_NUMERIC, "C");
    assert_string_equal(out, "0.500");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(durations_parse_to_exact_nanoseconds),
        cmocka_unit_test(bad_durations_fail_with_the_right_code_and_leave_the_output),
        cmocka_unit_test(sizes_use_binary_letters_and_decimal_kb),
        cmocka_unit_test(counts_take_si_multipliers_and_exponents_but_only_whole_numbers),
        cmocka_unit_test(rates_convert_to_events_per_second),
        cmocka_unit_test(durations_format_with_three_significant_digits),
        cmocka_unit_test(sizes_and_counts_format_with_three_significant_digits),
        cmocka_unit_test(rates_format_with_si_multipliers),
        cmocka_unit_test(formatting_into_a_short_buffer_fails_cleanly),
        cmocka_unit_test(formatted_values_parse_back_within_the_stated_precision),
        cmocka_unit_test(a_comma_locale_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
