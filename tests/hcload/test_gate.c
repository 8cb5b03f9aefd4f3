/*
 * test_gate.c: hcload's thresholds (hcload/gate.c) fed reports through the client callbacks
 * it installs, as the engines call them: which requests fail http_req_failed (statuses >= 400,
 * unless a status check says otherwise), which series a report counts in, what a metric with
 * no sample gives, abortOnFail judged after delayAbortEval only, and the exit codes.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "gate.h"
#include "hc/plan.h"
#include "hc/runner.h"

/* A plan run's gate without a client: the runner's callbacks behind the gate's. */
struct fixture {
    struct config cfg;
    struct hc_client_reqset set;
    struct hc_runner *run;
    struct gate *gate;
    struct hc_client_config cc;
    struct hc_hist *lat, *raw;
};

static const char plan_text[] = "target: http://127.0.0.1:8080\n"
                                "requests:\n"
                                "  ok: { path: /ok }\n"
                                "  missing: { path: /m, check: { status: 404 } }\n"
                                "  wrong: { path: /w, check: { status: 201 } }\n";

static void setup(struct fixture *f, const char *const *cli, size_t ncli)
{
    memset(f, 0, sizeof(*f));
    char err[512];
    int rc =
        hc_plan_parse("t.yaml", plan_text, strlen(plan_text), NULL, &f->cfg.plan, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    f->cfg.threads = 1;
    f->cfg.url_text = "http://127.0.0.1:8080/";
    f->cfg.method = "GET";
    assert_int_equal(hc_runner_new(f->cfg.plan, 1, 1, 1, HC_CLIENT_CLOSED, false, 0, &f->set,
                                   &f->run, err, sizeof(err)),
                     0);
    struct hc_opt_list list = {.items = (const char **)cli, .len = ncli};
    rc = gate_new(&f->cfg, &list, &f->gate, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    hc_runner_configure(f->run, &f->cc);
    gate_configure(f->gate, &f->cc);
    gate_attach(f->gate, NULL, f->run);
    hc_client_stats_new_hist(&f->lat);
    hc_client_stats_new_hist(&f->raw);
}

static void teardown(struct fixture *f)
{
    gate_free(f->gate);
    hc_runner_free(f->run);
    hc_client_reqset_destroy(&f->set);
    hc_plan_free(f->cfg.plan);
    hc_hist_free(f->lat);
    hc_hist_free(f->raw);
}

static void respond(struct fixture *f, uint32_t req, int status, int64_t ms)
{
    struct hc_client_response r = {.req = req,
                                   .status = status,
                                   .due_ns = 0,
                                   .sent_ns = 0,
                                   .done_ns = ms * 1000000,
                                   .bytes = 10};
    f->cc.on_response(f->cc.cb_ctx, &r);
    hc_hist_record(f->lat, r.done_ns);
    hc_hist_record(f->raw, r.done_ns);
}

static void finish(struct fixture *f, uint64_t responses)
{
    assert_false(gate_tick(f->gate, f->lat, f->raw, 2 * HC_NSEC_PER_SEC));
    hc_runner_finish(f->run);
    struct hc_client_stats total;
    hc_client_stats_init(&total);
    total.responses = responses;
    total.bytes_written = 500;
    gate_finish(f->gate, &total, 2 * HC_NSEC_PER_SEC);
    hc_client_stats_destroy(&total);
}

static const struct gate_verdict *verdict(struct fixture *f, size_t i)
{
    const struct gate_verdict *v;
    assert_true(i < gate_verdicts(f->gate, &v));
    return &v[i];
}

static void a_status_check_decides_whether_a_status_failed(void **state)
{
    (void)state;
    static const char *const cli[] = {
        "http_req_failed{name:ok}: rate==0.5",
        "http_req_failed{name:missing}: rate==0",
        "http_req_failed{name:wrong}: rate==1",
        "http_req_failed: rate==0.5",
        "http_reqs{status:500}: count==1",
        "http_req_duration{status:200}: max>29",
        "http_req_duration{status:503}: p(99)<1",
        "data_sent: rate==250",
        "http_reqs: rate==2",
    };
    struct fixture f;
    setup(&f, cli, HC_ARRAY_LEN(cli));
    respond(&f, 0, 200, 10);
    respond(&f, 0, 500, 20);
    respond(&f, 1, 404, 10);
    respond(&f, 2, 200, 30);
    finish(&f, 4);
    for (size_t i = 0; i < 6; i++)
        if (!verdict(&f, i)->passed)
            fail_msg("%s: observed %g", cli[i], verdict(&f, i)->observed);
    /* No 503 at all: no samples, and that fails. */
    assert_true(isnan(verdict(&f, 6)->observed));
    assert_false(verdict(&f, 6)->passed);
    assert_true(verdict(&f, 7)->passed);
    assert_true(verdict(&f, 8)->passed);
    assert_false(gate_passed(f.gate));
    struct hc_client_stats total;
    hc_client_stats_init(&total);
    total.responses = 4;
    assert_int_equal(gate_exit_code(f.gate, false, &total), HCLOAD_EXIT_THRESHOLD);
    assert_int_equal(gate_exit_code(f.gate, true, &total), 1);
    total.responses = 0;
    assert_int_equal(gate_exit_code(f.gate, false, &total), 1);
    hc_client_stats_destroy(&total);
    teardown(&f);
}

static void transport_failures_count_as_failed_requests(void **state)
{
    (void)state;
    static const char *const cli[] = {"http_req_failed: rate==0.5", "http_reqs: count==2",
                                      "http_req_failed{name:ok}: rate==0.5"};
    struct fixture f;
    setup(&f, cli, HC_ARRAY_LEN(cli));
    respond(&f, 0, 200, 1);
    struct hc_client_failure fail = {.req = 0, .kind = HC_CLIENT_ERR_TIMEOUT};
    f.cc.on_failure(f.cc.cb_ctx, &fail);
    finish(&f, 1);
    for (size_t i = 0; i < HC_ARRAY_LEN(cli); i++)
        if (!verdict(&f, i)->passed)
            fail_msg("%s: observed %g", cli[i], verdict(&f, i)->observed);
    assert_int_equal(gate_exit_code(f.gate, false, &(struct hc_client_stats){.responses = 1}), 0);
    teardown(&f);
}

static void names_flows_and_statuses_the_plan_lacks_are_usage_errors(void **state)
{
    (void)state;
    static const struct {
        const char *threshold;
        const char *message;
    } bad[] = {
        {"http_req_duration{name:mising}: p(95)<1",
         "the plan has no request \"mising\" (did you mean missing?)"},
        {"http_reqs{flow:okk}: count>0", "the plan has no flow \"okk\" (did you mean ok?)"},
        {"http_reqs{status:99}: count>0", "{status:99}: a status is 100..599"},
        {"http_reqs{method:PUT}: count>0", "no request of the run is a PUT"},
        {"data_sent{name:ok}: count>0", "data_sent is counted per connection"},
        {"iterations{name:ok}: count>0", "an iteration is narrowed by {flow:NAME} only"},
        {"http_req_durration: p(95)<1", "unknown metric \"http_req_durration\""},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        struct config cfg;
        memset(&cfg, 0, sizeof(cfg));
        char err[512] = "";
        assert_int_equal(hc_plan_parse("t.yaml", plan_text, strlen(plan_text), NULL, &cfg.plan, err,
                                       sizeof(err)),
                         0);
        cfg.threads = 1;
        cfg.method = "GET";
        const char *items[] = {bad[i].threshold};
        struct hc_opt_list list = {.items = items, .len = 1};
        struct gate *g = NULL;
        int rc = gate_new(&cfg, &list, &g, err, sizeof(err));
        if (rc == 0 || g != NULL || strstr(err, bad[i].message) == NULL)
            fail_msg("%s: rc %d: %s", bad[i].threshold, rc, err);
        hc_plan_free(cfg.plan);
    }
}

static void a_plan_threshold_the_run_cannot_answer_names_its_line(void **state)
{
    (void)state;
    static const char text[] = "target: http://127.0.0.1:8080\n"
                               "requests:\n  ok: { path: /ok }\n"
                               "thresholds:\n  http_reqs: count>0\n"
                               "  http_req_duration{name:nope}: [p(95)<1]\n";
    struct config cfg;
    memset(&cfg, 0, sizeof(cfg));
    char err[512];
    assert_int_equal(hc_plan_parse("t.yaml", text, strlen(text), NULL, &cfg.plan, err, sizeof(err)),
                     0);
    cfg.threads = 1;
    struct gate *g = NULL;
    assert_int_equal(gate_new(&cfg, NULL, &g, err, sizeof(err)), HC_EUNKNOWN);
    assert_string_equal(err, "t.yaml:6:34: http_req_duration{name:nope}: p(95)<1: the plan has "
                             "no request \"nope\"");
    hc_plan_free(cfg.plan);
}

static void abort_on_fail_waits_for_its_delay_and_stops_once(void **state)
{
    (void)state;
    static const char text[] = "target: http://127.0.0.1:8080\n"
                               "requests:\n  ok: { path: /ok }\n"
                               "thresholds:\n  http_req_duration:\n"
                               "    - { threshold: p(95)<5, abortOnFail: true, "
                               "delayAbortEval: 3s }\n";
    struct fixture f;
    memset(&f, 0, sizeof(f));
    char err[512];
    assert_int_equal(
        hc_plan_parse("t.yaml", text, strlen(text), NULL, &f.cfg.plan, err, sizeof(err)), 0);
    f.cfg.threads = 1;
    f.cfg.method = "GET";
    assert_int_equal(hc_runner_new(f.cfg.plan, 1, 1, 1, HC_CLIENT_CLOSED, false, 0, &f.set, &f.run,
                                   err, sizeof(err)),
                     0);
    assert_int_equal(gate_new(&f.cfg, NULL, &f.gate, err, sizeof(err)), 0);
    hc_runner_configure(f.run, &f.cc);
    gate_configure(f.gate, &f.cc);
    struct hc_client_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.threads = 1;
    cc.connections = 1;
    cc.pipeline = 1;
    cc.duration_ns = HC_NSEC_PER_SEC;
    cc.timeout_ns = HC_NSEC_PER_SEC;
    cc.reqs = &f.set;
    struct hc_client *client = NULL;
    hc_client_new(&cc, &client);
    gate_attach(f.gate, client, f.run);
    hc_client_stats_new_hist(&f.lat);
    hc_client_stats_new_hist(&f.raw);
    respond(&f, 0, 200, 50);
    /* A second in: failing, but before its delay. */
    assert_false(gate_tick(f.gate, f.lat, f.raw, HC_NSEC_PER_SEC));
    assert_null(gate_aborted(f.gate));
    hc_hist_reset(f.lat);
    hc_hist_reset(f.raw);
    assert_true(gate_tick(f.gate, f.lat, f.raw, 3 * HC_NSEC_PER_SEC));
    assert_non_null(gate_aborted(f.gate));
    assert_true(gate_aborted(f.gate)->t->abort_on_fail);
    struct hc_client_stats total;
    hc_client_stats_init(&total);
    total.responses = 1;
    hc_runner_finish(f.run);
    gate_finish(f.gate, &total, 3 * HC_NSEC_PER_SEC);
    assert_true(verdict(&f, 0)->aborted);
    assert_true(verdict(&f, 0)->abort_sec == 3.0);
    assert_false(verdict(&f, 0)->passed);
    assert_int_equal(gate_exit_code(f.gate, false, &total), HCLOAD_EXIT_THRESHOLD);
    hc_client_stats_destroy(&total);
    hc_client_free(client);
    teardown(&f);
}

static void no_thresholds_make_no_gate(void **state)
{
    (void)state;
    struct config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.threads = 1;
    struct gate *g = (struct gate *)&cfg;
    char err[64];
    assert_int_equal(gate_new(&cfg, NULL, &g, err, sizeof(err)), 0);
    assert_null(g);
    assert_null(gate_aborted(NULL));
    gate_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_status_check_decides_whether_a_status_failed),
        cmocka_unit_test(transport_failures_count_as_failed_requests),
        cmocka_unit_test(names_flows_and_statuses_the_plan_lacks_are_usage_errors),
        cmocka_unit_test(a_plan_threshold_the_run_cannot_answer_names_its_line),
        cmocka_unit_test(abort_on_fail_waits_for_its_delay_and_stops_once),
        cmocka_unit_test(no_thresholds_make_no_gate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
