/* test_info.c: Redis INFO and MySQL status rows as exposition text that parses
 * (hcmon/info.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "hc/buf.h"
#include "hc/metrics.h"
#include "info.h"

static struct hc_metrics_page *parse_buf(const struct hc_buf *b)
{
    struct hc_metrics_page *p = NULL;
    char err[200] = "";
    if (hc_metrics_parse(b->data != NULL ? b->data : "", b->len, &p, err, sizeof(err)) < 0)
        fail_msg("the output does not parse: %s\n%s", err, b->data);
    return p;
}

static void redis_info_becomes_samples(void **state)
{
    (void)state;
    const char *info = "# Server\r\n"
                       "redis_version:7.0.15\r\n"
                       "uptime_in_seconds:42\r\n"
                       "# Clients\r\n"
                       "connected_clients:3\r\n"
                       "# Stats\r\n"
                       "total_commands_processed:1234\r\n"
                       "keyspace_hits:10\r\n"
                       "mem_fragmentation_ratio:1.25\r\n"
                       "# Replication\r\n"
                       "role:master\r\n"
                       "slave0:ip=127.0.0.1,port=6380,state=online,offset=99,lag=1\r\n"
                       "# Keyspace\r\n"
                       "db0:keys=5,expires=2,avg_ttl=0\r\n"
                       "db1:keys=1,expires=0,avg_ttl=0\r\n"
                       "weird-key:\"quoted\\value\"\r\n"
                       "garbage line\r\n";
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(info_redis(info, strlen(info), &b), 0);
    struct hc_metrics_page *p = parse_buf(&b);
    assert_true(hc_metrics_page_find(p, "redis_uptime_in_seconds", NULL)->value == 42);
    assert_true(hc_metrics_page_find(p, "redis_connected_clients", NULL)->value == 3);
    assert_true(hc_metrics_page_find(p, "redis_total_commands_processed_total", NULL)->value ==
                1234);
    assert_true(hc_metrics_page_find(p, "redis_keyspace_hits_total", NULL)->value == 10);
    assert_true(hc_metrics_page_find(p, "redis_mem_fragmentation_ratio", NULL)->value == 1.25);
    assert_true(hc_metrics_page_sum(p, "redis_db_keys", NULL, NULL) == 6);
    const char *db0[] = {"db", "db0", NULL};
    assert_true(hc_metrics_page_find(p, "redis_db_expires", db0)->value == 2);
    const char *s0[] = {"slave", "slave0", NULL};
    assert_true(hc_metrics_page_find(p, "redis_slave_lag", s0)->value == 1);
    const char *role[] = {"field", "role", "value", "master", NULL};
    assert_non_null(hc_metrics_page_find(p, "redis_info", role));
    const char *w[] = {"field", "weird-key", "value", "\"quoted\\value\"", NULL};
    assert_non_null(hc_metrics_page_find(p, "redis_info", w));
    hc_metrics_page_free(p);
    hc_buf_destroy(&b);
}

static void invalid_utf8_and_odd_names_still_parse(void **state)
{
    (void)state;
    const char info[] = "k\xff:v\xc3\x28x\r\n\xe2\x82:1\r\n9x:2\r\n:3\r\nabc0:=1,q=2,r=\r\n";
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(info_redis(info, sizeof(info) - 1, &b), 0);
    struct hc_metrics_page *p = parse_buf(&b);
    assert_non_null(hc_metrics_page_find(p, "redis_9x", NULL));
    hc_metrics_page_free(p);
    hc_buf_destroy(&b);
}

static void the_cap_is_kept(void **state)
{
    (void)state;
    const char *info = "a:1\r\nb:2\r\nc:3\r\n";
    struct hc_buf b;
    hc_buf_init(&b, 20);
    assert_int_equal(info_redis(info, strlen(info), &b), HC_ETOOLARGE);
    assert_true(b.len <= 20);
    hc_buf_destroy(&b);
}

static void mysql_status_rows(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(
        info_status_row("mysql_", "Questions", "77", info_mysql_is_counter("Questions"), &b), 0);
    assert_int_equal(info_status_row("mysql_", "Threads_connected", "4",
                                     info_mysql_is_counter("Threads_connected"), &b),
                     0);
    assert_int_equal(info_status_row("mysql_", "Uptime", "10", info_mysql_is_counter("Uptime"), &b),
                     0);
    assert_int_equal(info_status_row("mysql_", "Ssl_cipher", "", false, &b), 0);
    assert_int_equal(info_status_row("mysql_", "Slave_running", "OFF", false, &b), 0);
    struct hc_metrics_page *p = parse_buf(&b);
    assert_true(hc_metrics_page_find(p, "mysql_questions_total", NULL)->value == 77);
    assert_true(hc_metrics_page_find(p, "mysql_threads_connected", NULL)->value == 4);
    assert_true(hc_metrics_page_find(p, "mysql_uptime", NULL)->value == 10);
    assert_true(hc_metrics_page_find(p, "mysql_slave_running", NULL)->value == 0);
    assert_null(hc_metrics_page_find(p, "mysql_ssl_cipher", NULL));
    hc_metrics_page_free(p);
    hc_buf_destroy(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(redis_info_becomes_samples),
        cmocka_unit_test(invalid_utf8_and_odd_names_still_parse),
        cmocka_unit_test(the_cap_is_kept),
        cmocka_unit_test(mysql_status_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
