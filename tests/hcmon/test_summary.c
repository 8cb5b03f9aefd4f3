/* test_summary.c: the overview figures from two scrapes of hc's metric names, Redis and MySQL
 * pages (hcmon/summary.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "hc/metrics.h"
#include "summary.h"

static struct hc_metrics_page *page(const char *text)
{
    struct hc_metrics_page *p = NULL;
    char err[200];
    if (hc_metrics_parse(text, strlen(text), &p, err, sizeof(err)) < 0)
        fail_msg("fixture does not parse: %s", err);
    return p;
}

static const char *const server_a =
    "# TYPE hc_http_requests_total counter\n"
    "hc_http_requests_total{route=\"GET /api/orders/{id}\",code=\"200\"} 1000\n"
    "hc_http_requests_total{route=\"GET /api/orders/{id}\",code=\"503\"} 10\n"
    "# TYPE hc_http_request_duration_seconds histogram\n"
    "hc_http_request_duration_seconds_bucket{route=\"GET /api/orders/{id}\",le=\"0.001\"} 500\n"
    "hc_http_request_duration_seconds_bucket{route=\"GET /api/orders/{id}\",le=\"0.01\"} 1000\n"
    "hc_http_request_duration_seconds_bucket{route=\"GET /api/orders/{id}\",le=\"+Inf\"} 1010\n"
    "hc_http_request_duration_seconds_count{route=\"GET /api/orders/{id}\"} 1010\n"
    "hc_cache_hits_total{level=\"L1\"} 90\n"
    "hc_cache_misses_total{level=\"L1\"} 10\n"
    "hc_pool_queue_depth{pool=\"critical\"} 3\n"
    "hc_pool_queue_depth{pool=\"secondary\"} 4\n"
    "hc_pool_rejected_total{pool=\"critical\"} 0\n"
    "hc_shard_up{shard=\"0\",role=\"primary\"} 1\n"
    "hc_shard_up{shard=\"1\",role=\"primary\"} 0\n"
    "hc_breaker_state{dependency=\"shard-0\"} 0\n"
    "hc_breaker_state{dependency=\"shard-1\"} 1\n"
    "hc_queue_depth{queue=\"confirm\"} 7\n"
    "hc_queue_oldest_age_seconds{queue=\"confirm\"} 0.25\n"
    "hc_queue_oldest_age_seconds{queue=\"flash\"} 1.5\n";

static const char *const server_b =
    "# TYPE hc_http_requests_total counter\n"
    "hc_http_requests_total{route=\"GET /api/orders/{id}\",code=\"200\"} 1190\n"
    "hc_http_requests_total{route=\"GET /api/orders/{id}\",code=\"503\"} 20\n"
    "# TYPE hc_http_request_duration_seconds histogram\n"
    "hc_http_request_duration_seconds_bucket{route=\"GET /api/orders/{id}\",le=\"0.001\"} 600\n"
    "hc_http_request_duration_seconds_bucket{route=\"GET /api/orders/{id}\",le=\"0.01\"} 1190\n"
    "hc_http_request_duration_seconds_bucket{route=\"GET /api/orders/{id}\",le=\"+Inf\"} 1210\n"
    "hc_http_request_duration_seconds_count{route=\"GET /api/orders/{id}\"} 1210\n"
    "hc_cache_hits_total{level=\"L1\"} 180\n"
    "hc_cache_misses_total{level=\"L1\"} 110\n"
    "hc_pool_queue_depth{pool=\"critical\"} 1\n"
    "hc_pool_queue_depth{pool=\"secondary\"} 2\n"
    "hc_pool_rejected_total{pool=\"critical\"} 6\n"
    "hc_shard_up{shard=\"0\",role=\"primary\"} 1\n"
    "hc_shard_up{shard=\"1\",role=\"primary\"} 0\n"
    "hc_breaker_state{dependency=\"shard-0\"} 0\n"
    "hc_breaker_state{dependency=\"shard-1\"} 1\n"
    "hc_queue_depth{queue=\"confirm\"} 7\n"
    "hc_queue_oldest_age_seconds{queue=\"confirm\"} 0.25\n"
    "hc_queue_oldest_age_seconds{queue=\"flash\"} 1.5\n";

static void hc_figures_over_an_interval(void **state)
{
    (void)state;
    struct hc_metrics_page *a = page(server_a);
    struct hc_metrics_page *b = page(server_b);
    struct rate_index *ix = rate_index_new(a);
    struct summary s;
    summary_compute(&s, TARGET_HTTP, ix, b, 2.0);
    assert_true(s.v[SUMMARY_UP] == 1);
    assert_true(s.v[SUMMARY_REQUESTS] == 1210);
    assert_true(s.v[SUMMARY_RATE] == 100);         /* (1210 - 1010) / 2 s */
    assert_true(s.v[SUMMARY_ERROR_RATE] == 5);     /* (20 - 10) / 2 s */
    assert_true(s.v[SUMMARY_ERROR_RATIO] == 0.05); /* 10 of 200 */
    /* The interval's buckets: 100 <= 1ms, 190 <= 10ms, 200 in all. */
    double bounds[] = {0.001, 0.01, INFINITY};
    double counts[] = {100, 190, 200};
    assert_true(s.v[SUMMARY_P50] == hc_metrics_bucket_quantile(0.5, bounds, counts, 3));
    assert_true(s.v[SUMMARY_P99] == hc_metrics_bucket_quantile(0.99, bounds, counts, 3));
    assert_true(s.v[SUMMARY_P99] == 0.01);
    assert_true(s.v[SUMMARY_HIT_RATIO] == 90.0 / 190.0);
    assert_true(s.v[SUMMARY_POOL_QUEUE] == 3);
    assert_true(s.v[SUMMARY_REJECTED_RATE] == 3);
    assert_true(s.v[SUMMARY_SHARDS_DOWN] == 1);
    assert_true(s.v[SUMMARY_BREAKERS_OPEN] == 1);
    assert_true(s.v[SUMMARY_QUEUE_DEPTH] == 7);
    assert_true(s.v[SUMMARY_QUEUE_OLDEST] == 1.5);
    assert_true(isnan(s.v[SUMMARY_OPS]));
    rate_index_free(ix);
    hc_metrics_page_free(a);
    hc_metrics_page_free(b);
}

