/*
 * tests/hcserver/test_backends.c: the backend factory's URL reader (backend/backends.h): the
 * forms an operator writes are read into host, port, socket path and database, each option
 * takes only its own kinds, malformed URLs are refused with the option and the fault named, and
 * a well-formed URL this build cannot open says so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "backend/backends.h"

#define CACHE_KINDS                                                                                \
    ((1u << BACKEND_NONE) | (1u << BACKEND_REDIS) | (1u << BACKEND_REDIS_UNIX) |                   \
     (1u << BACKEND_MEMCACHED) | (1u << BACKEND_REDIS_CLUSTER))

static void the_forms_an_operator_writes_are_read(void **state)
{
    struct backend_url u;
    char err[256];

    (void)state;
    assert_int_equal(backends_parse_url("--cache", "none", CACHE_KINDS, &u, err, sizeof(err)), 0);
    assert_int_equal(u.kind, BACKEND_NONE);
    assert_int_equal(backends_parse_url("--cache", "redis://cache.internal:6380/2", CACHE_KINDS, &u,
                                        err, sizeof(err)),
                     0);
    assert_int_equal(u.kind, BACKEND_REDIS);
    assert_string_equal(u.host, "cache.internal");
    assert_int_equal(u.port, 6380);
    assert_int_equal(u.db, 2);
    assert_int_equal(
        backends_parse_url("--cache", "redis://10.0.0.7", CACHE_KINDS, &u, err, sizeof(err)), 0);
    assert_string_equal(u.host, "10.0.0.7");
    assert_int_equal(u.port, 6379);
    assert_int_equal(u.db, 0);
    assert_int_equal(backends_parse_url("--cache", "redis+unix:///run/redis/redis.sock?db=3",
                                        CACHE_KINDS, &u, err, sizeof(err)),
                     0);
    assert_int_equal(u.kind, BACKEND_REDIS_UNIX);
    assert_string_equal(u.path, "/run/redis/redis.sock");
    assert_int_equal(u.db, 3);
    assert_int_equal(
        backends_parse_url("--cache", "memcached://[::1]:11212", CACHE_KINDS, &u, err, sizeof(err)),
        0);
    assert_int_equal(u.kind, BACKEND_MEMCACHED);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 11212);
    assert_int_equal(backends_parse_url("--cache", "redis-cluster://10.0.0.5:7000,10.0.0.6:7001",
                                        CACHE_KINDS, &u, err, sizeof(err)),
                     0);
    assert_int_equal(u.kind, BACKEND_REDIS_CLUSTER);
    assert_string_equal(u.host, "10.0.0.5"); /* the first seed */
    assert_int_equal(u.port, 7000);
}

static void malformed_urls_are_refused_with_the_fault_named(void **state)
{
    static const struct {
        const char *url;
        const char *says;
    } cases[] = {
        {"redis://", "a host is needed"},
        {"redis://h:0", "the port must be a number from 1 to 65535"},
        {"redis://h:65536", "the port must be a number from 1 to 65535"},
        {"redis://h:x", "the port must be a number"},
        {"redis://h/db", "the database after '/' must be a number"},
        {"redis://user:pw@h", "credentials in the URL are not supported"},
        {"redis://h?x=1", "no query"},
        {"redis://bad_host!", "'!' is not allowed in a host name"},
        {"redis://[::1", "closing ']'"},
        {"redis+unix://run/redis.sock", "must be absolute"},
        {"redis+unix:///r.sock?x=1", "the only query is ?db=N"},
        {"memcached://h:1/x", "no path or query"},
        {"redis-cluster://h:1,", "an empty seed address"},
        {"redis-cluster://h:1/2", "no path"},
        {"redis-cluster://h:0", "port 0"},
        {"redis-cluster://u:pw@h:1", "credentials in the URL are not supported"},
        {"http://h", "unknown backend"},
        {"", "a backend is needed"},
        {"local", "not a backend of this option"},
    };
    struct backend_url u;
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';
        assert_int_equal(
            backends_parse_url("--cache", cases[i].url, CACHE_KINDS, &u, err, sizeof(err)),
            -EINVAL);
        assert_non_null(strstr(err, "--cache"));
        if (strstr(err, cases[i].says) == NULL)
            fail_msg("%s: \"%s\" does not say \"%s\"", cases[i].url, err, cases[i].says);
    }
}

static void a_backend_not_in_this_build_says_so(void **state)
{
    struct config cfg = {.store = "sqlite", .cache = "redis://127.0.0.1:6379", .queue = "local"};
    struct backends b;
    char err[256];

    (void)state;
    /* The Redis and Memcached L2 are in the build. */
    assert_int_equal(backends_check(&cfg, &b, err, sizeof(err)), 0);
    assert_int_equal(b.cache.kind, BACKEND_REDIS);
    cfg.cache = "memcached://127.0.0.1:11211";
    assert_int_equal(backends_check(&cfg, &b, err, sizeof(err)), 0);
    assert_int_equal(b.cache.kind, BACKEND_MEMCACHED);
    cfg.cache = "none";
    cfg.queue = "redis+unix:///run/redis.sock";
    assert_int_equal(backends_check(&cfg, &b, err, sizeof(err)), 0); /* the Redis queue is */
    assert_int_equal(b.queue.kind, BACKEND_REDIS_UNIX);
    cfg.cache = "redis-cluster://127.0.0.1:7000";
    cfg.queue = "redis-cluster://127.0.0.1:7000,127.0.0.1:7001";
    assert_int_equal(backends_check(&cfg, &b, err, sizeof(err)), 0); /* both take a cluster */
    assert_int_equal(b.cache.kind, BACKEND_REDIS_CLUSTER);
    assert_int_equal(b.queue.kind, BACKEND_REDIS_CLUSTER);
    cfg.cache = "none";
    cfg.queue = "local";
    assert_int_equal(backends_check(&cfg, &b, err, sizeof(err)), 0);
    assert_int_equal(b.store.kind, BACKEND_SQLITE);
    assert_int_equal(b.cache.kind, BACKEND_NONE);
    assert_int_equal(b.queue.kind, BACKEND_LOCAL);
    cfg.store = "mysql://db";
    assert_int_equal(backends_check(&cfg, &b, err, sizeof(err)), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_forms_an_operator_writes_are_read),
        cmocka_unit_test(malformed_urls_are_refused_with_the_fault_named),
        cmocka_unit_test(a_backend_not_in_this_build_says_so),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
