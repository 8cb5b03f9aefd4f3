/* test_plan.c: loading plans, writing their requests, picking flows (common/plan.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc/plan.h"

#define PLAN_DIR HC_TEST_DATA "/plan"

static struct hc_plan *load_ok(const char *path)
{
    struct hc_plan *p = NULL;
    char err[512];
    int rc = hc_plan_load(path, &p, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s: %s (%d)", path, err, rc);
    return p;
}

static struct hc_plan *parse_ok(const char *text)
{
    struct hc_plan *p = NULL;
    char err[512];
    int rc = hc_plan_parse("t.yaml", text, strlen(text), PLAN_DIR, &p, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s (%d)", err, rc);
    return p;
}

static const struct hc_plan_request *req(const struct hc_plan *p, const char *name)
{
    long i = hc_plan_find_request(p, name);
    assert_true(i >= 0);
    return &p->requests[i];
}

static void the_example_of_issue_9_loads_as_written(void **state)
{
    (void)state;
    struct hc_plan *p = load_ok(PLAN_DIR "/example.yaml");
    assert_true(p->has_target);
    assert_string_equal(p->target.host, "127.0.0.1");
    assert_int_equal(p->target.port, 8080);
    assert_int_equal(p->load.set,
                     HC_PLAN_SET_RATE | HC_PLAN_SET_DURATION | HC_PLAN_SET_CONNECTIONS);
    assert_true(p->load.rate == 500);
    assert_int_equal(p->load.duration_ns, 10 * HC_NSEC_PER_SEC);
    assert_int_equal(p->load.connections, 64);
    assert_int_equal(p->nfeeds, 1);
    assert_string_equal(p->feeds[0].name, "users");
    assert_int_equal(hc_feed_rows(p->feeds[0].feed), 20);
    assert_int_equal(p->nvars, 1);
    assert_string_equal(p->vars[0], "order");
    assert_int_equal(p->nrequests, 2);
    const struct hc_plan_request *c = req(p, "create");
    assert_string_equal(c->method, "POST");
    assert_int_equal(c->nheaders, 2);
    assert_string_equal(c->headers[1].name, "Idempotency-Key");
    assert_false(c->constant);
    assert_int_equal(c->vars_set, 1);
    assert_int_equal(c->vars_used, 0);
    assert_int_equal(c->feeds_used, 1);
    assert_int_equal(hc_check_count(c->checks), 2);
    assert_int_equal(hc_check_extract_count(c->checks), 1);
    assert_string_equal(hc_check_label(c->checks, 0), "status 201");
    assert_string_equal(hc_check_label(c->checks, 1), "json status = PENDING");
    assert_int_equal(c->needs, HC_CHECK_NEED_BODY);
    const struct hc_plan_request *r = req(p, "read");
    assert_string_equal(r->method, "GET");
    assert_int_equal(r->vars_used, 1);
    assert_int_equal(r->needs, HC_CHECK_NEED_HEADERS);
    assert_string_equal(hc_check_label(r->checks, 1), "header X-Cache ~ L1|L2|DB");
    assert_int_equal(p->nflows, 1);
    assert_string_equal(p->flows[0].name, "buy");
    assert_int_equal(p->flows[0].nsteps, 2);
    assert_int_equal(p->flows[0].steps[0], 0);
    assert_int_equal(p->flows[0].steps[1], 1);
    assert_int_equal(p->flows[0].feeds_used, 1);
    assert_int_equal(strlen(p->hash_hex), 16);
    /* The same bytes hash the same; the hash covers the CSV file too. */
    struct hc_plan *again = load_ok(PLAN_DIR "/example.yaml");
    assert_string_equal(p->hash_hex, again->hash_hex);
    hc_plan_free(again);
    hc_plan_free(p);
}

