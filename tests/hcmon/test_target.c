/* test_target.c: the targets hcmon accepts and the reasons it refuses others
 * (hcmon/target.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "hc/core.h"
#include "target.h"

static void http_redis_and_mysql_targets_parse(void **state)
{
    (void)state;
    struct target t;
    char err[200];
    assert_int_equal(target_parse("http://127.0.0.1:8080/metrics", &t, err, sizeof(err)), 0);
    assert_int_equal(t.kind, TARGET_HTTP);
    assert_string_equal(t.name, "127.0.0.1:8080");
    target_destroy(&t);
    assert_int_equal(target_parse("http://h:9/stats", &t, err, sizeof(err)), 0);
    assert_string_equal(t.name, "h:9/stats");
    target_destroy(&t);
    assert_int_equal(target_parse("redis://127.0.0.1:6380", &t, err, sizeof(err)), 0);
    assert_int_equal(t.kind, TARGET_REDIS);
    assert_string_equal(t.host, "127.0.0.1");
    assert_int_equal(t.port, 6380);
    assert_string_equal(t.name, "redis://127.0.0.1:6380");
    target_destroy(&t);
    assert_int_equal(target_parse("redis://cache", &t, err, sizeof(err)), 0);
    assert_int_equal(t.port, 6379);
    assert_null(t.user);
    target_destroy(&t);
    assert_int_equal(target_parse("redis://monitor@cache:7000", &t, err, sizeof(err)), 0);
    assert_string_equal(t.user, "monitor");
    assert_int_equal(t.port, 7000);
    target_destroy(&t);
    assert_int_equal(target_parse("mysql://mon@[::1]:3307/", &t, err, sizeof(err)), 0);
    assert_int_equal(t.kind, TARGET_MYSQL);
    assert_string_equal(t.user, "mon");
    assert_string_equal(t.host, "::1");
    assert_int_equal(t.port, 3307);
    assert_string_equal(t.name, "mysql://[::1]:3307");
    target_destroy(&t);
    assert_int_equal(target_parse("mysql://db.local", &t, err, sizeof(err)), 0);
    assert_string_equal(t.user, "root");
    assert_int_equal(t.port, 3306);
    target_destroy(&t);
}

static void a_password_in_a_target_is_refused(void **state)
{
    (void)state;
    struct target t;
    char err[200];
    assert_int_equal(target_parse("redis://default:secret@h", &t, err, sizeof(err)), HC_ESYNTAX);
    assert_non_null(strstr(err, "REDISCLI_AUTH"));
    target_destroy(&t);
    assert_int_equal(target_parse("mysql://root:secret@h:3306", &t, err, sizeof(err)), HC_ESYNTAX);
    assert_non_null(strstr(err, "--password-file"));
    target_destroy(&t);
}

static void malformed_targets_say_why(void **state)
{
    (void)state;
    static const char *const bad[] = {"",
                                      "ftp://h/",
                                      "h:8080",
                                      "redis://",
                                      "redis://h:",
                                      "redis://h:0",
                                      "redis://h:70000",
                                      "redis://u:p@h",
                                      "redis://h/x",
                                      "mysql://@h",
                                      "mysql://[::1",
                                      "http://"};
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        struct target t;
        char err[200] = "";
        if (target_parse(bad[i], &t, err, sizeof(err)) == 0)
            fail_msg("\"%s\" was accepted", bad[i]);
        assert_true(err[0] != '\0');
        target_destroy(&t);
    }
}

static void a_reason_shows_control_bytes_as_question_marks(void **state)
{
    (void)state;
    struct target t;
    char err[200] = "";
    assert_int_equal(target_parse("redis://h:6379\n\033[2Jx", &t, err, sizeof(err)), HC_ESYNTAX);
    assert_string_equal(err, "unexpected \"??[2Jx\" after the host and port");
    target_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(http_redis_and_mysql_targets_parse),
        cmocka_unit_test(a_password_in_a_target_is_refused),
        cmocka_unit_test(malformed_targets_say_why),
        cmocka_unit_test(a_reason_shows_control_bytes_as_question_marks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
