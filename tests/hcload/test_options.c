/* test_options.c: hcload's options turned into a run's configuration (hcload/options.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "options.h"

/* Parses argv (a NULL-terminated list after the program name) and resolves it into cfg. */
static int resolve(struct config *cfg, bool *usage, char *err, size_t errlen, ...)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = "hcload";
    va_list ap;
    va_start(ap, errlen);
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 31;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    struct hc_opt_program *prog = options_program();
    hc_opt_release(prog);
    memset(options_values(), 0, sizeof(struct options));
    int rc = hc_opt_parse(prog, argc, argv, err, errlen);
    if (rc != HC_OPT_RUN)
        return rc < 0 ? rc : -1;
    return options_resolve(prog, options_values(), cfg, usage, err, errlen);
}

static void a_bare_url_runs_the_closed_model_for_ten_seconds(void **state)
{
    (void)state;
    struct config cfg;
    bool usage;
    char err[512];
    assert_int_equal(resolve(&cfg, &usage, err, sizeof(err), "http://127.0.0.1:8080/x?y=1", NULL),
                     0);
    assert_int_equal(cfg.model, HC_CLIENT_CLOSED);
    assert_int_equal(cfg.duration_ns, 10 * HC_NSEC_PER_SEC);
    assert_int_equal(cfg.connections, 10);
    assert_true(cfg.threads >= 1 && cfg.threads <= 10);
    assert_int_equal(cfg.pipeline, 1);
    assert_int_equal(cfg.timeout_ns, 2 * HC_NSEC_PER_SEC);
    assert_string_equal(cfg.reqs.reqs[0].wire.data,
                        "GET /x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n");
    assert_int_equal(cfg.reqs.batch.len, cfg.reqs.reqs[0].wire.len);
    options_config_destroy(&cfg);
}

static void a_rate_selects_the_open_model(void **state)
{
    (void)state;
    struct config cfg;
    bool usage;
    char err[512];
    assert_int_equal(resolve(&cfg, &usage, err, sizeof(err), "-R", "2k/s", "--arrival", "poisson",
                             "http://127.0.0.1:8080/", NULL),
                     0);
    assert_int_equal(cfg.model, HC_CLIENT_OPEN);
    assert_true(cfg.rate == 2000.0);
    assert_true(cfg.poisson);
    options_config_destroy(&cfg);
}

static void a_request_count_alone_has_no_deadline(void **state)
{
    (void)state;
    struct config cfg;
    bool usage;
    char err[512];
    assert_int_equal(resolve(&cfg, &usage, err, sizeof(err), "-n", "5", "http://127.0.0.1/", NULL),
                     0);
    assert_int_equal(cfg.requests, 5);
    assert_int_equal(cfg.duration_ns, INT64_MAX);
    options_config_destroy(&cfg);
}

static void stages_set_the_duration(void **state)
{
    (void)state;
    struct config cfg;
    bool usage;
    char err[512];
    assert_int_equal(resolve(&cfg, &usage, err, sizeof(err), "-c", "50", "--stages", "10s:50,5s:0",
                             "http://127.0.0.1/", NULL),
                     0);
    assert_int_equal(cfg.nstages, 2);
    assert_int_equal(cfg.duration_ns, 15 * HC_NSEC_PER_SEC);
    assert_int_equal(cfg.model, HC_CLIENT_CLOSED);
    options_config_destroy(&cfg);
}

static void a_body_makes_a_post_with_its_length(void **state)
{
    (void)state;
    struct config cfg;
    bool usage;
    char err[512];
    assert_int_equal(resolve(&cfg, &usage, err, sizeof(err), "--body", "{}", "-H",
                             "Content-Type:  application/json ", "-H", "Host: example.com",
                             "http://127.0.0.1:8080/api", NULL),
                     0);
    assert_string_equal(cfg.method, "POST");
    assert_string_equal(cfg.reqs.reqs[0].wire.data, "POST /api HTTP/1.1\r\n"
                                                    "Content-Type: application/json\r\n"
                                                    "Host: example.com\r\n"
                                                    "Content-Length: 2\r\n\r\n{}");
    options_config_destroy(&cfg);
}

static void pipelining_repeats_the_request_in_the_batch(void **state)
{
    (void)state;
    struct config cfg;
    bool usage;
    char err[512];
    assert_int_equal(resolve(&cfg, &usage, err, sizeof(err), "--pipeline", "3", "-m", "HEAD",
                             "http://127.0.0.1/", NULL),
                     0);
    assert_int_equal(cfg.reqs.batch.len, 3 * cfg.reqs.reqs[0].wire.len);
    assert_memory_equal(cfg.reqs.batch.data + 2 * cfg.reqs.reqs[0].wire.len,
                        cfg.reqs.reqs[0].wire.data, cfg.reqs.reqs[0].wire.len);
    assert_true(cfg.reqs.reqs[0].head);
    options_config_destroy(&cfg);
}

static void threads_never_outnumber_connections(void **state)
{
    (void)state;
    struct config cfg;
    bool usage;
    char err[512];
    assert_int_equal(
        resolve(&cfg, &usage, err, sizeof(err), "-t", "8", "-c", "2", "http://127.0.0.1/", NULL),
        0);
    assert_int_equal(cfg.threads, 2);
    options_config_destroy(&cfg);
}

