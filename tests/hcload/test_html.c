/*
 * test_html.c: hcload's HTML report (hcload/html.c) drawn from the results in tests/data/hcload/
 * (written by hcload --json): escaping, the embedded data, thresholds, the baseline, and results
 * that are not what the page needs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "html.h"

static json_t *load(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/hcload/%s", HC_TEST_DATA, name);
    json_t *j = NULL;
    char err[256];
    assert_int_equal(html_load(path, &j, err, sizeof(err)), 0);
    return j;
}

/* The page for result (and baseline), as a NUL-terminated string the caller frees. */
static char *page(const json_t *result, const json_t *baseline, int want_rc, char *err,
                  size_t errlen)
{
    struct html_run run = {.result = result, .label = "run.json"};
    struct html_run base = {.result = baseline, .label = "base.json"};
    struct hc_buf out;
    hc_buf_init(&out, 0);
    assert_int_equal(html_page(&run, baseline != NULL ? &base : NULL, &out, err, errlen), want_rc);
    hc_buf_putc(&out, '\0');
    return hc_buf_take(&out, NULL);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* The JSON the script reads, parsed back. */
static json_t *embedded(const char *html)
{
    const char *open = strstr(html, "id=\"hc-data\">");
    assert_non_null(open);
    open += strlen("id=\"hc-data\">");
    const char *close = strstr(open, "</script>");
    assert_non_null(close);
    json_error_t jerr;
    json_t *j = json_loadb(open, (size_t)(close - open), 0, &jerr);
    assert_non_null(j);
    return j;
}

static void escape_writes_references_for_the_five_characters(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(html_escape(&b, "a<b>&\"c'd"), 0);
    assert_int_equal(html_escape(&b, ""), 0);
    assert_int_equal(html_escape(&b, "plain"), 0);
    assert_string_equal(b.data, "a&lt;b&gt;&amp;&quot;c&#39;dplain");
    hc_buf_destroy(&b);
}

static void a_plan_run_has_its_names_flows_and_figures(void **state)
{
    (void)state;
    json_t *r = load("plan_run.json");
    char err[256];
    char *html = page(r, NULL, 0, err, sizeof(err));
    assert_non_null(strstr(html, "<!DOCTYPE html>"));
    assert_non_null(strstr(html, "<td class=\"text\">create</td>"));
    assert_non_null(strstr(html, "<td class=\"text\">read</td>"));
    assert_non_null(strstr(html, "<td class=\"text\">buy</td>"));
    /* 2400 responses, written with a thin space between thousands. */
    assert_non_null(strstr(html, "<b>2&#8201;400</b><span>Requests</span>"));
    assert_non_null(strstr(html, "201: 1&#8201;200"));
    assert_non_null(strstr(html, "<span class=\"verdict ok\">every request answered</span>"));
    assert_null(strstr(html, "verdict bad"));
    /* No threshold section without thresholds, and nothing loaded from outside. */
    assert_null(strstr(html, "Thresholds"));
    assert_null(strstr(html, " src="));
    assert_non_null(strstr(html, "default-src 'none'"));
    assert_int_equal(count(html, "<script"), 2);
    json_t *d = embedded(html);
    json_t *run = json_object_get(d, "run");
    assert_string_equal(json_string_value(json_object_get(run, "label")), "run.json");
    assert_true(json_is_true(json_object_get(run, "open")));
    assert_int_equal(json_array_size(json_object_get(run, "seconds")),
                     json_array_size(json_object_get(r, "seconds")));
    json_t *spec = json_object_get(r, "spectrum");
    json_t *got = json_object_get(run, "spectrum");
    assert_true(json_equal(json_object_get(got, "corrected"), json_object_get(spec, "corrected")));
    assert_true(
        json_equal(json_object_get(got, "uncorrected"), json_object_get(spec, "uncorrected")));
    assert_true(json_is_null(json_object_get(d, "baseline")));
    json_decref(d);
    free(html);
    json_decref(r);
}

static void every_text_from_the_run_is_escaped(void **state)
{
    (void)state;
    json_t *r = load("plan_run.json");
    json_t *by = json_object_get(r, "by_name");
    json_object_set(by, "<img src=x onerror=alert(1)>", json_object_get(by, "create"));
    json_object_set_new(r, "url", json_string("http://h/</script><script>alert(2)</script>"));
    json_object_set_new(json_object_get(r, "options"), "plan", json_string("\"p'.yaml"));
    struct html_run run = {.result = r, .label = "</script><b>x.json"};
    struct hc_buf out;
    hc_buf_init(&out, 0);
    char err[256];
    assert_int_equal(html_page(&run, NULL, &out, err, sizeof(err)), 0);
    hc_buf_putc(&out, '\0');
    const char *html = out.data;
    assert_null(strstr(html, "<img"));
    assert_null(strstr(html, "<b>x.json"));
    assert_int_equal(count(html, "<script"), 2);
    assert_int_equal(count(html, "</script>"), 2);
    assert_non_null(strstr(html, "<td class=\"text\">&lt;img src=x onerror=alert(1)&gt;</td>"));
    assert_non_null(strstr(html, "<title>hcload report: http://h/&lt;/script&gt;&lt;script&gt;"));
    assert_non_null(strstr(html, "plan &quot;p&#39;.yaml (hash "));
    /* In the data the label keeps its text, with '<' and '>' as JSON escapes. */
    assert_non_null(strstr(html, "\"label\":\"\\u003c/script\\u003e\\u003cb\\u003ex.json\""));
    json_t *d = embedded(html);
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "run"), "label")),
                        "</script><b>x.json");
    json_decref(d);
    hc_buf_destroy(&out);
    json_decref(r);
}