static void the_first_sample_has_no_rates_but_cumulative_figures(void **state)
{
    (void)state;
    struct hc_metrics_page *a = page(server_a);
    struct summary s;
    summary_compute(&s, TARGET_HTTP, NULL, a, 0);
    assert_true(s.v[SUMMARY_REQUESTS] == 1010);
    assert_true(isnan(s.v[SUMMARY_RATE]));
    assert_true(isnan(s.v[SUMMARY_REJECTED_RATE]));
    assert_true(s.v[SUMMARY_ERROR_RATIO] == 10.0 / 1010.0);
    assert_true(s.v[SUMMARY_HIT_RATIO] == 0.9);
    assert_true(s.v[SUMMARY_P50] ==
                hc_metrics_page_quantile(a, "hc_http_request_duration_seconds", NULL, 0.5));
    hc_metrics_page_free(a);
}

static void redis_and_mysql_figures(void **state)
{
    (void)state;
    struct hc_metrics_page *a = page("redis_total_commands_processed_total 100\n"
                                     "redis_keyspace_hits_total 10\n"
                                     "redis_keyspace_misses_total 10\n"
                                     "redis_used_memory 1048576\nredis_connected_clients 3\n");
    struct hc_metrics_page *b = page("redis_total_commands_processed_total 400\n"
                                     "redis_keyspace_hits_total 40\n"
                                     "redis_keyspace_misses_total 20\n"
                                     "redis_used_memory 2097152\nredis_connected_clients 4\n");
    struct rate_index *ix = rate_index_new(a);
    struct summary s;
    summary_compute(&s, TARGET_REDIS, ix, b, 3.0);
    assert_true(s.v[SUMMARY_OPS] == 100);
    assert_true(s.v[SUMMARY_HIT_RATIO] == 0.75);
    assert_true(s.v[SUMMARY_MEMORY] == 2097152);
    assert_true(s.v[SUMMARY_CLIENTS] == 4);
    assert_true(isnan(s.v[SUMMARY_RATE]));
    rate_index_free(ix);
    hc_metrics_page_free(a);
    hc_metrics_page_free(b);
    a = page("mysql_questions_total 50\nmysql_threads_connected 2\nmysql_uptime 9\n"
             "mysql_innodb_rows_read_total 10\nmysql_replica_lag_seconds 4\n");
    b = page("mysql_questions_total 150\nmysql_threads_connected 5\nmysql_uptime 10\n"
             "mysql_innodb_rows_read_total 30\nmysql_replica_lag_seconds 2\n");
    ix = rate_index_new(a);
    summary_compute(&s, TARGET_MYSQL, ix, b, 1.0);
    assert_true(s.v[SUMMARY_OPS] == 100);
    assert_true(s.v[SUMMARY_CLIENTS] == 5);
    assert_true(s.v[SUMMARY_ROW_OPS] == 20);
    assert_true(s.v[SUMMARY_LAG] == 2);
    rate_index_free(ix);
    hc_metrics_page_free(a);
    hc_metrics_page_free(b);
}

static void fields_have_names_and_formats(void **state)
{
    (void)state;
    assert_int_equal(summary_field_find("p99"), SUMMARY_P99);
    assert_int_equal(summary_field_find("p(99.9)"), SUMMARY_P999);
    assert_int_equal(summary_field_find("hit_ratio"), SUMMARY_HIT_RATIO);
    assert_int_equal(summary_field_find("nonsense"), -1);
    for (int i = 0; i < SUMMARY_COUNT; i++)
        assert_int_equal(summary_field_find(summary_field_name(i)), i);
    char buf[32];
    summary_format(SUMMARY_P99, 0.00123, buf, sizeof(buf));
    assert_string_equal(buf, "1.23ms");
    summary_format(SUMMARY_HIT_RATIO, 0.971, buf, sizeof(buf));
    assert_string_equal(buf, "97.1%");
    summary_format(SUMMARY_RATE, 12500, buf, sizeof(buf));
    assert_string_equal(buf, "12.5k");
    summary_format(SUMMARY_MEMORY, 3355443.2, buf, sizeof(buf));
    assert_string_equal(buf, "3.20MiB");
    summary_format(SUMMARY_RATE, NAN, buf, sizeof(buf));
    assert_string_equal(buf, "-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hc_figures_over_an_interval),
        cmocka_unit_test(the_first_sample_has_no_rates_but_cumulative_figures),
        cmocka_unit_test(redis_and_mysql_figures),
        cmocka_unit_test(fields_have_names_and_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
