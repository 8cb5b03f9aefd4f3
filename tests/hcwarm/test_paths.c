/* test_paths.c: the request lists of http and replay (hcwarm/paths.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hc/core.h"
#include "paths.h"
#include "report.h"

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/test_paths.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void a_list_keeps_its_order_and_shares_repeated_targets(void **state)
{
    (void)state;
    char *f = write_tmp("# hot paths\n/a\n\n/b?x=1\n  /a\nhttp://127.0.0.1:8080/c\n/d e\n");
    struct paths p;
    paths_init(&p);
    struct report r;
    report_init(&r, "http", "t", "s", false, true, NULL);
    char err[300];
    assert_int_equal(paths_load_urls(&p, f, &r, err, sizeof(err)), 0);
    assert_int_equal(p.n, 3); /* /a, /b?x=1, /c */
    assert_int_equal(p.nseq, 4);
    assert_string_equal(p.targets[p.seq[0]], "/a");
    assert_string_equal(p.targets[p.seq[1]], "/b?x=1");
    assert_int_equal(p.seq[2], p.seq[0]);
    assert_string_equal(p.targets[p.seq[3]], "/c");
    assert_int_equal(p.malformed, 1); /* "/d e" */
    assert_int_equal(p.lines, 5);
    assert_null(p.at_ns);
    paths_destroy(&p);
    unlink(f);
    free(f);
}

/* Loads the access log in file f into p, with its times, as `hcwarm replay` does. */
static void load_log_times(const char *f, struct paths *p)
{
    struct report r;
    char err[300];
    paths_init(p);
    report_init(&r, "replay", "t", "s", false, true, NULL);
    assert_int_equal(paths_load_log(p, f, true, &r, err, sizeof(err)), 0);
}

static void a_log_keeps_get_and_head_with_their_times(void **state)
{
    (void)state;
    char *f = write_tmp(
        "1.1.1.1 - - [02/Dec/2026:03:00:00 +0000] \"GET /a HTTP/1.1\" 200 5 \"-\" \"x\"\n"
        "1.1.1.1 - - [02/Dec/2026:03:00:02 +0000] \"POST /orders HTTP/1.1\" 201 5 \"-\" \"x\"\n"
        "not a log line\n"
        "1.1.1.1 - - [02/Dec/2026:03:00:03 +0000] \"HEAD /a HTTP/1.1\" 200 0 \"-\" \"x\"\n"
        "1.1.1.1 - - [02/Dec/2026:03:00:02 +0000] \"GET /a HTTP/1.1\" 200 5 \"-\" \"x\"\n");
    struct paths p;
    load_log_times(f, &p);
    assert_int_equal(p.lines, 5);
    assert_int_equal(p.skipped, 1);
    assert_int_equal(p.malformed, 1);
    assert_int_equal(p.nseq, 3);
    assert_int_equal(p.n, 2); /* GET /a and HEAD /a are two requests */
    assert_string_equal(p.methods[p.seq[1]], "HEAD");
    assert_int_equal(p.at_ns[0], 0);
    assert_int_equal(p.at_ns[1], 3 * HC_NSEC_PER_SEC);
    /* Logged later than it began: sent with the line before it, never back in time. */
    assert_int_equal(p.at_ns[2], 3 * HC_NSEC_PER_SEC);
    assert_int_equal(p.span_ns, 3 * HC_NSEC_PER_SEC);
    paths_destroy(&p);
    unlink(f);
    free(f);
}

static void times_far_apart_are_refused_not_wrapped(void **state)
{
    (void)state;
    char *f = write_tmp(
        "1.1.1.1 - - [01/Jan/0001:00:00:00 +0000] \"GET /a HTTP/1.1\" 200 5 \"-\" \"x\"\n"
        "1.1.1.1 - - [31/Dec/9999:23:59:59 +0000] \"GET /far HTTP/1.1\" 200 5 \"-\" \"x\"\n"
        "1.1.1.1 - - [01/Jan/0001:00:00:01 +0000] \"GET /b HTTP/1.1\" 200 5 \"-\" \"x\"\n");
    struct paths p;
    load_log_times(f, &p);
    assert_int_equal(p.malformed, 1);
    assert_int_equal(p.nseq, 2);
    assert_string_equal(p.targets[p.seq[1]], "/b");
    assert_int_equal(p.at_ns[1], HC_NSEC_PER_SEC);
    assert_int_equal(p.span_ns, HC_NSEC_PER_SEC);
    paths_destroy(&p);
    unlink(f);
    free(f);
}

static void a_missing_file_is_an_error_naming_it(void **state)
{
    (void)state;
    struct paths p;
    paths_init(&p);
    struct report r;
    report_init(&r, "http", "t", "s", false, true, NULL);
    char err[300];
    assert_int_not_equal(paths_load_urls(&p, "/nonexistent/urls", &r, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "/nonexistent/urls"));
    paths_destroy(&p);
}

static void many_distinct_targets_stay_distinct(void **state)
{
    (void)state;
    struct paths p;
    paths_init(&p);
    char t[32];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 5000; i++) {
            int n = snprintf(t, sizeof(t), "/api/orders/%d", i);
            assert_int_equal(paths_add(&p, "GET", 3, t, (size_t)n, -1), 0);
        }
    }
    assert_int_equal(p.n, 5000);
    assert_int_equal(p.nseq, 10000);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(p.seq[i], p.seq[i + 5000]);
    paths_destroy(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_list_keeps_its_order_and_shares_repeated_targets),
        cmocka_unit_test(a_log_keeps_get_and_head_with_their_times),
        cmocka_unit_test(times_far_apart_are_refused_not_wrapped),
        cmocka_unit_test(a_missing_file_is_an_error_naming_it),
        cmocka_unit_test(many_distinct_targets_stay_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