static void thresholds_are_shown_with_their_verdicts(void **state)
{
    (void)state;
    json_t *r = load("closed_run.json");
    json_error_t jerr;
    json_t *t = json_loads("[{\"metric\":\"http_req_duration\",\"tags\":{\"name\":\"read\"},"
                           "\"expression\":\"p(99)<50\",\"unit\":\"ms\",\"observed\":12.5,"
                           "\"passed\":true},"
                           "{\"metric\":\"http_req_failed\",\"tags\":{},\"expression\":"
                           "\"rate<0.01\",\"unit\":\"rate\",\"observed\":0.25,\"passed\":false,"
                           "\"stopped_run_at_s\":3.25},"
                           "{\"metric\":\"http_reqs\",\"expression\":\"rate>100\",\"unit\":"
                           "\"per_second\",\"observed\":null,\"ok\":true}]",
                           0, &jerr);
    assert_non_null(t);
    json_object_set_new(r, "thresholds", t);
    char err[256];
    char *html = page(r, NULL, 0, err, sizeof(err));
    assert_non_null(strstr(html, "1 of 3 thresholds failed"));
    assert_non_null(strstr(html, "<td class=\"pass\">&#10003;</td><td class=\"text\">"
                                 "http_req_duration{name:read}</td><td class=\"text\">"
                                 "p(99)&lt;50</td><td>12.5 ms</td>"));
    assert_non_null(strstr(html, "<td class=\"fail\">&#10007;</td><td class=\"text\">"
                                 "http_req_failed</td><td class=\"text\">rate&lt;0.01</td>"
                                 "<td>0.25</td><td class=\"text\">stopped the run at 3.2 s"));
    assert_non_null(strstr(html, "rate&gt;100</td><td>&ndash;</td>"));
    free(html);

    json_object_set_new(r, "thresholds",
                        json_loads("[{\"metric\":\"checks\",\"expression\":"
                                   "\"rate>0.99\",\"observed\":1,\"passed\":"
                                   "true}]",
                                   0, &jerr));
    html = page(r, NULL, 0, err, sizeof(err));
    assert_non_null(strstr(html, "1 of 1 thresholds passed"));
    free(html);
    json_decref(r);
}

