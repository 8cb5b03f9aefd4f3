/* test_script.c: `hcwarm run`'s plans (hcwarm/script.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hc/core.h"
#include "options.h"
#include "script.h"

static struct config base;

static int parse(const char *text, struct script **s, char *err, size_t errlen)
{
    memset(&base, 0, sizeof(base));
    base.timeout_ns = 10 * HC_NSEC_PER_SEC;
    return script_parse("warm.yaml", text, strlen(text), "/plans", &base, s, err, errlen);
}

static void a_plan_reads_as_its_command_lines(void **state)
{
    (void)state;
    const char *text = "target: http://127.0.0.1:8080\n"
                       "steps:\n"
                       "  - name: preload\n"
                       "    redis:\n"
                       "      target: redis://127.0.0.1:6379\n"
                       "      from-store: sqlite:/data\n"
                       "      limit: 5000\n"
                       "  - name: ramp\n"
                       "    http: {urls: hot.txt, from: 100/s, to: 5k/s, step-hold: 5s,\n"
                       "           p99: 5ms, max-errors: 1%, min-hit-ratio: 0.95,\n"
                       "           curve: 'aggression:2', deadline: 2m}\n"
                       "  - replay: {log: /logs/access.log, speed: 10}\n"
                       "  - ready:\n";
    struct script *s = NULL;
    char err[600];
    int rc = parse(text, &s, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    assert_int_equal(s->nsteps, 4);
    assert_string_equal(s->steps[0].name, "preload");
    assert_int_equal(s->steps[0].kind, STEP_REDIS);
    assert_int_equal(s->steps[0].cfg.command, CMD_REDIS);
    assert_int_equal(s->steps[0].cfg.limit, 5000);
    assert_string_equal(s->steps[0].cfg.store_dir, "/data");
    const struct config *h = &s->steps[1].cfg;
    assert_int_equal(h->command, CMD_HTTP);
    assert_string_equal(h->target, "http://127.0.0.1:8080");
    assert_string_equal(h->paths_file, "/plans/hot.txt");
    assert_true(h->from_rate == 100 && h->to_rate == 5000);
    assert_true(h->aggression == 2);
    assert_int_equal(h->goals.p99_ns, 5 * HC_NSEC_PER_MSEC);
    assert_true(h->goals.max_errors == 0.01);
    assert_true(h->goals.min_hit_ratio == 0.95);
    assert_int_equal(h->deadline_ns, 120 * HC_NSEC_PER_SEC);
    assert_string_equal(h->step_name, "ramp");
    assert_string_equal(s->steps[2].name, "replay#3");
    assert_string_equal(s->steps[2].cfg.paths_file, "/logs/access.log");
    assert_true(s->steps[2].cfg.speed == 10);
    /* A replay step keeps its goals off unless it names some. */
    assert_int_equal(s->steps[2].cfg.goals.p99_ns, 0);
    assert_string_equal(s->steps[3].ready_url, "http://127.0.0.1:8080/readyz");
    assert_int_equal(s->steps[3].ready_timeout_ns, 30 * HC_NSEC_PER_SEC);
    script_free(s);
}

static void malformed_plans_name_the_place_and_what_was_expected(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *want;
    } bad[] = {
        {"", "the plan is empty"},
        {"steps: [\n", "warm.yaml:2:1: YAML:"},
        {"stepz: []\n", "warm.yaml:1:1: plan: unknown key \"stepz\" (did you mean \"steps\"?)"},
        {"steps: []\n", "steps: expected at least one step"},
        {"steps: {a: 1}\n", "steps: expected a list, got a mapping"},
        {"steps:\n  - name: x\n", "warm.yaml:2:5: steps[0]: expected one of redis"},
        {"steps:\n  - http: {}\n    ready: {}\n", "expected one of"},
        {"steps:\n  - htpp: {}\n", "warm.yaml:2:5: steps[0]: unknown key \"htpp\" (did you mean "
                                   "\"http\"?)"},
        {"steps:\n  - http:\n      urls: a\n      target: http://h:1\n      p999: 5ms\n",
         "warm.yaml:5:7: steps[0].http: unknown key \"p999\" (did you mean \"p99\"?)"},
        {"steps:\n  - http:\n      urls: a\n      target: http://h:1\n      p99: fast\n",
         "warm.yaml:5:7: steps[0].http: --p99: \"fast\": expected a duration"},
        {"steps:\n  - http:\n      urls: a\n      target: http://h:1\n      ttl: 5m\n",
         "warm.yaml:5:7: steps[0].http: http: --ttl is for redis and memcached"},
        {"steps:\n  - http:\n      urls: a\n", "--target http[s]://HOST:PORT is needed"},
        {"steps:\n  - replay: {speed: 2, target: http://h:1}\n", "give the access log as log"},
        {"steps:\n  - redis: {target: redis://h:1, from-file: a, batch: lots}\n",
         "steps[0].redis.batch"},
        {"steps:\n  - redis: {target: redis://h:1, from-file: [a]}\n", "expected a value, got a "
                                                                       "list"},
        {"steps:\n  - ready: {timeout: soon, url: http://h:1/r}\n", "ready.timeout: expected a "
                                                                    "duration"},
        {"steps:\n  - ready:\n", "give url, or a target"},
        {"steps:\n  - http: {urls: a, target: http://h:1, urls: b}\n", "given twice"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct script *s = NULL;
        char err[600];
        int rc = parse(bad[i].text, &s, err, sizeof(err));
        if (rc == 0)
            fail_msg("plan %zu parsed", i);
        assert_null(s);
        if (strstr(err, bad[i].want) == NULL)
            fail_msg("plan %zu: \"%s\" does not say \"%s\"", i, err, bad[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_plan_reads_as_its_command_lines),
        cmocka_unit_test(malformed_plans_name_the_place_and_what_was_expected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
