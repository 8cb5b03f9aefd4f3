/* test_options.c: hcwarm's command line turned into a run's configuration (hcwarm/options.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"

/* Parses argv (a NULL-terminated list after the program name) and resolves it into cfg. */
static int resolve(struct config *cfg, char *err, size_t errlen, ...)
{
    char *argv[40];
    int argc = 0;
    argv[argc++] = "hcwarm";
    va_list ap;
    va_start(ap, errlen);
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 39;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    struct hc_opt_program *prog = options_program();
    hc_opt_release(prog);
    memset(options_values(), 0, sizeof(struct options));
    int rc = hc_opt_parse(prog, argc, argv, err, errlen);
    if (rc != HC_OPT_RUN)
        return rc < 0 ? rc : -1;
    return options_resolve(prog, options_values(), cfg, err, errlen);
}

static void a_file_preload_takes_the_defaults(void **state)
{
    (void)state;
    struct config cfg;
    char err[512];
    assert_int_equal(resolve(&cfg, err, sizeof(err), "redis", "--target", "redis://127.0.0.1:6379",
                             "--from-file", "keys.kv", NULL),
                     0);
    assert_int_equal(cfg.command, CMD_REDIS);
    assert_int_equal(cfg.source, SRC_FILE);
    assert_int_equal(cfg.format, INPUT_KV);
    assert_int_equal(cfg.batch, 1000);
    assert_true(cfg.max_rate == 0);
    assert_false(cfg.mem_cap);
    assert_int_equal(cfg.ttl_ns, 0);
    assert_int_equal(cfg.timeout_ns, 10 * HC_NSEC_PER_SEC);
    assert_int_equal(cfg.checkpoint_every, 10);
    options_config_destroy(&cfg);
}

static void caps_and_ttls_parse_through_the_units_module(void **state)
{
    (void)state;
    struct config cfg;
    char err[512];
    assert_int_equal(resolve(&cfg, err, sizeof(err), "--max-rate", "50k/s", "redis", "--target",
                             "redis://h/2", "--from-file", "k", "--format", "jsonl", "--ttl", "10m",
                             "--jitter", "1m", "--max-memory", "80%", NULL),
                     0);
    assert_true(cfg.max_rate == 50000);
    assert_int_equal(cfg.format, INPUT_JSONL);
    assert_int_equal(cfg.ttl_ns, 600 * HC_NSEC_PER_SEC);
    assert_int_equal(cfg.jitter_ns, 60 * HC_NSEC_PER_SEC);
    assert_true(cfg.mem_cap && cfg.mem_fraction > 0.79 && cfg.mem_fraction < 0.81);
    options_config_destroy(&cfg);
    assert_int_equal(resolve(&cfg, err, sizeof(err), "redis", "--target", "redis://h",
                             "--from-file", "k", "--max-memory", "512MiB", NULL),
                     0);
    assert_int_equal(cfg.mem_bytes, 512ull << 20);
    options_config_destroy(&cfg);
}

static void memcached_urls_default_their_port(void **state)
{
    (void)state;
    struct config cfg;
    char err[512];
    assert_int_equal(resolve(&cfg, err, sizeof(err), "memcached", "--target", "memcached://cache1",
                             "--from-store", "sqlite:./hcdata", NULL),
                     0);
    assert_string_equal(cfg.mc_host, "cache1");
    assert_int_equal(cfg.mc_port, 11211);
    assert_int_equal(cfg.source, SRC_STORE);
    assert_string_equal(cfg.store_dir, "./hcdata");
    options_config_destroy(&cfg);
}