static void a_baseline_is_compared_and_overlaid(void **state)
{
    (void)state;
    json_t *r = load("closed_run.json");
    json_t *b = json_deep_copy(r);
    json_t *lat = json_object_get(json_object_get(b, "latency_us"), "corrected");
    double p99 = json_number_value(json_object_get(lat, "p99"));
    json_object_set_new(lat, "p99", json_real(p99 / 2));
    json_t *rate = json_object_get(b, "rate");
    double achieved = json_number_value(json_object_get(rate, "achieved"));
    json_object_set_new(rate, "achieved", json_real(achieved * 2));
    char err[256];
    char *html = page(r, b, 0, err, sizeof(err));
    assert_non_null(strstr(html, "<th>base.json (baseline)</th>"));
    /* p99 doubled against the baseline: worse; the rate halved: worse too. */
    const char *row = strstr(html, "<tr><td>p99</td>");
    assert_non_null(row);
    assert_non_null(strstr(row, "<td class=\"worse\">+100.0%</td>"));
    row = strstr(html, "<tr><td>Rate achieved</td>");
    assert_non_null(row);
    assert_non_null(strstr(row, "<td class=\"worse\">-50.0%</td>"));
    row = strstr(html, "<tr><td>Failed requests</td>");
    assert_non_null(strstr(row, "<td>0%</td>"));
    json_t *d = embedded(html);
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "baseline"), "label")),
                        "base.json");
    /* The closed model plots one spectrum per run. */
    json_t *spec = json_object_get(json_object_get(d, "baseline"), "spectrum");
    assert_non_null(json_object_get(spec, "corrected"));
    assert_null(json_object_get(spec, "uncorrected"));
    json_decref(d);
    free(html);
    json_decref(b);
    json_decref(r);
}

static void an_older_result_plots_its_percentiles(void **state)
{
    (void)state;
    json_t *r = load("closed_run.json");
    json_object_del(r, "spectrum");
    char err[256];
    char *html = page(r, NULL, 0, err, sizeof(err));
    json_t *d = embedded(html);
    json_t *pairs =
        json_object_get(json_object_get(json_object_get(d, "run"), "spectrum"), "corrected");
    assert_int_equal(json_array_size(pairs), 9);
    json_t *last = json_array_get(pairs, 8);
    assert_true(json_number_value(json_array_get(last, 0)) == 100.0);
    json_t *lat = json_object_get(json_object_get(r, "latency_us"), "corrected");
    assert_true(json_number_value(json_array_get(last, 1)) ==
                json_number_value(json_object_get(lat, "max")));
    json_decref(d);
    free(html);
    json_decref(r);
}

static void a_run_that_failed_entirely_still_draws(void **state)
{
    (void)state;
    json_t *r = load("refused_run.json");
    char err[256];
    char *html = page(r, NULL, 0, err, sizeof(err));
    assert_non_null(strstr(html, "<div class=\"card bad\"><b>300</b><span>Failed requests"));
    assert_non_null(strstr(html, "connect: 300"));
    assert_non_null(strstr(html, "<b>100%</b><span>Error rate"));
    assert_non_null(strstr(html, "<span class=\"verdict bad\">300 failed requests</span>"));
    assert_non_null(strstr(html, "<span class=\"verdict bad\">no response</span>"));
    assert_null(strstr(html, "every request answered"));
    free(html);
    json_decref(r);
}

/* Each field set to a value of the wrong type, and the message that names it. */
static void due_requests_never_sent_are_trouble(void **state)
{
    (void)state;
    json_t *r = load("plan_run.json");
    json_object_set_new(r, "unsent", json_integer(50));
    json_object_set_new(r, "queued", json_integer(703));
    char err[256];
    char *html = page(r, NULL, 0, err, sizeof(err));
    assert_non_null(strstr(html, "<span class=\"verdict bad\">50 due requests never sent</span>"));
    assert_non_null(strstr(html, "<div class=\"card bad\"><b>50</b><span>Never sent"));
    /* Waiting is counted in the latency, not a failure. */
    assert_non_null(strstr(html, "<div class=\"card\"><b>703</b><span>Waited for a connection"));
    assert_null(strstr(html, "every request answered"));
    free(html);
    json_decref(r);
}