static void an_iteration_of_the_example_writes_and_checks_byte_for_byte(void **state)
{
    (void)state;
    struct hc_plan *p = load_ok(PLAN_DIR "/example.yaml");
    struct hc_plan_thread th;
    hc_plan_thread_init(&th, 42);
    struct hc_plan_iter it;
    hc_plan_iter_init(&it, p, &th);
    const struct hc_plan_flow *f = hc_plan_pick(p, &th.rng);
    assert_string_equal(f->name, "buy");
    assert_int_equal(hc_plan_iter_begin(&it, f, 1, 1764633600000), 0);
    struct hc_buf out;
    struct hc_buf scratch;
    hc_buf_init(&out, 0);
    hc_buf_init(&scratch, 0);
    const struct hc_plan_request *create = &p->requests[f->steps[0]];
    assert_int_equal(hc_plan_request_write(create, &it.ctx, &scratch, &out), 0);
    /*
     * users.csv's first row (unique order starts at the top); the body is rendered first, so
     * randint takes the seed-42 stream's first draw and the UUID the next two (both checked
     * against an independent model of xoshiro256**).
     */
    assert_string_equal(hc_buf_cstr(&out),
                        "POST /api/orders HTTP/1.1\r\n"
                        "Host: 127.0.0.1:8080\r\n"
                        "Content-Type: application/json\r\n"
                        "Idempotency-Key: 6104d986-6d11-4a7e-ae17-533239e499a1\r\n"
                        "Content-Length: 54\r\n"
                        "\r\n"
                        "{\"user_id\":1,\"sku\":\"sku-5\",\"qty\":1,\"amount_cents\":500}");
    char *first = hc_xstrdup(hc_buf_cstr(&out));

    /* The server's answer feeds the next step. */
    static const char body[] = "{\"id\":\"1017\",\"status\":\"PENDING\",\"user_id\":1}";
    struct hc_check_response resp = {201, NULL, 0, body, sizeof(body) - 1};
    struct hc_check_result res[3];
    assert_int_equal(hc_plan_iter_check(&it, create, &resp, res), 0);
    const struct hc_plan_request *read = &p->requests[f->steps[1]];
    hc_buf_reset(&out);
    assert_int_equal(hc_plan_request_write(read, &it.ctx, &scratch, &out), 0);
    assert_string_equal(hc_buf_cstr(&out), "GET /api/orders/1017 HTTP/1.1\r\n"
                                           "Host: 127.0.0.1:8080\r\n\r\n");
    struct hc_check_header hit = {"X-Cache", 7, "L1", 2};
    struct hc_check_response ok = {200, &hit, 1, "{}", 2};
    assert_int_equal(hc_plan_iter_check(&it, read, &ok, res), 0);
    struct hc_check_header miss = {"X-Cache", 7, "MISS", 4};
    struct hc_check_response bad = {404, &miss, 1, "{}", 2};
    assert_int_equal(hc_plan_iter_check(&it, read, &bad, res), 2);
    assert_string_equal(res[0].reason, "status 404, expected 200");
    assert_string_equal(res[1].reason, "X-Cache is \"MISS\", expected ~ L1|L2|DB");

    /* A second iteration: the next user, fresh variables; the same seed repeats the bytes. */
    assert_int_equal(hc_plan_iter_begin(&it, f, 2, 1764633600001), 0);
    assert_null(it.vars.values[0].ptr);
    hc_buf_reset(&out);
    assert_int_equal(hc_plan_request_write(read, &it.ctx, &scratch, &out), -ENOENT);
    assert_int_equal(out.len, 0);
    assert_int_equal(hc_plan_request_write(create, &it.ctx, &scratch, &out), 0);
    assert_non_null(strstr(hc_buf_cstr(&out), "{\"user_id\":2,"));
    struct hc_plan *p2 = load_ok(PLAN_DIR "/example.yaml");
    struct hc_plan_thread th2;
    hc_plan_thread_init(&th2, 42);
    struct hc_plan_iter it2;
    hc_plan_iter_init(&it2, p2, &th2);
    const struct hc_plan_flow *f2 = hc_plan_pick(p2, &th2.rng);
    assert_int_equal(hc_plan_iter_begin(&it2, f2, 1, 1764633600000), 0);
    hc_buf_reset(&out);
    assert_int_equal(hc_plan_request_write(&p2->requests[0], &it2.ctx, &scratch, &out), 0);
    assert_string_equal(hc_buf_cstr(&out), first);
    free(first);
    hc_plan_iter_destroy(&it2);
    hc_plan_free(p2);
    hc_buf_destroy(&out);
    hc_buf_destroy(&scratch);
    hc_plan_iter_destroy(&it);
    hc_plan_free(p);
}

