/* test_accesslog.c: nginx combined-format lines (hcwarm/accesslog.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "accesslog.h"
#include "hc/core.h"

static int parse(const char *line, struct accesslog_entry *e, const char **why)
{
    *why = NULL;
    return accesslog_parse(line, strlen(line), e, why);
}

static void a_combined_line_gives_its_time_method_target_and_status(void **state)
{
    (void)state;
    struct accesslog_entry e;
    const char *why;
    const char *line = "127.0.0.1 - - [02/Dec/2026:03:31:10 +0000] \"GET /api/orders/7?x=1 "
                       "HTTP/1.1\" 200 153 \"-\" \"curl/8.5.0\"";
    assert_int_equal(parse(line, &e, &why), 0);
    /* 2026-12-02T03:31:10Z */
    assert_int_equal(e.time_s, 1796182270);
    assert_int_equal(e.method_len, 3);
    assert_memory_equal(e.method, "GET", 3);
    assert_int_equal(e.target_len, strlen("/api/orders/7?x=1"));
    assert_memory_equal(e.target, "/api/orders/7?x=1", e.target_len);
    assert_int_equal(e.status, 200);
}

static void the_zone_offset_is_taken_out(void **state)
{
    (void)state;
    struct accesslog_entry a, b;
    const char *why;
    assert_int_equal(
        parse("::1 - bob [01/Jan/2027:01:00:00 +0100] \"HEAD / HTTP/1.0\" 304 0", &a, &why), 0);
    assert_int_equal(
        parse("::1 - - [31/Dec/2026:19:00:00 -0500] \"HEAD / HTTP/1.0\" 304 0", &b, &why), 0);
    assert_int_equal(a.time_s, 1798761600); /* 2027-01-01T00:00:00Z */
    assert_int_equal(b.time_s, a.time_s);
    assert_memory_equal(a.method, "HEAD", 4);
}

static void the_common_format_and_a_trailing_cr_parse(void **state)
{
    (void)state;
    struct accesslog_entry e;
    const char *why;
    assert_int_equal(parse("10.0.0.1 - - [29/Feb/2028:23:59:59 +0000] \"GET /a HTTP/2.0\" 404 "
                           "12\r",
                           &e, &why),
                     0);
    assert_int_equal(e.status, 404);
    assert_int_equal(e.time_s, accesslog_days_from_civil(2028, 2, 29) * 86400 + 86399);
}

static void days_from_civil_matches_known_dates(void **state)
{
    (void)state;
    assert_int_equal(accesslog_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(accesslog_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(accesslog_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(accesslog_days_from_civil(2026, 12, 2), 20789);
}

static void malformed_lines_say_what_was_expected(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        const char *why_has;
    } bad[] = {
        {"", "[dd/Mon"},
        {"garbage", "[dd/Mon"},
        {"1.2.3.4 - - [02/Foo/2026:03:31:10 +0000] \"GET / HTTP/1.1\" 200 1", "a time like"},
        {"1.2.3.4 - - [31/Feb/2026:03:31:10 +0000] \"GET / HTTP/1.1\" 200 1", "a time like"},
        {"1.2.3.4 - - [02/Dec/2026:24:00:00 +0000] \"GET / HTTP/1.1\" 200 1", "a time like"},
        {"1.2.3.4 - - [02/Dec/2026:03:31:10 0000] \"GET / HTTP/1.1\" 200 1", "a time like"},
        {"1.2.3.4 - - [02/Dec/2026:03:31:10 +0000", "a time like"},
        {"1.2.3.4 - - [02/Dec/2026:03:31:10 +0000] \"GET / HTTP/1.1", "closing"},
        {"1.2.3.4 - - [02/Dec/2026:03:31:10 +0000] \"-\" 400 0", "request line"},
        {"1.2.3.4 - - [02/Dec/2026:03:31:10 +0000] \"\\x16\\x03 / HTTP/1.1\" 400 0", "method"},
        {"1.2.3.4 - - [02/Dec/2026:03:31:10 +0000] \"GET http://x/ HTTP/1.1\" 200 0", "origin"},
        {"1.2.3.4 - - [02/Dec/2026:03:31:10 +0000] \"GET / FTP/1.1\" 200 0", "version"},
        {"1.2.3.4 - - [02/Dec/2026:03:31:10 +0000] \"GET / HTTP/1.1\" 20 0", "status"},
        {"1.2.3.4 - - [02/Dec/2026:03:31:10 +0000] \"GET / HTTP/1.1\" 2000 0", "status"},
        {"1.2.3.4 - - [02/Dec/2026:03:31:10 +0000] \"GET / HTTP/1.1\"", "status"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct accesslog_entry e;
        const char *why;
        assert_int_equal(parse(bad[i].line, &e, &why), HC_ESYNTAX);
        assert_non_null(why);
        if (strstr(why, bad[i].why_has) == NULL)
            fail_msg("line %zu: \"%s\" does not say \"%s\"", i, why, bad[i].why_has);
    }
}

static void a_line_is_never_read_past_its_length(void **state)
{
    (void)state;
    const char *line = "1.2.3.4 - - [02/Dec/2026:03:31:10 +0000] \"GET /abc HTTP/1.1\" 200 1";
    size_t n = strlen(line);
    for (size_t cut = 0; cut < n; cut++) {
        char *copy = test_malloc(cut ? cut : 1);
        memcpy(copy, line, cut);
        struct accesslog_entry e;
        const char *why;
        /* Cut right after the status the line is still whole; any shorter is malformed. */
        int rc = accesslog_parse(copy, cut, &e, &why);
        if (cut >= n - 2)
            assert_int_equal(rc, 0);
        else
            assert_int_equal(rc, HC_ESYNTAX);
        test_free(copy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_combined_line_gives_its_time_method_target_and_status),
        cmocka_unit_test(the_zone_offset_is_taken_out),
        cmocka_unit_test(the_common_format_and_a_trailing_cr_parse),
        cmocka_unit_test(days_from_civil_matches_known_dates),
        cmocka_unit_test(malformed_lines_say_what_was_expected),
        cmocka_unit_test(a_line_is_never_read_past_its_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