static void conflicting_or_impossible_flags_are_usage_errors(void **state)
{
    (void)state;
    static const char *const cases[][4] = {
        {"-d", "5s", "--stages", "1s:1"},   {"--body", "x", "--body-file", "/dev/null"},
        {"-c", "2", "--stages", "1s:3"},    {"-R", "0", "-d", "1s"},
        {"--pipeline", "2000", "-d", "1s"}, {"-H", "nocolon", "-d", "1s"},
        {"-m", "BAD METHOD", "-d", "1s"},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(cases); i++) {
        struct config cfg;
        bool usage = false;
        char err[512] = "";
        int rc = resolve(&cfg, &usage, err, sizeof(err), cases[i][0], cases[i][1], cases[i][2],
                         cases[i][3], "http://127.0.0.1/", NULL);
        if (rc == 0)
            fail_msg("case %zu was accepted", i);
        assert_true(usage);
        assert_true(err[0] != '\0');
        options_config_destroy(&cfg);
    }
}

static void https_and_http2_run_on_the_native_engine(void **state)
{
    (void)state;
    struct config cfg;
    bool usage = false;
    char err[512];
    assert_int_equal(resolve(&cfg, &usage, err, sizeof(err), "-k", "https://127.0.0.1/", NULL), 0);
    assert_false(cfg.curl);
    assert_true(cfg.url.tls);
    assert_true(cfg.insecure);
    assert_false(cfg.http2);
    options_config_destroy(&cfg);
    assert_int_equal(resolve(&cfg, &usage, err, sizeof(err), "--http2", "http://127.0.0.1/", NULL),
                     0);
    assert_false(cfg.curl);
    assert_true(cfg.http2);
    assert_int_equal(cfg.pipeline, 1);
    options_config_destroy(&cfg);
    assert_int_equal(resolve(&cfg, &usage, err, sizeof(err), "--http2", "--streams", "10",
                             "https://127.0.0.1/", NULL),
                     0);
    assert_int_equal(cfg.pipeline, 10);
    options_config_destroy(&cfg);
    assert_int_equal(
        resolve(&cfg, &usage, err, sizeof(err), "--streams", "10", "https://127.0.0.1/", NULL),
        HC_ESYNTAX);
    assert_non_null(strstr(err, "--http2"));
    options_config_destroy(&cfg);
    assert_int_equal(resolve(&cfg, &usage, err, sizeof(err), "http://127.0.0.1/", NULL), 0);
    assert_false(cfg.curl);
    options_config_destroy(&cfg);
}

static void pipelining_is_refused_with_the_libcurl_engine(void **state)
{
    (void)state;
    struct config cfg;
    bool usage = false;
    char err[512];
    assert_int_equal(resolve(&cfg, &usage, err, sizeof(err), "--pipeline", "2", "--http2",
                             "https://127.0.0.1/", NULL),
                     HC_ESYNTAX);
    assert_true(usage);
    assert_non_null(strstr(err, "--pipeline"));
    options_config_destroy(&cfg);
    assert_int_equal(
        resolve(&cfg, &usage, err, sizeof(err), "--pipeline", "2", "https://127.0.0.1/", NULL), 0);
    assert_int_equal(cfg.pipeline, 2);
    options_config_destroy(&cfg);
}

static void tls_versions_and_files_are_checked(void **state)
{
    (void)state;
    struct config cfg;
    bool usage = false;
    char err[512];
    assert_int_equal(resolve(&cfg, &usage, err, sizeof(err), "--tls-min", "1.3", "--tls-max", "1.3",
                             "--cacert", "/ca.pem", "https://127.0.0.1/", NULL),
                     0);
    assert_int_equal(cfg.tls_min, 0x0304);
    assert_int_equal(cfg.tls_max, 0x0304);
    assert_string_equal(cfg.cacert, "/ca.pem");
    options_config_destroy(&cfg);
    assert_int_equal(
        resolve(&cfg, &usage, err, sizeof(err), "--tls-min", "1.1", "https://127.0.0.1/", NULL),
        HC_ERANGE);
    assert_true(usage);
    assert_non_null(strstr(err, "1.2 or 1.3"));
    options_config_destroy(&cfg);
    assert_int_equal(resolve(&cfg, &usage, err, sizeof(err), "--tls-min", "1.3", "--tls-max", "1.2",
                             "https://127.0.0.1/", NULL),
                     HC_ERANGE);
    options_config_destroy(&cfg);
    assert_int_equal(
        resolve(&cfg, &usage, err, sizeof(err), "--key", "/k.pem", "https://127.0.0.1/", NULL),
        HC_ESYNTAX);
    assert_non_null(strstr(err, "--cert"));
    options_config_destroy(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_bare_url_runs_the_closed_model_for_ten_seconds),
        cmocka_unit_test(a_rate_selects_the_open_model),
        cmocka_unit_test(a_request_count_alone_has_no_deadline),
        cmocka_unit_test(stages_set_the_duration),
        cmocka_unit_test(a_body_makes_a_post_with_its_length),
        cmocka_unit_test(pipelining_repeats_the_request_in_the_batch),
        cmocka_unit_test(threads_never_outnumber_connections),
        cmocka_unit_test(conflicting_or_impossible_flags_are_usage_errors),
        cmocka_unit_test(https_and_http2_run_on_the_native_engine),
        cmocka_unit_test(tls_versions_and_files_are_checked),
        cmocka_unit_test(pipelining_is_refused_with_the_libcurl_engine),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    hc_opt_release(options_program());
    return rc;
}
