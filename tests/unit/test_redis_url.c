/* test_redis_url.c: redis:// and redis+unix:// addresses (common/redis_url.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "hc/limits.h"
#include "hc/redis.h"
#include "hc/redis_cluster.h"

static void tcp_url_with_port_and_db_parses(void **state)
{
    (void)state;
    struct hc_redis_addr a;
    char err[128];
    assert_int_equal(hc_redis_url_parse("redis://127.0.0.1:6380/15", &a, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    assert_false(a.is_unix);
    assert_string_equal(a.host, "127.0.0.1");
    assert_int_equal(a.port, 6380);
    assert_int_equal(a.db, 15);
    assert_null(a.path);
    assert_null(a.user);
    assert_null(a.password);
    hc_redis_addr_destroy(&a);
    assert_null(a.host);
}

static void tcp_url_defaults_port_6379_and_db_0(void **state)
{
    (void)state;
    struct hc_redis_addr a;
    assert_int_equal(hc_redis_url_parse("REDIS://Cache.Example.COM", &a, NULL, 0), 0);
    assert_string_equal(a.host, "cache.example.com");
    assert_int_equal(a.port, 6379);
    assert_int_equal(a.db, 0);
    hc_redis_addr_destroy(&a);
    assert_int_equal(hc_redis_url_parse("redis://h:1/", &a, NULL, 0), 0);
    assert_int_equal(a.port, 1);
    assert_int_equal(a.db, 0);
    hc_redis_addr_destroy(&a);
}

static void password_and_user_are_percent_decoded(void **state)
{
    (void)state;
    struct hc_redis_addr a;
    assert_int_equal(hc_redis_url_parse("redis://:p%40ss%3Aw%2Fd@10.0.0.1:7000/2", &a, NULL, 0), 0);
    assert_null(a.user);
    assert_string_equal(a.password, "p@ss:w/d");
    assert_string_equal(a.host, "10.0.0.1");
    assert_int_equal(a.db, 2);
    hc_redis_addr_destroy(&a);
    assert_int_equal(hc_redis_url_parse("redis://app:secret@h", &a, NULL, 0), 0);
    assert_string_equal(a.user, "app");
    assert_string_equal(a.password, "secret");
    hc_redis_addr_destroy(&a);
}

static void ipv6_literal_in_brackets_parses(void **state)
{
    (void)state;
    struct hc_redis_addr a;
    assert_int_equal(hc_redis_url_parse("redis://[::1]:6390/3", &a, NULL, 0), 0);
    assert_string_equal(a.host, "::1");
    assert_int_equal(a.port, 6390);
    assert_int_equal(a.db, 3);
    hc_redis_addr_destroy(&a);
    assert_int_equal(hc_redis_url_parse("redis://[FE80::1]", &a, NULL, 0), 0);
    assert_string_equal(a.host, "fe80::1");
    assert_int_equal(a.port, 6379);
    hc_redis_addr_destroy(&a);
}

static void unix_url_with_db_and_password_parses(void **state)
{
    (void)state;
    struct hc_redis_addr a;
    assert_int_equal(hc_redis_url_parse("redis+unix:///run/redis/redis.sock", &a, NULL, 0), 0);
    assert_true(a.is_unix);
    assert_null(a.host);
    assert_string_equal(a.path, "/run/redis/redis.sock");
    assert_int_equal(a.db, 0);
    hc_redis_addr_destroy(&a);
    assert_int_equal(hc_redis_url_parse("Redis+Unix://:pw@/tmp/r%20s.sock?db=7", &a, NULL, 0), 0);
    assert_string_equal(a.path, "/tmp/r s.sock");
    assert_string_equal(a.password, "pw");
    assert_int_equal(a.db, 7);
    hc_redis_addr_destroy(&a);
}

/* One malformed URL: the code it must fail with and a word its reason must contain. */
struct bad_url {
    const char *url;
    int code;
    const char *reason;
};