static void fields_of_the_wrong_type_fail_with_their_path(void **state)
{
    (void)state;
    static const struct {
        const char *json; /* merged into the result, objects into objects */
        const char *msg;
    } cases[] = {
        {"{\"requests\": \"many\"}", "requests: expected a number"},
        {"{\"latency_us\": {\"corrected\": {\"p99\": \"fast\"}}}",
         "latency_us.corrected.p99: expected a number"},
        {"{\"url\": 5}", "url: expected a string"},
        {"{\"by_name\": []}", "by_name: expected an object"},
        {"{\"by_name\": {\"x\": 1}}", "by_name.x: expected an object"},
        {"{\"seconds\": [{\"t\": 1, \"rate\": \"x\"}]}", "seconds[0].rate: expected a number"},
        {"{\"seconds\": [3]}", "seconds[0]: expected an object"},
        {"{\"spectrum\": {\"corrected\": [[50]]}}",
         "spectrum.corrected[0]: expected [percentile, microseconds]"},
        {"{\"spectrum\": {\"corrected\": [[150, 3]]}}",
         "spectrum.corrected[0]: the percentile must be 0..100"},
        {"{\"thresholds\": {}}", "thresholds: expected an array"},
        {"{\"thresholds\": [{\"metric\": \"checks\"}]}",
         "thresholds[0].passed: expected true or false"},
        {"{\"responses\": {\"200\": \"x\"}}", ".responses.200: expected a number"},
        {"{\"schema_version\": \"2\"}", "no schema_version: not an hcload result"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *r = load("plan_run.json");
        json_error_t jerr;
        json_t *patch = json_loads(cases[i].json, 0, &jerr);
        assert_non_null(patch);
        const char *key;
        json_t *v;
        json_object_foreach(patch, key, v)
        {
            json_t *have = json_object_get(r, key);
            if (json_is_object(have) && json_is_object(v) && json_object_size(v) > 0)
                json_object_update_recursive(have, v);
            else
                json_object_set(r, key, v);
        }
        char err[256];
        char *html = page(r, NULL, HC_ESYNTAX, err, sizeof(err));
        if (strstr(err, cases[i].msg) == NULL)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].msg);
        free(html);
        json_decref(patch);
        json_decref(r);
    }
}

static void load_names_the_line_and_column(void **state)
{
    (void)state;
    char dir[] = "/tmp/hc-html-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/r.json", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"schema_version\": 2,\n  \"requests\": 1,,\n}\n", f);
    fclose(f);
    json_t *j = (json_t *)1;
    char err[256];
    assert_int_equal(html_load(path, &j, err, sizeof(err)), HC_ESYNTAX);
    assert_null(j);
    assert_int_equal(strncmp(err, "2:", 2), 0);
    assert_non_null(strstr(err, "not valid JSON"));
    f = fopen(path, "w");
    fputs("[1, 2]", f);
    fclose(f);
    assert_int_equal(html_load(path, &j, err, sizeof(err)), HC_ESYNTAX);
    assert_non_null(strstr(err, "not an object"));
    f = fopen(path, "w");
    fputs("{\"a\": 1, \"a\": 2}", f);
    fclose(f);
    assert_int_equal(html_load(path, &j, err, sizeof(err)), HC_ESYNTAX);
    assert_non_null(strstr(err, "duplicate"));
    unlink(path);
    assert_int_equal(html_load(path, &j, err, sizeof(err)), -ENOENT);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escape_writes_references_for_the_five_characters),
        cmocka_unit_test(a_plan_run_has_its_names_flows_and_figures),
        cmocka_unit_test(every_text_from_the_run_is_escaped),
        cmocka_unit_test(thresholds_are_shown_with_their_verdicts),
        cmocka_unit_test(a_baseline_is_compared_and_overlaid),
        cmocka_unit_test(an_older_result_plots_its_percentiles),
        cmocka_unit_test(a_run_that_failed_entirely_still_draws),
        cmocka_unit_test(due_requests_never_sent_are_trouble),
        cmocka_unit_test(fields_of_the_wrong_type_fail_with_their_path),
        cmocka_unit_test(load_names_the_line_and_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
