/* test_merge.c: adding agents' results (hcload/merge.c): counts add, latencies are those of
 * the histograms added, the rate is the added requests over the longest duration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "merge.h"
#include "report.h"

/* A result of agent k: its histogram h, n requests over sec seconds, one name "buy". */
static json_t *agent(const struct hc_hist *h, int64_t n, double sec, int64_t e503)
{
    json_t *r = json_pack("{s:i, s:I, s:I, s:f, s:{s:I, s:I}, s:{s:I, s:I}, s:I, s:{s:n, s:f}}",
                          "schema_version", 2, "requests", (json_int_t)n, "sent", (json_int_t)n,
                          "duration_s", sec, "errors", "timeout", (json_int_t)1, "total",
                          (json_int_t)1, "responses", "200", (json_int_t)(n - e503), "503",
                          (json_int_t)e503, "non_2xx_3xx", (json_int_t)e503, "rate", "requested",
                          "achieved", (double)n / sec);
    json_object_set_new(r, "latency_us",
                        json_pack("{s:o, s:o}", "corrected", report_json_latency(h), "uncorrected",
                                  report_json_latency(h)));
    json_t *buy = json_deep_copy(r);
    json_object_del(buy, "duration_s");
    json_object_set_new(r, "by_name", json_pack("{s:o}", "buy", buy));
    return r;
}

static void latencies_are_those_of_the_histograms_added(void **state)
{
    (void)state;
    struct hc_hist *a = NULL, *b = NULL, *sum = NULL;
    assert_int_equal(hc_client_stats_new_hist(&a), 0);
    assert_int_equal(hc_client_stats_new_hist(&b), 0);
    assert_int_equal(hc_client_stats_new_hist(&sum), 0);
    for (int64_t i = 1; i <= 1000; i++)
        hc_hist_record(a, i * 1000); /* 1 us .. 1 ms */
    for (int64_t i = 1; i <= 10; i++)
        hc_hist_record(b, i * 50 * HC_NSEC_PER_MSEC); /* 50 ms .. 500 ms: the slow agent */
    hc_hist_add(sum, a);
    hc_hist_add(sum, b);
    json_t *in[2] = {agent(a, 1000, 10.0, 3), agent(b, 10, 12.5, 2)};
    json_t *m = NULL;
    char err[256];
    assert_int_equal(merge_results(in, 2, &m, err, sizeof(err)), 0);
    json_t *want = report_json_latency(sum);
    json_t *scopes[2] = {m, json_object_get(json_object_get(m, "by_name"), "buy")};
    for (size_t s = 0; s < 2; s++) {
        json_t *got = json_object_get(json_object_get(scopes[s], "latency_us"), "corrected");
        static const char *const keys[] = {"count", "p50", "p90", "p99", "p99_9", "max", "min"};
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            assert_true(json_number_value(json_object_get(got, keys[k])) ==
                        json_number_value(json_object_get(want, keys[k])));
        assert_string_equal(json_string_value(json_object_get(got, "hdr")),
                            json_string_value(json_object_get(want, "hdr")));
        assert_int_equal(json_integer_value(json_object_get(scopes[s], "requests")), 1010);
        json_t *resp = json_object_get(scopes[s], "responses");
        assert_int_equal(json_integer_value(json_object_get(resp, "200")), 1005);
        assert_int_equal(json_integer_value(json_object_get(resp, "503")), 5);
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(scopes[s], "errors"), "total")), 2);
    }
    /* The p99.9 of all requests is the slow agent's tail, not an average of two p99.9s. */
    json_t *lat = json_object_get(json_object_get(m, "latency_us"), "corrected");
    assert_true(json_number_value(json_object_get(lat, "p99_9")) > 450000);
    assert_true(json_number_value(json_object_get(lat, "p99")) < 1001);
    assert_true(json_number_value(json_object_get(m, "duration_s")) == 12.5);
    double rate = json_number_value(json_object_get(json_object_get(m, "rate"), "achieved"));
    assert_true(rate > 80.79 && rate < 80.81); /* 1010 / 12.5 */
    assert_int_equal(json_integer_value(json_object_get(m, "agents")), 2);
    json_decref(want);
    json_decref(m);
    json_decref(in[0]);
    json_decref(in[1]);
    hc_hist_free(a);
    hc_hist_free(b);
    hc_hist_free(sum);
}

static void a_result_without_histograms_is_refused(void **state)
{
    (void)state;
    struct hc_hist *a = NULL;
    assert_int_equal(hc_client_stats_new_hist(&a), 0);
    hc_hist_record(a, 1000);
    json_t *in[2] = {agent(a, 1, 1.0, 0), agent(a, 1, 1.0, 0)};
    json_object_del(json_object_get(json_object_get(in[1], "latency_us"), "corrected"), "hdr");
    json_t *m = NULL;
    char err[256] = "";
    assert_int_equal(merge_results(in, 2, &m, err, sizeof(err)), -1);
    assert_null(m);
    assert_non_null(strstr(err, "result 2: corrected has no histogram"));
    json_decref(in[0]);
    json_decref(in[1]);
    hc_hist_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(latencies_are_those_of_the_histograms_added),
        cmocka_unit_test(a_result_without_histograms_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