static void every_section_of_a_full_plan_loads(void **state)
{
    (void)state;
    setenv("HC_PLAN_TEST_UNUSED", "1", 1);
    struct hc_plan *p = load_ok(PLAN_DIR "/full.yaml");
    assert_string_equal(p->target.path, "/base/");
    assert_false(p->http2);
    assert_true(p->insecure);
    const struct hc_plan_load *l = &p->load;
    assert_int_equal(l->set, HC_PLAN_SET_CONNECTIONS | HC_PLAN_SET_REQUESTS | HC_PLAN_SET_RATE |
                                 HC_PLAN_SET_ARRIVAL | HC_PLAN_SET_STAGES | HC_PLAN_SET_TIMEOUT |
                                 HC_PLAN_SET_PIPELINE | HC_PLAN_SET_THREADS);
    assert_int_equal(l->connections, 32);
    assert_int_equal(l->requests, 10000);
    assert_true(l->rate == 0);
    assert_int_equal(l->arrival, HC_PLAN_ARRIVAL_POISSON);
    assert_int_equal(l->nstages, 2);
    assert_int_equal(l->stages[1].dur_ns, 60 * HC_NSEC_PER_SEC);
    assert_true(l->stages[1].target == 500);
    assert_int_equal(l->timeout_ns, 1500 * HC_NSEC_PER_MSEC);
    assert_int_equal(l->pipeline, 4);
    assert_int_equal(l->threads, 2);
    assert_int_equal(p->nvars, 3);

    const struct hc_plan_request *h = req(p, "health");
    assert_true(h->constant);
    assert_true(h->weighted);
    assert_string_equal(hc_buf_cstr(&h->prebuilt), "GET /base/healthz HTTP/1.1\r\n"
                                                   "Host: 127.0.0.1:8080\r\n\r\n");
    struct hc_buf out;
    struct hc_buf scratch;
    hc_buf_init(&out, 0);
    hc_buf_init(&scratch, 0);
    assert_int_equal(hc_plan_request_write(h, NULL, &scratch, &out), 0);
    assert_string_equal(hc_buf_cstr(&out), hc_buf_cstr(&h->prebuilt));

    const struct hc_plan_request *login = req(p, "login");
    assert_string_equal(login->url->host_header, "auth.local:9000");
    hc_buf_reset(&out);
    assert_int_equal(hc_plan_request_url(login, NULL, &out), 0);
    assert_string_equal(hc_buf_cstr(&out), "http://auth.local:9000/login?next=/");
    hc_buf_reset(&out);
    assert_int_equal(hc_plan_request_url(h, NULL, &out), 0);
    assert_string_equal(hc_buf_cstr(&out), "http://127.0.0.1:8080/base/healthz");
    assert_int_equal(hc_check_count(login->checks), 8);
    assert_int_equal(hc_check_extract_count(login->checks), 3);
    assert_string_equal(hc_check_label(login->checks, 0), "status 200,201,300-399");
    struct hc_plan_thread th;
    hc_plan_thread_init(&th, 1);
    struct hc_plan_iter it;
    hc_plan_iter_init(&it, p, &th);
    long browse = hc_plan_find_flow(p, "browse");
    assert_true(browse >= 0);
    assert_int_equal(hc_plan_iter_begin(&it, &p->flows[browse], 5, 0), 0);
    hc_buf_reset(&out);
    assert_int_equal(hc_plan_request_write(login, &it.ctx, &scratch, &out), 0);
    assert_string_equal(hc_buf_cstr(&out), "POST /login?next=/ HTTP/1.1\r\n"
                                           "Host: auth.local:9000\r\n"
                                           "Accept: application/json\r\n"
                                           "Content-Length: 18\r\n\r\n"
                                           "{\"n\":5,\"code\":\"a\"}");
    static const struct hc_check_header hdrs[] = {
        {"Set-Cookie", 10, "sid=9; Path=/", 13},
        {"Server", 6, "hc", 2},
    };
    static const char body[] = "{\"token\":\"t/k n\",\"user\":{\"id\":7},\"roles\":[\"admin\"],"
                               "\"html\":\"csrf=abc9\"}";
    struct hc_check_response resp = {201, hdrs, 2, body, sizeof(body) - 1};
    struct hc_check_result res[11];
    size_t failed = hc_plan_iter_check(&it, login, &resp, res);
    for (size_t i = 0; i < 11; i++) {
        if (!res[i].pass)
            fail_msg("%s: %s", hc_check_label(login->checks, i), res[i].reason);
    }
    assert_int_equal(failed, 0);
    hc_buf_reset(&out);
    assert_int_equal(hc_plan_request_write(req(p, "me"), &it.ctx, &scratch, &out), 0);
    assert_string_equal(hc_buf_cstr(&out), "GET /base/me?t=t%2Fk%20n HTTP/1.1\r\n"
                                           "Host: 127.0.0.1:8080\r\n"
                                           "Authorization: Bearer t/k n\r\n"
                                           "X-Csrf: abc9\r\n"
                                           "X-Session: sid=9; Path=/\r\n\r\n");
    /* Flows: three named, then "health" alone (it has a weight). */
    assert_int_equal(p->nflows, 4);
    assert_true(p->flows[3].implicit);
    assert_string_equal(p->flows[3].name, "health");
    assert_int_equal(p->flows[0].think.kind, HC_PLAN_THINK_CONSTANT);
    assert_int_equal(hc_plan_think_ns(&p->flows[0], &th.rng), 100 * HC_NSEC_PER_MSEC);
    assert_int_equal(p->flows[1].think.kind, HC_PLAN_THINK_UNIFORM);
    assert_int_equal(p->flows[2].think.kind, HC_PLAN_THINK_EXPONENTIAL);
    assert_int_equal(p->nthresholds, 2);
    assert_string_equal(p->thresholds[0].metric, "http_req_duration");
    assert_int_equal(p->thresholds[0].nexprs, 2);
    assert_string_equal(p->thresholds[0].exprs[1].text, "http_req_duration: p(99) < 1s");
    assert_true(p->thresholds[0].exprs[1].value == 1000.0);
    assert_string_equal(p->thresholds[1].exprs[0].text, "checks: rate > 0.99");
    assert_false(p->thresholds[1].exprs[0].abort_on_fail);
    assert_int_equal(p->thresholds[1].pos.line, 46);
    hc_buf_destroy(&out);
    hc_buf_destroy(&scratch);
    hc_plan_iter_destroy(&it);
    hc_plan_free(p);
}

