/* test_record.c: samples written to SQLite come back the same, in time order, and a damaged
 * row is refused (hcmon/record.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"

static char path[64];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof(path), "/tmp/hcmon_test_record_%d.db", (int)getpid());
    unlink(path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[80];
    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
    return 0;
}

static void put(struct record *rec, size_t target, int64_t mono, const char *text, bool ok)
{
    struct poller_result r;
    memset(&r, 0, sizeof(r));
    r.target = target;
    r.wall_ns = 1000 + mono;
    r.mono_ns = mono;
    r.scrape_s = 0.25;
    r.ok = ok;
    r.retry_ns = 5;
    if (text != NULL) {
        r.text = strdup(text);
        r.len = strlen(text);
    }
    if (!ok)
        snprintf(r.reason, sizeof(r.reason), "connection refused");
    char err[200];
    assert_int_equal(record_write(rec, &r, err, sizeof(err)), 0);
    free(r.text);
}

static void samples_come_back_in_time_order_and_parse(void **state)
{
    (void)state;
    struct target t[2];
    char err[200];
    assert_int_equal(target_parse("http://127.0.0.1:8080/metrics", &t[0], err, sizeof(err)), 0);
    assert_int_equal(target_parse("redis://127.0.0.1:6379", &t[1], err, sizeof(err)), 0);
    struct record *rec;
    assert_int_equal(record_open(path, t, 2, &rec, err, sizeof(err)), 0);
    put(rec, 0, 300, "x_total 3\n", true);
    put(rec, 1, 100, NULL, false);
    put(rec, 0, 200, "x_total 2\n", true);
    record_close(rec);
    struct record_replay *rp;
    struct target *ts;
    size_t n;
    assert_int_equal(record_replay_open(path, &rp, &ts, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 2);
    assert_string_equal(ts[1].url, "redis://127.0.0.1:6379");
    struct poller_result r;
    int64_t at;
    assert_true(record_replay_peek(rp, &at));
    assert_int_equal(at, 100);
    assert_int_equal(record_replay_next(rp, &r, err, sizeof(err)), 1);
    assert_int_equal(r.target, 1);
    assert_false(r.ok);
    assert_string_equal(r.reason, "connection refused");
    assert_int_equal(r.retry_ns, 5);
    poller_result_destroy(&r);
    assert_int_equal(record_replay_next(rp, &r, err, sizeof(err)), 1);
    assert_int_equal(r.mono_ns, 200);
    assert_int_equal(r.wall_ns, 1200);
    assert_true(r.ok);
    assert_true(r.scrape_s == 0.25);
    assert_true(hc_metrics_page_find(r.page, "x_total", NULL)->value == 2);
    poller_result_destroy(&r);
    assert_int_equal(record_replay_next(rp, &r, err, sizeof(err)), 1);
    poller_result_destroy(&r);
    assert_int_equal(record_replay_next(rp, &r, err, sizeof(err)), 0);
    assert_false(record_replay_peek(rp, &at));
    record_replay_close(rp);
    for (size_t i = 0; i < n; i++)
        target_destroy(&ts[i]);
    free(ts);
    target_destroy(&t[0]);
    target_destroy(&t[1]);
}

static void a_row_claiming_a_huge_page_is_refused(void **state)
{
    (void)state;
    struct target t;
    char err[200];
    assert_int_equal(target_parse("http://h:1/metrics", &t, err, sizeof(err)), 0);
    struct record *rec;
    assert_int_equal(record_open(path, &t, 1, &rec, err, sizeof(err)), 0);
    put(rec, 0, 1, "a 1\n", true);
    record_close(rec);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE samples SET page_bytes = 1e12", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    struct record_replay *rp;
    struct target *ts;
    size_t n;
    assert_int_equal(record_replay_open(path, &rp, &ts, &n, err, sizeof(err)), 0);
    struct poller_result r;
    assert_true(record_replay_next(rp, &r, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "claims"));
    record_replay_close(rp);
    target_destroy(&ts[0]);
    free(ts);
    target_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(samples_come_back_in_time_order_and_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(a_row_claiming_a_huge_page_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