static const struct bad_url bad_urls[] = {
    {"", HC_ESYNTAX, "no scheme"},
    {"127.0.0.1:6379", HC_ESYNTAX, "no scheme"},
    {"http://127.0.0.1:6379", -EPROTONOSUPPORT, "scheme"},
    {"rediss://127.0.0.1:6379", -EPROTONOSUPPORT, "TLS"},
    {"redis://", HC_ESYNTAX, "no host"},
    {"redis://:6379", HC_ESYNTAX, "no host"},
    {"redis://h:", HC_ESYNTAX, "empty port"},
    {"redis://h:0", HC_ERANGE, "port 0"},
    {"redis://h:65536", HC_ERANGE, "port is over 65535"},
    {"redis://h:63a9", HC_ESYNTAX, "port is not a decimal"},
    {"redis://h:06379", HC_ESYNTAX, "leading zero"},
    {"redis://h/abc", HC_ESYNTAX, "database number is not a decimal"},
    {"redis://h/-1", HC_ESYNTAX, "database number is not a decimal"},
    {"redis://h/2147483648", HC_ERANGE, "database number is over"},
    {"redis://h/01", HC_ESYNTAX, "leading zero"},
    {"redis://h/1/2", HC_ESYNTAX, "only /DB"},
    {"redis://h?db=1", HC_ESYNTAX, "no query"},
    {"redis://h/1#top", HC_ESYNTAX, "fragment"},
    {"redis://user@h", HC_ESYNTAX, "without ':'"},
    {"redis://:@h", HC_ESYNTAX, "empty password"},
    {"redis://a:b@c@h", HC_ESYNTAX, "%40"},
    {"redis://:p%zz@h", HC_ESYNTAX, "escape"},
    {"redis://:p%00@h", HC_ESYNTAX, "%00"},
    {"redis://h h", HC_ESYNTAX, "0x20"},
    {"redis://ho$t", HC_ESYNTAX, "host"},
    {"redis://a..b", HC_ESYNTAX, "empty label"},
    {"redis://[::1", HC_ESYNTAX, "IPv6"},
    {"redis://[zz::]:1", HC_ESYNTAX, "not an IPv6"},
    {"redis://[::1]x", HC_ESYNTAX, "']'"},
    {"redis+unix://", HC_ESYNTAX, "socket path"},
    {"redis+unix:///", HC_ESYNTAX, "socket path"},
    {"redis+unix://host/tmp/r.sock", HC_ESYNTAX, "no host"},
    {"redis+unix:///tmp/r.sock?", HC_ESYNTAX, "empty query"},
    {"redis+unix:///tmp/r.sock?db=", HC_ESYNTAX, "empty database"},
    {"redis+unix:///tmp/r.sock?db=1&db=2", HC_ESYNTAX, "twice"},
    {"redis+unix:///tmp/r.sock?timeout=1", HC_EUNKNOWN, "unknown query"},
    {"redis+unix:///tmp/r.sock?db", HC_ESYNTAX, "without '='"},
};

static void malformed_urls_fail_with_a_reason(void **state)
{
    (void)state;
    for (size_t i = 0; i < HC_ARRAY_LEN(bad_urls); i++) {
        struct hc_redis_addr a;
        char err[160];
        int rc = hc_redis_url_parse(bad_urls[i].url, &a, err, sizeof(err));
        if (rc != bad_urls[i].code || strstr(err, bad_urls[i].reason) == NULL)
            fail_msg("%s: got %d (%s), want %d with \"%s\"", bad_urls[i].url, rc, err,
                     bad_urls[i].code, bad_urls[i].reason);
        assert_null(a.host);
        assert_null(a.path);
        assert_null(a.password);
        assert_false(a.is_unix);
    }
}

static void reasons_never_quote_the_password(void **state)
{
    (void)state;
    struct hc_redis_addr a;
    char err[160];
    assert_int_equal(hc_redis_url_parse("redis://:hunter2@h:99999", &a, err, sizeof(err)),
                     HC_ERANGE);
    assert_null(strstr(err, "hunter2"));
    assert_non_null(strstr(err, "at byte 19"));
}

static void oversized_url_and_socket_path_are_too_large(void **state)
{
    (void)state;
    static char big[HC_REDIS_MAX_URL_BYTES + 16];
    memset(big, 'a', sizeof(big) - 1);
    memcpy(big, "redis://", 8);
    struct hc_redis_addr a;
    char err[160];
    assert_int_equal(hc_redis_url_parse(big, &a, err, sizeof(err)), HC_ETOOLARGE);
    char path[300];
    int n = snprintf(path, sizeof(path), "redis+unix:///");
    memset(path + n, 'p', 200);
    path[n + 200] = '\0';
    assert_int_equal(hc_redis_url_parse(path, &a, err, sizeof(err)), HC_ETOOLARGE);
    assert_non_null(strstr(err, "socket path"));
    char host[400];
    n = snprintf(host, sizeof(host), "redis://");
    memset(host + n, 'h', 300);
    host[n + 300] = '\0';
    assert_int_equal(hc_redis_url_parse(host, &a, err, sizeof(err)), HC_ETOOLARGE);
}

static void null_arguments_are_invalid(void **state)
{
    (void)state;
    struct hc_redis_addr a;
    assert_int_equal(hc_redis_url_parse(NULL, &a, NULL, 0), -EINVAL);
    assert_int_equal(hc_redis_url_parse("redis://h", NULL, NULL, 0), -EINVAL);
    hc_redis_addr_destroy(NULL);
}

static void cluster_url_lists_its_seeds_in_order(void **state)
{
    (void)state;
    struct hc_redis_cluster_addr a;
    char err[128];
    assert_true(hc_redis_url_is_cluster("Redis-Cluster://h"));
    assert_false(hc_redis_url_is_cluster("redis://h"));
    assert_int_equal(hc_redis_cluster_url_parse("redis-cluster://127.0.0.1:7000,Node-B:7001,[::1]",
                                                &a, err, sizeof(err)),
                     0);
    assert_string_equal(err, "");
    assert_int_equal(a.nseeds, 3);
    assert_string_equal(a.seeds[0].host, "127.0.0.1");
    assert_int_equal(a.seeds[0].port, 7000);
    assert_string_equal(a.seeds[1].host, "node-b");
    assert_int_equal(a.seeds[1].port, 7001);
    assert_string_equal(a.seeds[2].host, "::1");
    assert_int_equal(a.seeds[2].port, 6379);
    assert_null(a.password);
    hc_redis_cluster_addr_destroy(&a);
    assert_int_equal(a.nseeds, 0);
    assert_int_equal(hc_redis_cluster_url_parse("redis-cluster://h:1/", &a, NULL, 0), 0);
    assert_int_equal(a.nseeds, 1);
    hc_redis_cluster_addr_destroy(&a);
    hc_redis_cluster_addr_destroy(NULL);
}