static void thresholds_take_k6s_string_and_object_forms(void **state)
{
    (void)state;
    struct hc_plan *p = parse_ok("target: http://127.0.0.1:8080\n"
                                 "requests:\n  create: { path: / }\n"
                                 "thresholds:\n"
                                 "  http_req_failed: rate<0.01\n"
                                 "  http_req_duration{name:create}:\n"
                                 "    - p(95)<200\n"
                                 "    - threshold: p(99) < 1.5s\n"
                                 "      abortOnFail: true\n"
                                 "      delayAbortEval: 10s\n");
    assert_int_equal(p->nthresholds, 2);
    assert_int_equal(p->thresholds[0].nexprs, 1);
    assert_int_equal(p->thresholds[0].exprs[0].kind, HC_THRESHOLD_RATE);
    assert_true(p->thresholds[0].exprs[0].value == 0.01);
    const struct hc_plan_threshold *d = &p->thresholds[1];
    assert_int_equal(d->nexprs, 2);
    assert_false(d->exprs[0].abort_on_fail);
    assert_true(d->exprs[0].value == 200.0);
    assert_string_equal(hc_threshold_tag(&d->exprs[0], "name"), "create");
    assert_true(d->exprs[1].abort_on_fail);
    assert_int_equal(d->exprs[1].delay_abort_ns, 10 * HC_NSEC_PER_SEC);
    assert_true(d->exprs[1].value == 1500.0);
    assert_string_equal(d->exprs[1].text, "http_req_duration{name:create}: p(99) < 1.5s");
    assert_int_equal(d->at[1].line, 8);
    hc_plan_free(p);
}

