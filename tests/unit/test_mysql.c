/*
 * test_mysql.c: connections to MariaDB servers (common/mysql.c). A server that takes the
 * connection is the integration tests' part (hcserver_store_mysql, hcwarm_store_mysql start a
 * real mariadbd); here, what the caller sees when there is none: NULL, promptly, and a message
 * that names the server and never its password.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "hc/core.h"
#include "hc/mysql.h"

static void a_refused_connect_names_the_server_and_not_the_password(void **state)
{
    HC_UNUSED(state);
    /* A port bound but not listening refuses connects, and nothing else can take it. */
    int hold = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(hold >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(hold, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t alen = sizeof(a);
    assert_int_equal(getsockname(hold, (struct sockaddr *)&a, &alen), 0);

    struct hc_mysql_url u;
    char url[128], why[200], err[600], want[128];
    snprintf(url, sizeof(url), "mysql://hc:t0p-s3cret@127.0.0.1:%u/hc0", ntohs(a.sin_port));
    assert_int_equal(hc_mysql_url_parse(url, NULL, &u, why, sizeof(why)), 0);
    int64_t t0 = hc_now_ns();
    assert_null(hc_mysql_connect(&u, u.db, 2 * HC_NSEC_PER_SEC, err, sizeof(err)));
    assert_true(hc_now_ns() - t0 < 2 * HC_NSEC_PER_SEC);
    snprintf(want, sizeof(want), "mysql://hc@127.0.0.1:%u/hc0: ", ntohs(a.sin_port));
    if (strncmp(err, want, strlen(want)) != 0 || strstr(err, "Can't connect") == NULL)
        fail_msg("\"%s\"", err);
    assert_null(strstr(err, "t0p-s3cret"));
    close(hold);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_refused_connect_names_the_server_and_not_the_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