static void cluster_url_credentials_reach_every_node_url(void **state)
{
    (void)state;
    struct hc_redis_cluster_addr a;
    char url[256];
    assert_int_equal(
        hc_redis_cluster_url_parse("redis-cluster://app:p%40ss%3Aw@h1:7000,h2:7001", &a, NULL, 0),
        0);
    assert_string_equal(a.user, "app");
    assert_string_equal(a.password, "p@ss:w");
    assert_int_equal(hc_redis_node_url(&a, &a.seeds[1], url, sizeof(url)), 0);
    assert_string_equal(url, "redis://app:p%40ss%3Aw@h2:7001");
    /* The node URL parses back to the same node and credentials. */
    struct hc_redis_addr back;
    assert_int_equal(hc_redis_url_parse(url, &back, NULL, 0), 0);
    assert_string_equal(back.host, "h2");
    assert_int_equal(back.port, 7001);
    assert_string_equal(back.password, "p@ss:w");
    hc_redis_addr_destroy(&back);
    struct hc_redis_node_addr v6 = {.host = "::1", .port = 7002};
    assert_int_equal(hc_redis_node_url(&a, &v6, url, sizeof(url)), 0);
    assert_string_equal(url, "redis://app:p%40ss%3Aw@[::1]:7002");
    assert_int_equal(hc_redis_node_url(&a, &v6, url, 20), HC_ETOOLARGE);
    hc_redis_cluster_addr_destroy(&a);
    assert_null(a.password);
}

static void malformed_cluster_urls_fail_with_a_reason(void **state)
{
    (void)state;
    static const struct {
        const char *url;
        int code;
    } cases[] = {
        {"redis://h:1", -EPROTONOSUPPORT},
        {"redis-cluster://", HC_ESYNTAX},
        {"redis-cluster://h:1,", HC_ESYNTAX},
        {"redis-cluster://,h:1", HC_ESYNTAX},
        {"redis-cluster://h:1,,h:2", HC_ESYNTAX},
        {"redis-cluster://h:1/0", HC_ESYNTAX},
        {"redis-cluster://h:1?db=1", HC_ESYNTAX},
        {"redis-cluster://h:1#x", HC_ESYNTAX},
        {"redis-cluster://h:0", HC_ERANGE},
        {"redis-cluster://h:70000", HC_ERANGE},
        {"redis-cluster://h x:1", HC_ESYNTAX},
        {"redis-cluster://nopass@h:1", HC_ESYNTAX},
        {"redis-cluster://a:b@c@h:1", HC_ESYNTAX},
        {"redis-cluster://1:1,2:2,3:3,4:4,5:5,6:6,7:7,8:8,9:9,10:10,11:11,12:12,13:13,14:14,"
         "15:15,16:16,17:17",
         HC_ETOOLARGE},
    };
    struct hc_redis_cluster_addr a;
    char err[160];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = hc_redis_cluster_url_parse(cases[i].url, &a, err, sizeof(err));
        if (rc != cases[i].code)
            fail_msg("%s: %d, expected %d (%s)", cases[i].url, rc, cases[i].code, err);
        assert_true(err[0] != '\0');
        assert_int_equal(a.nseeds, 0);
        assert_null(a.password);
    }
    assert_int_equal(hc_redis_cluster_url_parse(NULL, &a, NULL, 0), -EINVAL);
    /* A reason never quotes the password. */
    assert_int_equal(
        hc_redis_cluster_url_parse("redis-cluster://:sekrit@h:0", &a, err, sizeof(err)), HC_ERANGE);
    assert_null(strstr(err, "sekrit"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tcp_url_with_port_and_db_parses),
        cmocka_unit_test(tcp_url_defaults_port_6379_and_db_0),
        cmocka_unit_test(password_and_user_are_percent_decoded),
        cmocka_unit_test(ipv6_literal_in_brackets_parses),
        cmocka_unit_test(unix_url_with_db_and_password_parses),
        cmocka_unit_test(malformed_urls_fail_with_a_reason),
        cmocka_unit_test(reasons_never_quote_the_password),
        cmocka_unit_test(oversized_url_and_socket_path_are_too_large),
        cmocka_unit_test(null_arguments_are_invalid),
        cmocka_unit_test(cluster_url_lists_its_seeds_in_order),
        cmocka_unit_test(cluster_url_credentials_reach_every_node_url),
        cmocka_unit_test(malformed_cluster_urls_fail_with_a_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