static void stages_may_be_written_as_the_flag_writes_them(void **state)
{
    (void)state;
    struct hc_plan *p = parse_ok("target: http://h\n"
                                 "load: { rate: 0, stages: \"10s:100/s,1m30s:100,5:0\" }\n"
                                 "requests: { a: { path: / } }\n");
    assert_int_equal(p->load.nstages, 3);
    assert_int_equal(p->load.stages[0].dur_ns, 10 * HC_NSEC_PER_SEC);
    assert_true(p->load.stages[0].target == 100);
    assert_int_equal(p->load.stages[1].dur_ns, 90 * HC_NSEC_PER_SEC);
    assert_int_equal(p->load.stages[2].dur_ns, 5 * HC_NSEC_PER_SEC);
    assert_true(p->load.stages[2].target == 0);
    hc_plan_free(p);
    static const char *const bad[] = {"10s", "10s:", ":5", "0s:5", "10s:5,,", "10s:fast"};
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        char text[256];
        snprintf(text, sizeof(text),
                 "target: http://h\nload: { stages: \"%s\" }\nrequests: { a: { path: / } }\n",
                 bad[i]);
        struct hc_plan *q = NULL;
        char err[256] = "";
        int rc = hc_plan_parse("t.yaml", text, strlen(text), NULL, &q, err, sizeof(err));
        if (rc == 0 || strstr(err, "t.yaml:2:17: load.stages: stage ") != err)
            fail_msg("\"%s\": %d %s", bad[i], rc, err);
    }
}

static void think_times_follow_their_distribution(void **state)
{
    (void)state;
    struct hc_plan *p = load_ok(PLAN_DIR "/full.yaml");
    struct hc_tmpl_rng rng;
    hc_tmpl_rng_seed(&rng, 3);
    double sum_u = 0;
    double sum_e = 0;
    for (int i = 0; i < 10000; i++) {
        int64_t u = hc_plan_think_ns(&p->flows[1], &rng);
        assert_true(u >= HC_NSEC_PER_SEC && u <= 2 * HC_NSEC_PER_SEC);
        sum_u += (double)u;
        int64_t e = hc_plan_think_ns(&p->flows[2], &rng);
        assert_true(e >= 0);
        sum_e += (double)e;
    }
    assert_true(fabs(sum_u / 10000 / 1.5e9 - 1) < 0.02);
    assert_true(fabs(sum_e / 10000 / 50e6 - 1) < 0.05);
    hc_plan_free(p);
}

static void flows_are_picked_by_weight_within_two_percent(void **state)
{
    (void)state;
    struct hc_plan *p = parse_ok("target: http://h\n"
                                 "requests:\n"
                                 "  a: { path: /a }\n"
                                 "  b: { path: /b, weight: 10 }\n"
                                 "  c: { path: /c, weight: 0.5 }\n"
                                 "flows:\n"
                                 "  one: { weight: 1, steps: [a] }\n"
                                 "  two: { weight: 2, steps: [a, b] }\n"
                                 "  seven: { weight: 6.5, steps: [b] }\n");
    assert_int_equal(p->nflows, 5); /* three named, b and c alone; a only in flows */
    double total = 1 + 2 + 6.5 + 10 + 0.5;
    struct hc_tmpl_rng rng;
    hc_tmpl_rng_seed(&rng, 2026);
    size_t counts[5] = {0};
    for (int i = 0; i < 10000; i++)
        counts[hc_plan_pick(p, &rng) - p->flows]++;
    for (size_t i = 0; i < 5; i++) {
        double want = p->flows[i].weight / total;
        double got = (double)counts[i] / 10000;
        if (fabs(got - want) > 0.02)
            fail_msg("flow %s: %.4f of picks, weight says %.4f", p->flows[i].name, got, want);
    }
    /* No bias in the table itself: a million picks land within 1 % of each share. */
    memset(counts, 0, sizeof(counts));
    for (int i = 0; i < 1000000; i++)
        counts[hc_plan_pick(p, &rng) - p->flows]++;
    for (size_t i = 0; i < 5; i++) {
        double want = p->flows[i].weight / total;
        double got = (double)counts[i] / 1000000;
        if (fabs(got / want - 1) > 0.01)
            fail_msg("flow %s: %.5f of picks, weight says %.5f", p->flows[i].name, got, want);
    }
    hc_plan_free(p);

    /* Without flows every request runs alone, weight 1 unless given. */
    p = parse_ok("target: http://h\nrequests:\n  a: { path: /a }\n  b: { path: /b, weight: 3 }\n");
    assert_int_equal(p->nflows, 2);
    assert_true(p->flows[0].weight == 1 && p->flows[1].weight == 3);
    size_t na = 0;
    for (int i = 0; i < 10000; i++)
        na += hc_plan_pick(p, &rng) == &p->flows[0];
    assert_true(fabs((double)na / 10000 - 0.25) < 0.02);
    hc_plan_free(p);
}

