/* test_url_server.c: the data servers' addresses (common/url_server.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hc/core.h"
#include "hc/url.h"

static int authority(const char *s, char *host, size_t cap, uint16_t *port, char *why)
{
    return hc_url_authority(s, s + strlen(s), 6379, host, cap, port, why, 200);
}

static void authority_reads_names_addresses_and_ports(void **state)
{
    HC_UNUSED(state);
    char host[64], why[200];
    uint16_t port = 0;

    assert_int_equal(authority("cache-1.example_a", host, sizeof(host), &port, why), 0);
    assert_string_equal(host, "cache-1.example_a");
    assert_int_equal(port, 6379);
    assert_int_equal(authority("127.0.0.1:7000", host, sizeof(host), &port, why), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 7000);
    assert_int_equal(authority("[::1]:65535", host, sizeof(host), &port, why), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 65535);
    assert_int_equal(authority("[fe80::1]", host, sizeof(host), &port, why), 0);
    assert_string_equal(host, "fe80::1");
    assert_int_equal(port, 6379);

    static const struct {
        const char *s, *why;
    } bad[] = {
        {"", "a host is needed"},        {"u@h", "credentials"},
        {"[::1", "closing ']'"},         {"[::g]", "'g' is not part of an IPv6 address"},
        {"[::1]x", "only \":PORT\""},    {"h st", "' ' is not allowed in a host name"},
        {":80", "the host is empty"},    {"h:0", "the port must be"},
        {"h:65536", "the port must be"}, {"h:", "the port must be"},
        {"h:8x", "the port must be"},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        why[0] = '\0';
        assert_int_equal(authority(bad[i].s, host, sizeof(host), &port, why), -EINVAL);
        if (strstr(why, bad[i].why) == NULL)
            fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i].s, why, bad[i].why);
    }
    /* A host that does not fit is refused, not cut. */
    assert_int_equal(authority("abcdefgh", host, 8, &port, why), -EINVAL);
    assert_non_null(strstr(why, "longer than 7 bytes"));
    assert_int_equal(authority("abcdefg", host, 8, &port, why), 0);
    assert_string_equal(host, "abcdefg");
}

static void decimals_are_bounded_digits(void **state)
{
    HC_UNUSED(state);
    const char *s = "0 65535 65536 12a 12345678901";
    unsigned long v = 7;
    assert_true(hc_url_decimal(s, s + 1, 10, &v));
    assert_int_equal(v, 0);
    assert_true(hc_url_decimal(s + 2, s + 7, 65535, &v));
    assert_int_equal(v, 65535);
    assert_false(hc_url_decimal(s + 8, s + 13, 65535, &v)); /* over max */
    assert_false(hc_url_decimal(s + 14, s + 17, 1000, &v)); /* not a digit */
    assert_false(hc_url_decimal(s + 18, s + 29, ~0ul, &v)); /* 11 digits */
    assert_false(hc_url_decimal(s, s, 10, &v));             /* none */
    assert_int_equal(v, 65535);                             /* unchanged by a refusal */
}

static void mysql_url_names_user_password_host_port_and_database(void **state)
{
    HC_UNUSED(state);
    struct hc_mysql_url u;
    char why[200];

    assert_int_equal(
        hc_mysql_url_parse("mysql://hc:s@c:ret@db1:3307/hc_0", "unused", &u, why, sizeof(why)), 0);
    assert_string_equal(u.user, "hc");
    assert_string_equal(u.password, "s@c:ret"); /* the host follows the last '@' */
    assert_string_equal(u.host, "db1");
    assert_int_equal(u.port, 3307);
    assert_string_equal(u.db, "hc_0");

    assert_int_equal(hc_mysql_url_parse("mysql://hc@[::1]/h$c", "from-file", &u, why, sizeof(why)),
                     0);
    assert_string_equal(u.password, "from-file");
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 3306);
    assert_string_equal(u.db, "h$c");
    assert_int_equal(hc_mysql_url_parse("mysql://hc@h/db", NULL, &u, why, sizeof(why)), 0);
    assert_string_equal(u.password, "");

    static const struct {
        const char *s, *why;
    } bad[] = {
        {"mysqlx://hc@h/db", "mysql://USER@HOST"},
        {"mysql://h/db", "a user is needed"},
        {"mysql://@h/db", "a user is needed"},
        {"mysql://hc@h", "the database is needed"},
        {"mysql://hc@h/", "the database is needed"},
        {"mysql://hc@h/d-b", "'-' is not allowed in a database name"},
        {"mysql://hc@h/d`b", "'`' is not allowed in a database name"},
        {"mysql://hc@h/d b", "' ' is not allowed in a database name"},
        {"mysql://hc@h:0/db", "the port must be"},
        {"mysql://hc@/db", "a host is needed"},
        {"mysql://hc@h/a1234567890123456789012345678901234567890123456789012345678901234",
         "longer than 64 bytes"},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        why[0] = '\0';
        assert_int_equal(hc_mysql_url_parse(bad[i].s, NULL, &u, why, sizeof(why)), -EINVAL);
        if (strstr(why, bad[i].why) == NULL)
            fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i].s, why, bad[i].why);
    }
    assert_int_equal(hc_mysql_url_parse(NULL, NULL, &u, NULL, 0), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decimals_are_bounded_digits),
        cmocka_unit_test(authority_reads_names_addresses_and_ports),
        cmocka_unit_test(mysql_url_names_user_password_host_port_and_database),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