static void a_mysql_store_is_a_url_a_shard_with_the_password_from_a_file(void **state)
{
    (void)state;
    struct config cfg;
    char err[512];
    char pw[] = "/tmp/hc-test-options-pw-XXXXXX";
    int fd = mkstemp(pw);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "from-file\nsecond line\n", 22), 22);
    close(fd);
    assert_int_equal(resolve(&cfg, err, sizeof(err), "redis", "--target", "redis://h",
                             "--from-store", "mysql://hc@db0/hc0, mysql://ro:own@[::1]:3307/hc1",
                             "--mysql-password-file", pw, NULL),
                     0);
    unlink(pw);
    assert_int_equal(cfg.source, SRC_STORE);
    assert_int_equal(cfg.store_kind, STORE_MYSQL);
    assert_int_equal(cfg.store_shards, 2);
    assert_string_equal(cfg.store_mysql[0].host, "db0");
    assert_int_equal(cfg.store_mysql[0].port, 3306);
    assert_string_equal(cfg.store_mysql[0].password, "from-file");
    assert_string_equal(cfg.store_mysql[1].host, "::1");
    assert_int_equal(cfg.store_mysql[1].port, 3307);
    assert_string_equal(cfg.store_mysql[1].user, "ro");
    assert_string_equal(cfg.store_mysql[1].password, "own");
    assert_string_equal(cfg.store_mysql[1].db, "hc1");
    options_config_destroy(&cfg);
    assert_null(cfg.store_mysql);
}

static void an_http_ramp_takes_its_defaults_and_goals(void **state)
{
    (void)state;
    struct config cfg;
    char err[512];
    assert_int_equal(resolve(&cfg, err, sizeof(err), "http", "--target", "http://127.0.0.1:8080",
                             "--urls", "hot.txt", "--to", "5k/s", "--p99", "5ms", "--max-errors",
                             "1%", "--curve", "aggression:2", NULL),
                     0);
    assert_int_equal(cfg.command, CMD_HTTP);
    assert_int_equal(cfg.paths, PATHS_URLS);
    assert_string_equal(cfg.paths_file, "hot.txt");
    assert_true(cfg.from_rate == 100 && cfg.to_rate == 5000);
    assert_int_equal(cfg.steps, 5);
    assert_true(cfg.aggression == 2);
    assert_int_equal(cfg.step_hold_ns, 5 * HC_NSEC_PER_SEC);
    assert_int_equal(cfg.deadline_ns, 120 * HC_NSEC_PER_SEC);
    assert_int_equal(cfg.goals.p99_ns, 5 * HC_NSEC_PER_MSEC);
    assert_true(cfg.goals.max_errors == 0.01);
    assert_true(cfg.goals.min_hit_ratio < 0);
    assert_false(cfg.hit_metrics);
    options_config_destroy(&cfg);
    assert_int_equal(resolve(&cfg, err, sizeof(err), "http", "--from-hotkeys",
                             "http://127.0.0.1:8080", "--hit-ratio-from", "metrics", NULL),
                     0);
    assert_string_equal(cfg.target, "http://127.0.0.1:8080");
    assert_int_equal(cfg.paths, PATHS_HOTKEYS);
    assert_true(cfg.hit_metrics);
    options_config_destroy(&cfg);
}