static void a_stopping_feeder_ends_the_iterations(void **state)
{
    (void)state;
    struct hc_plan *p =
        parse_ok("target: http://h\n"
                 "data: { codes: { csv: three.csv, order: unique, on_end: stop } }\n"
                 "requests:\n"
                 "  a: { path: \"/c/{{csv.codes.code}}\" }\n"
                 "  b: { path: /b }\n");
    struct hc_plan_thread th;
    hc_plan_thread_init(&th, 1);
    struct hc_plan_iter it;
    hc_plan_iter_init(&it, p, &th);
    struct hc_buf out;
    struct hc_buf scratch;
    hc_buf_init(&out, 0);
    hc_buf_init(&scratch, 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(hc_plan_iter_begin(&it, &p->flows[0], (uint64_t)i, 0), 0);
        assert_int_equal(hc_plan_request_write(&p->requests[0], &it.ctx, &scratch, &out), 0);
    }
    assert_non_null(strstr(hc_buf_cstr(&out), "GET /c/a HTTP/1.1"));
    assert_non_null(strstr(hc_buf_cstr(&out), "GET /c/c HTTP/1.1"));
    assert_int_equal(hc_plan_iter_begin(&it, &p->flows[0], 4, 0), -ENODATA);
    /* A flow that reads no feeder is not stopped by it. */
    assert_int_equal(hc_plan_iter_begin(&it, &p->flows[1], 5, 0), 0);
    hc_buf_destroy(&out);
    hc_buf_destroy(&scratch);
    hc_plan_iter_destroy(&it);
    hc_plan_free(p);
}

static void a_post_without_a_body_says_its_length_and_writes_fail_whole(void **state)
{
    (void)state;
    struct hc_plan *p =
        parse_ok("target: http://h:81\n"
                 "requests:\n"
                 "  a: { method: POST, path: /a, headers: { Host: other } }\n"
                 "  b: { method: PUT, path: \"/b/{{seq}}\", body: \"x{{seq}}\" }\n");
    assert_string_equal(hc_buf_cstr(&p->requests[0].prebuilt),
                        "POST /a HTTP/1.1\r\nHost: other\r\nContent-Length: 0\r\n\r\n");
    struct hc_tmpl_ctx ctx = {.seq = 77};
    struct hc_buf out;
    struct hc_buf scratch;
    hc_buf_init(&out, 30);
    hc_buf_init(&scratch, 0);
    hc_buf_append_str(&out, "prefix");
    assert_int_equal(hc_plan_request_write(&p->requests[1], &ctx, &scratch, &out), HC_ETOOLARGE);
    assert_string_equal(hc_buf_cstr(&out), "prefix");
    hc_buf_destroy(&out);
    hc_buf_init(&out, 0);
    assert_int_equal(hc_plan_request_write(&p->requests[1], &ctx, &scratch, &out), 0);
    assert_string_equal(hc_buf_cstr(&out),
                        "PUT /b/77 HTTP/1.1\r\nHost: h:81\r\nContent-Length: 3\r\n\r\nx77");
    hc_buf_destroy(&out);
    hc_buf_destroy(&scratch);
    hc_plan_free(p);
}

