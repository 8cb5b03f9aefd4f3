/* test_report.c: batch mode's JSON and text lines (hcmon/report.c), from samples applied to
 * the model (hcmon/model.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "report.h"

static void apply_text(struct model *m, const char *text, int64_t mono_ns)
{
    struct poller_result r;
    memset(&r, 0, sizeof(r));
    r.target = 0;
    r.wall_ns = 1764637200 * HC_NSEC_PER_SEC + 123 * HC_NSEC_PER_MSEC;
    r.mono_ns = mono_ns;
    r.text = strdup(text);
    r.len = strlen(text);
    poller_result_parse(&r);
    model_apply(m, &r);
    poller_result_destroy(&r);
}

static json_t *line_json(const struct model_target *t)
{
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(report_json_line(t, &b), 0);
    assert_true(b.len > 0 && b.data[b.len - 1] == '\n');
    json_error_t e;
    json_t *j = json_loads(b.data, 0, &e);
    if (j == NULL)
        fail_msg("not JSON: %s: %s", e.text, b.data);
    hc_buf_destroy(&b);
    return j;
}

static void json_lines_carry_rates_quantiles_and_alerts(void **state)
{
    (void)state;
    struct target t;
    char err[200];
    assert_int_equal(target_parse("http://127.0.0.1:8080/metrics", &t, err, sizeof(err)), 0);
    struct alert a;
    assert_int_equal(alert_parse("rate > 50", ALERT_CRIT, &a, err, sizeof(err)), 0);
    struct model m;
    model_init(&m, &t, 1, &a, 1);
    apply_text(&m, "hc_http_requests_total{code=\"200\"} 100\n", 1 * HC_NSEC_PER_SEC);
    json_t *j = line_json(&m.targets[0]);
    assert_string_equal(json_string_value(json_object_get(j, "time")), "2025-12-02T01:00:00.123Z");
    assert_string_equal(json_string_value(json_object_get(j, "target")), "127.0.0.1:8080");
    assert_true(json_is_true(json_object_get(j, "up")));
    assert_true(json_is_null(json_object_get(j, "rate")));
    assert_true(json_is_null(json_object_get(j, "interval_s")));
    assert_true(json_real_value(json_object_get(j, "requests")) == 100);
    assert_string_equal(json_string_value(json_object_get(j, "level")), "ok");
    json_decref(j);
    apply_text(&m, "hc_http_requests_total{code=\"200\"} 400\n", 3 * HC_NSEC_PER_SEC);
    j = line_json(&m.targets[0]);
    assert_true(json_real_value(json_object_get(j, "interval_s")) == 2);
    assert_true(json_real_value(json_object_get(j, "rate")) == 150);
    assert_string_equal(json_string_value(json_object_get(j, "level")), "crit");
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "alerts"), 0)),
                        "rate > 50");
    json_decref(j);
    assert_true(model_any_alert(&m));
    assert_false(model_any_down(&m));
    model_destroy(&m);
    target_destroy(&t);
}

static void a_bad_page_is_a_down_line_with_the_parsers_reason(void **state)
{
    (void)state;
    struct target t;
    char err[200];
    assert_int_equal(target_parse("http://h:1/metrics", &t, err, sizeof(err)), 0);
    struct model m;
    model_init(&m, &t, 1, NULL, 0);
    apply_text(&m, "ok 1\nbad{x=\"1} 2\n", HC_NSEC_PER_SEC);
    assert_true(model_any_down(&m));
    json_t *j = line_json(&m.targets[0]);
    assert_true(json_is_false(json_object_get(j, "up")));
    const char *reason = json_string_value(json_object_get(j, "reason"));
    assert_non_null(strstr(reason, "line 2"));
    assert_non_null(json_object_get(j, "retry_in_s"));
    json_decref(j);
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(report_text_line(&m.targets[0], &b), 0);
    assert_non_null(strstr(b.data, " h:1 DOWN: bad page: line 2"));
    hc_buf_destroy(&b);
    model_destroy(&m);
    target_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_lines_carry_rates_quantiles_and_alerts),
        cmocka_unit_test(a_bad_page_is_a_down_line_with_the_parsers_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
