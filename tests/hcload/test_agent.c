/* test_agent.c: --agent I/N and --start-at parsing, and each agent's share (hcload/agent.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "agent.h"

static void iso_and_unix_times_are_the_same_instant(void **state)
{
    (void)state;
    int64_t ns = 0;
    assert_int_equal(agent_parse_time("2026-12-01T10:00:00Z", &ns), 0);
    assert_true(ns == INT64_C(1796119200) * HC_NSEC_PER_SEC);
    assert_int_equal(agent_parse_time("1796119200", &ns), 0);
    assert_true(ns == INT64_C(1796119200) * HC_NSEC_PER_SEC);
    assert_int_equal(agent_parse_time("1796119200.25", &ns), 0);
    assert_true(ns == INT64_C(1796119200) * HC_NSEC_PER_SEC + 250000000);
    assert_int_equal(agent_parse_time("2024-02-29T23:59:59.5Z", &ns), 0);
    assert_true(ns == INT64_C(1709251199) * HC_NSEC_PER_SEC + 500000000);
    assert_int_equal(agent_parse_time("1970-01-01T00:00:00+00:00", &ns), 0);
    assert_true(ns == 0);
}

static void malformed_times_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "tomorrow",
        "2026-12-01",
        "2026-12-01T10:00:00",
        "2026-12-01 10:00:00Z",
        "2026-13-01T10:00:00Z",
        "2026-12-32T10:00:00Z",
        "2026-12-01T24:00:00Z",
        "2026-12-01T10:00:00+02:00",
        "1796119200.",
        "-5",
        "12e3",
        "2026-12-01T10:00:00Zjunk",
        "1960-01-01T00:00:00Z",
        "155730938400",
        "9999-12-31T23:59:59Z",
        "6904-12-01T10:00:00Z",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t ns = 42;
        if (agent_parse_time(bad[i], &ns) != HC_ESYNTAX)
            fail_msg("\"%s\" parsed", bad[i]);
    }
}

static void agent_index_and_count_are_checked(void **state)
{
    (void)state;
    unsigned i = 9, n = 9;
    assert_int_equal(agent_parse("0/1", &i, &n), 0);
    assert_int_equal(i, 0);
    assert_int_equal(n, 1);
    assert_int_equal(agent_parse("2/3", &i, &n), 0);
    assert_int_equal(i, 2);
    assert_int_equal(n, 3);
    assert_int_equal(agent_parse("3/3", &i, &n), HC_ERANGE);
    assert_int_equal(agent_parse("0/0", &i, &n), HC_ERANGE);
    assert_int_equal(agent_parse("0/5000", &i, &n), HC_ERANGE);
    assert_int_equal(agent_parse("1", &i, &n), HC_ESYNTAX);
    assert_int_equal(agent_parse("-1/3", &i, &n), HC_ESYNTAX);
    assert_int_equal(agent_parse("1/3x", &i, &n), HC_ESYNTAX);
    assert_int_equal(agent_parse("/3", &i, &n), HC_ESYNTAX);
}

/* resolve N I: agent I of N's share of -n requests and -R rate. */
static void share(unsigned index, unsigned count, uint64_t requests, double rate,
                  struct config *cfg, int *rc)
{
    struct options o;
    memset(&o, 0, sizeof(o));
    char agent[32];
    snprintf(agent, sizeof(agent), "%u/%u", index, count);
    o.agent = agent;
    memset(cfg, 0, sizeof(*cfg));
    cfg->requests = requests;
    cfg->rate = rate;
    cfg->model = rate > 0 ? HC_CLIENT_OPEN : HC_CLIENT_CLOSED;
    char err[256];
    *rc = agent_resolve(&o, cfg, err, sizeof(err));
}

static void the_shares_of_n_add_up_and_the_rate_divides(void **state)
{
    (void)state;
    struct config cfg;
    int rc;
    uint64_t sum = 0;
    for (unsigned i = 0; i < 7; i++) {
        share(i, 7, 100, 700, &cfg, &rc);
        assert_int_equal(rc, 0);
        assert_true(cfg.requests == (i < 2 ? 15u : 14u));
        assert_true(cfg.rate == 100.0);
        assert_int_equal(cfg.agent_index, i);
        assert_int_equal(cfg.agent_count, 7);
        sum += cfg.requests;
    }
    assert_true(sum == 100);
    share(2, 3, 2, 0, &cfg, &rc);
    assert_int_equal(rc, HC_ERANGE); /* -n 2 leaves agent 2 of 3 nothing */
    share(0, 3, 0, 0, &cfg, &rc);    /* no -n: no bound for any agent */
    assert_int_equal(rc, 0);
    assert_true(cfg.requests == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(iso_and_unix_times_are_the_same_instant),
        cmocka_unit_test(malformed_times_are_refused),
        cmocka_unit_test(agent_index_and_count_are_checked),
        cmocka_unit_test(the_shares_of_n_add_up_and_the_rate_divides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