static void warm_buffers_write_iteration_after_iteration_without_growing(void **state)
{
    (void)state;
    struct hc_plan *p = load_ok(PLAN_DIR "/example.yaml");
    struct hc_plan_thread th;
    hc_plan_thread_init(&th, 9);
    struct hc_plan_iter it;
    hc_plan_iter_init(&it, p, &th);
    struct hc_buf out;
    struct hc_buf scratch;
    hc_buf_init(&out, 0);
    hc_buf_init(&scratch, 0);
    hc_buf_reserve(&out, 4096);
    hc_buf_reserve(&scratch, 4096);
    const char *out_data = out.data;
    const char *scratch_data = scratch.data;
    for (uint64_t i = 0; i < 2000; i++) {
        const struct hc_plan_flow *f = hc_plan_pick(p, &th.rng);
        assert_int_equal(hc_plan_iter_begin(&it, f, i, (int64_t)i), 0);
        assert_int_equal(hc_check_vars_set(&it.vars, 0, "123456789", 9), 0);
        for (size_t s = 0; s < f->nsteps; s++) {
            hc_buf_reset(&out);
            assert_int_equal(
                hc_plan_request_write(&p->requests[f->steps[s]], &it.ctx, &scratch, &out), 0);
        }
    }
    assert_ptr_equal(out.data, out_data);
    assert_ptr_equal(scratch.data, scratch_data);
    hc_buf_destroy(&out);
    hc_buf_destroy(&scratch);
    hc_plan_iter_destroy(&it);
    hc_plan_free(p);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct hc_buf b;
    hc_buf_init(&b, 0);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        hc_buf_append(&b, chunk, n);
    fclose(f);
    return hc_buf_take(&b, len);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void every_malformed_plan_gives_its_expected_message(void **state)
{
    (void)state;
    /* The plans name files relative to their folder; messages then name them as written. */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(PLAN_DIR "/bad"), 0);
    DIR *d = opendir(".");
    assert_non_null(d);
    char *names[256];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < HC_ARRAY_LEN(names)) {
        size_t len = strlen(de->d_name);
        if (len > 5 && strcmp(de->d_name + len - 5, ".yaml") == 0)
            names[n++] = hc_xstrdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), name_cmp);
    assert_true(n >= 20);
    size_t failures = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        char *text = read_all(names[i], &len);
        char expect_path[300];
        snprintf(expect_path, sizeof(expect_path), "%.*s.expect", (int)(strlen(names[i]) - 5),
                 names[i]);
        size_t elen;
        char *expect = read_all(expect_path, &elen);
        while (elen > 0 && expect[elen - 1] == '\n')
            expect[--elen] = '\0';
        struct hc_plan *p = NULL;
        char err[512] = "";
        int rc = hc_plan_parse(names[i], text, len, NULL, &p, err, sizeof(err));
        if (rc == 0 || p != NULL || strcmp(err, expect) != 0) {
            print_error("%s: rc %d\n  got:  %s\n  want: %s\n", names[i], rc, err, expect);
            failures++;
        }
        hc_plan_free(p);
        free(text);
        free(expect);
        free(names[i]);
    }
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(failures, 0);
}

static void a_plan_file_that_cannot_be_read_names_its_path(void **state)
{
    (void)state;
    struct hc_plan *p;
    char err[256];
    assert_int_equal(hc_plan_load("/nonexistent/plan.yaml", &p, err, sizeof(err)), -ENOENT);
    assert_string_equal(err, "/nonexistent/plan.yaml: No such file or directory");
    assert_null(p);
    hc_plan_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_example_of_issue_9_loads_as_written),
        cmocka_unit_test(an_iteration_of_the_example_writes_and_checks_byte_for_byte),
        cmocka_unit_test(every_section_of_a_full_plan_loads),
        cmocka_unit_test(thresholds_take_k6s_string_and_object_forms),
        cmocka_unit_test(stages_may_be_written_as_the_flag_writes_them),
        cmocka_unit_test(think_times_follow_their_distribution),
        cmocka_unit_test(flows_are_picked_by_weight_within_two_percent),
        cmocka_unit_test(a_stopping_feeder_ends_the_iterations),
        cmocka_unit_test(a_post_without_a_body_says_its_length_and_writes_fail_whole),
        cmocka_unit_test(warm_buffers_write_iteration_after_iteration_without_growing),
        cmocka_unit_test(every_malformed_plan_gives_its_expected_message),
        cmocka_unit_test(a_plan_file_that_cannot_be_read_names_its_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