static void mistakes_are_usage_errors_that_say_what_to_do(void **state)
{
    (void)state;
    struct config none;
    char perr[512] = "";
    assert_true(resolve(&none, perr, sizeof(perr), NULL) < 0);
    assert_non_null(strstr(perr, "missing COMMAND"));
    static const struct {
        const char *args[12];
        const char *says;
    } bad[] = {
        {{"flush", NULL}, "unknown command \"flush\""},
        {{"http", NULL}, "give one source of requests"},
        {{"http", "--target", "http://h", "--urls", "u", "--from", "5k/s", "--to", "100/s", NULL},
         "--from (5000/s) is above --to (100/s)"},
        {{"http", "--target", "redis://h", "--urls", "u", NULL}, "expected http[s]://HOST[:PORT]"},
        {{"http", "--target", "http://h", "--urls", "u", "--ttl", "1m", NULL},
         "--ttl is for redis and memcached"},
        {{"http", "--target", "http://h", "--urls", "u", "-c", "1", "-t", "2", NULL},
         "at least --threads"},
        {{"http", "--target", "http://h", "--urls", "u", "--min-hit-ratio", "2", NULL},
         "--min-hit-ratio: \"2\""},
        {{"http", "--target", "http://h", "--urls", "u", "--hit-ratio-from", "x", NULL},
         "expected header, metrics"},
        {{"replay", "--target", "http://h", NULL}, "give the access log"},
        {{"replay", "l", "--target", "http://h", "--steps", "3", NULL}, "--steps is for http"},
        {{"redis", "--target", "redis://h", "--from-file", "k", "--p99", "5ms", NULL},
         "--p99 is for http and replay"},
        {{"run", "p.yaml", "--to", "5k/s", NULL}, "--to belongs in the plan"},
        {{"redis", "--from-file", "k", NULL}, "--target is needed"},
        {{"redis", "--target", "redis://h", NULL}, "give one source"},
        {{"redis", "--target", "redis://h", "--from-file", "k", "--from-store", "sqlite:d", NULL},
         "give one source"},
        {{"redis", "--target", "http://h", "--from-file", "k", NULL}, "--target"},
        {{"memcached", "--target", "redis://h", "--from-file", "k", NULL}, "memcached://"},
        {{"memcached", "--target", "memcached://h", "--from-file", "k", "--max-memory", "1GiB",
          NULL},
         "--max-memory is for redis"},
        {{"redis", "--target", "redis://h", "--from-file", "k", "--format", "resp", "--ttl", "1m",
          NULL},
         "do not apply"},
        {{"redis", "--target", "redis://h", "--from-file", "k", "--jitter", "1m", NULL},
         "give --ttl too"},
        {{"redis", "--target", "redis://h", "--from-file", "k", "--max-memory", "180%", NULL},
         "--max-memory"},
        {{"redis", "--target", "redis://h", "--from-store", "mysql:x", NULL}, "sqlite:DIR"},
        {{"redis", "--target", "redis://h", "--from-store", "mysql://hc@h/a,mysql://hc:pw@h/b-c",
          NULL},
         "shard 1's URL: '-' is not allowed in a database name"},
        {{"redis", "--target", "redis://h", "--from-store", "mysql://hc@h/a,", NULL},
         "shard 1's URL: a MariaDB server is"},
        {{"redis", "--target", "redis://h", "--from-store", "mysql://hc@h/a",
          "--mysql-password-file", "/nonexistent/pw", NULL},
         "/nonexistent/pw: No such file"},
        {{"redis", "--target", "redis://h", "--from-store", "sqlite:d", "--order", "requested",
          NULL},
         "--from-hotkeys URL too"},
        {{"redis", "--target", "redis://h", "--from-file", "-", "--checkpoint", "c", NULL},
         "standard input"},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        char *argv[40];
        int argc = 0;
        argv[argc++] = "hcwarm";
        for (size_t j = 0; bad[i].args[j] != NULL; j++)
            argv[argc++] = (char *)bad[i].args[j];
        argv[argc] = NULL;
        struct hc_opt_program *prog = options_program();
        hc_opt_release(prog);
        memset(options_values(), 0, sizeof(struct options));
        char err[512] = "";
        struct config cfg;
        int rc = hc_opt_parse(prog, argc, argv, err, sizeof(err));
        if (rc != HC_OPT_RUN)
            fail_msg("case %zu: parse: %s", i, err);
        rc = options_resolve(prog, options_values(), &cfg, err, sizeof(err));
        options_config_destroy(&cfg);
        if (rc >= 0 || strstr(err, bad[i].says) == NULL)
            fail_msg("case %zu: rc %d, \"%s\" lacks \"%s\"", i, rc, err, bad[i].says);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_file_preload_takes_the_defaults),
        cmocka_unit_test(caps_and_ttls_parse_through_the_units_module),
        cmocka_unit_test(memcached_urls_default_their_port),
        cmocka_unit_test(a_mysql_store_is_a_url_a_shard_with_the_password_from_a_file),
        cmocka_unit_test(an_http_ramp_takes_its_defaults_and_goals),
        cmocka_unit_test(mistakes_are_usage_errors_that_say_what_to_do),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
