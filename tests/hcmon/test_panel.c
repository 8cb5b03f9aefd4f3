/* test_panel.c: the panel tables from hc's metric names and any exporter's, sorting and
 * filtering (hcmon/panel.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "hc/metrics.h"
#include "panel.h"

static struct hc_metrics_page *page(const char *text)
{
    struct hc_metrics_page *p = NULL;
    char err[200];
    if (hc_metrics_parse(text, strlen(text), &p, err, sizeof(err)) < 0)
        fail_msg("fixture does not parse: %s", err);
    return p;
}

static const char *const pa = "hc_pool_threads{pool=\"critical\"} 4\n"
                              "hc_pool_active{pool=\"critical\"} 1\n"
                              "hc_pool_queue_depth{pool=\"critical\"} 0\n"
                              "hc_pool_tasks_total{pool=\"critical\"} 100\n"
                              "hc_pool_rejected_total{pool=\"critical\"} 0\n"
                              "hc_pool_threads{pool=\"secondary\"} 2\n"
                              "hc_pool_tasks_total{pool=\"secondary\"} 10\n"
                              "hc_shard_up{shard=\"0\",role=\"primary\"} 1\n"
                              "hc_shard_up{shard=\"1\",role=\"primary\"} 0\n"
                              "hc_shard_queries_total{shard=\"0\",role=\"primary\"} 5\n"
                              "hc_breaker_state{dependency=\"shard-1\"} 1\n"
                              "hc_cache_hits_total{level=\"L1\"} 50\n"
                              "hc_cache_misses_total{level=\"L1\"} 50\n"
                              "# TYPE other_total counter\nother_total 1\n";
static const char *const pb = "hc_pool_threads{pool=\"critical\"} 4\n"
                              "hc_pool_active{pool=\"critical\"} 3\n"
                              "hc_pool_queue_depth{pool=\"critical\"} 9\n"
                              "hc_pool_tasks_total{pool=\"critical\"} 300\n"
                              "hc_pool_rejected_total{pool=\"critical\"} 4\n"
                              "hc_pool_threads{pool=\"secondary\"} 2\n"
                              "hc_pool_tasks_total{pool=\"secondary\"} 20\n"
                              "hc_shard_up{shard=\"0\",role=\"primary\"} 1\n"
                              "hc_shard_up{shard=\"1\",role=\"primary\"} 0\n"
                              "hc_shard_queries_total{shard=\"0\",role=\"primary\"} 25\n"
                              "hc_breaker_state{dependency=\"shard-1\"} 1\n"
                              "hc_cache_hits_total{level=\"L1\"} 140\n"
                              "hc_cache_misses_total{level=\"L1\"} 60\n"
                              "# TYPE other_total counter\nother_total 5\n";

static void pools_have_a_row_each_with_rates(void **state)
{
    (void)state;
    struct hc_metrics_page *a = page(pa);
    struct hc_metrics_page *b = page(pb);
    struct rate_index *ix = rate_index_new(a);
    struct panel_table t;
    panel_table_init(&t, PANEL_POOLS);
    panel_build(&t, "srv", TARGET_HTTP, ix, b, 2.0);
    assert_int_equal(t.nrows, 2);
    assert_string_equal(t.rows[0].cells[0].text, "srv");
    assert_string_equal(t.rows[0].cells[1].text, "critical");
    assert_true(t.rows[0].cells[2].num == 4);
    assert_true(t.rows[0].cells[3].num == 3);
    assert_true(t.rows[0].cells[4].num == 9);
    assert_true(t.rows[0].cells[5].num == 100);
    assert_true(t.rows[0].cells[6].num == 2);
    assert_int_equal(t.rows[0].level, ALERT_WARN); /* rejections */
    assert_string_equal(t.rows[1].cells[1].text, "secondary");
    assert_true(t.rows[1].cells[5].num == 5);
    assert_string_equal(t.rows[1].cells[6].text, "-");
    /* Sorting by tasks/s descending puts critical first, ascending secondary. */
    panel_sort(&t, 5, false);
    assert_string_equal(t.rows[0].cells[1].text, "secondary");
    panel_sort(&t, 0, false);
    assert_string_equal(t.rows[0].cells[1].text, "critical");
    assert_true(panel_row_matches(&t, &t.rows[1], "SECOND"));
    assert_false(panel_row_matches(&t, &t.rows[0], "second"));
    assert_true(panel_row_matches(&t, &t.rows[0], ""));
    panel_table_destroy(&t);
    rate_index_free(ix);
    hc_metrics_page_free(a);
    hc_metrics_page_free(b);
}

static void shards_show_role_up_and_their_breaker(void **state)
{
    (void)state;
    struct hc_metrics_page *a = page(pa);
    struct hc_metrics_page *b = page(pb);
    struct rate_index *ix = rate_index_new(a);
    struct panel_table t;
    panel_table_init(&t, PANEL_SHARDS);
    panel_build(&t, "srv", TARGET_HTTP, ix, b, 2.0);
    assert_int_equal(t.nrows, 2);
    assert_string_equal(t.rows[0].cells[2].text, "primary");
    assert_true(t.rows[0].cells[4].num == 10);
    assert_string_equal(t.rows[1].cells[7].text, "open");
    assert_int_equal(t.rows[1].level, ALERT_CRIT);
    panel_table_destroy(&t);
    panel_table_init(&t, PANEL_CACHES);
    panel_build(&t, "srv", TARGET_HTTP, ix, b, 2.0);
    assert_int_equal(t.nrows, 1);
    assert_true(t.rows[0].cells[2].num == 45);
    assert_true(t.rows[0].cells[3].num == 5);
    assert_true(t.rows[0].cells[4].num == 0.9);
    assert_string_equal(t.rows[0].cells[4].text, "90.0%");
    panel_table_destroy(&t);
    rate_index_free(ix);
    hc_metrics_page_free(a);
    hc_metrics_page_free(b);
}

static void any_exporter_gets_the_generic_table(void **state)
{
    (void)state;
    struct hc_metrics_page *a = page(pa);
    struct hc_metrics_page *b = page(pb);
    struct rate_index *ix = rate_index_new(a);
    struct panel_table t;
    panel_table_init(&t, PANEL_METRICS);
    panel_build(&t, "srv", TARGET_HTTP, ix, b, 2.0);
    size_t found = 0;
    for (size_t i = 0; i < t.nrows; i++) {
        if (strcmp(t.rows[i].cells[1].text, "other_total") == 0) {
            assert_string_equal(t.rows[i].cells[2].text, "counter");
            assert_true(t.rows[i].cells[4].num == 5);
            assert_true(t.rows[i].cells[5].num == 2);
            found++;
        }
        if (strcmp(t.rows[i].cells[1].text, "hc_pool_threads") == 0) {
            assert_true(t.rows[i].cells[3].num == 2);
            assert_true(t.rows[i].cells[4].num == 6);
            found++;
        }
    }
    assert_int_equal(found, 2);
    /* Redis and MySQL panels take only their own kind of target. */
    panel_table_clear(&t);
    panel_table_destroy(&t);
    panel_table_init(&t, PANEL_REDIS);
    panel_build(&t, "srv", TARGET_HTTP, ix, b, 2.0);
    assert_int_equal(t.nrows, 0);
    panel_table_destroy(&t);
    rate_index_free(ix);
    hc_metrics_page_free(a);
    hc_metrics_page_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pools_have_a_row_each_with_rates),
        cmocka_unit_test(shards_show_role_up_and_their_breaker),
        cmocka_unit_test(any_exporter_gets_the_generic_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
