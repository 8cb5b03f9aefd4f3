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
#include <stdlib.h>
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

static void mysql_urls_name_user_password_host_port_and_database(void **state)
{
    struct hc_mysql_url n;
    char err[256];

    (void)state;
    assert_int_equal(backends_parse_mysql("--shard-primary", "mysql://hc:s@c:ret@db1:3307/hc_0",
                                          "fromfile", &n, err, sizeof(err)),
                     0);
    assert_string_equal(n.user, "hc");
    assert_string_equal(n.password, "s@c:ret"); /* the host follows the last '@' */
    assert_string_equal(n.host, "db1");
    assert_int_equal(n.port, 3307);
    assert_string_equal(n.db, "hc_0");
    assert_int_equal(backends_parse_mysql("--shard-primary", "mysql://hc@[::1]/hc", "fromfile", &n,
                                          err, sizeof(err)),
                     0);
    assert_string_equal(n.password, "fromfile");
    assert_string_equal(n.host, "::1");
    assert_int_equal(n.port, 3306);
    static const struct {
        const char *url, *why;
    } bad[] = {
        {"mysqlx://hc@h/db", "mysql://USER@HOST"},
        {"mysql://h/db", "a user is needed"},
        {"mysql://hc@h", "the database is needed"},
        {"mysql://hc@h/", "the database is needed"},
        {"mysql://hc@h/d-b", "'-' is not allowed in a database name"},
        {"mysql://hc@h/d`b", "'`' is not allowed in a database name"},
        {"mysql://hc@h:0/db", "the port must be"},
        {"mysql://hc@h:x/db", "the port must be"},
        {"mysql://hc@/db", "a host is needed"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(
            backends_parse_mysql("--shard-primary", bad[i].url, NULL, &n, err, sizeof(err)),
            -EINVAL);
        if (strstr(err, bad[i].why) == NULL)
            fail_msg("%s: \"%s\" does not say \"%s\"", bad[i].url, err, bad[i].why);
    }
}

static void mysql_shards_come_from_indexed_settings(void **state)
{
    const char *prim[] = {"1=mysql://hc@b/hc1", "0=mysql://hc:pw@a/hc0"};
    const char *reps[] = {"1=mysql://hc@b2/hc1, mysql://hc@b3:3308/hc1"};
    struct config cfg = {.store = "mysql", .cache = "none", .queue = "local"};
    struct store_mysql_shard *sh;
    struct backends b;
    unsigned n;
    char err[256];

    (void)state;
    assert_int_equal(backends_check(&cfg, &b, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "no shard"));
    cfg.shard_primary = (struct hc_opt_list){prim, 2};
    cfg.shard_replicas = (struct hc_opt_list){reps, 1};
    setenv("HCSERVER_MYSQL_PASSWORD", "envpw", 1);
    assert_int_equal(backends_check(&cfg, &b, err, sizeof(err)), 0);
    assert_int_equal(b.store.kind, BACKEND_MYSQL);
    assert_int_equal(backends_mysql_shards(&cfg, &sh, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 2);
    assert_string_equal(sh[0].primary.host, "a");
    assert_string_equal(sh[0].primary.password, "pw");
    assert_int_equal(sh[0].nreplicas, 0);
    assert_string_equal(sh[1].primary.password, "envpw");
    assert_int_equal(sh[1].nreplicas, 2);
    assert_string_equal(sh[1].replicas[1].host, "b3");
    assert_int_equal(sh[1].replicas[1].port, 3308);
    free(sh);
    /* A gap in the shard numbers, two primaries, a replica of no shard, a bad index. */
    prim[1] = "2=mysql://hc@a/hc0";
    assert_int_equal(backends_check(&cfg, &b, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "shard 0 has no primary"));
    prim[1] = "1=mysql://hc@a/hc0";
    assert_int_equal(backends_check(&cfg, &b, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "two primaries"));
    prim[1] = "0=mysql://hc@a/hc0";
    reps[0] = "5=mysql://hc@b2/hc1";
    assert_int_equal(backends_check(&cfg, &b, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "shard 5 has no primary"));
    prim[1] = "x=mysql://hc@a/hc0";
    assert_int_equal(backends_check(&cfg, &b, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "expected N=URL"));
    unsetenv("HCSERVER_MYSQL_PASSWORD");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_forms_an_operator_writes_are_read),
        cmocka_unit_test(malformed_urls_are_refused_with_the_fault_named),
        cmocka_unit_test(a_backend_not_in_this_build_says_so),
        cmocka_unit_test(mysql_urls_name_user_password_host_port_and_database),
        cmocka_unit_test(mysql_shards_come_from_indexed_settings),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
