/* test_net.c: the non-blocking TCP helpers of common/net.c, over real loopback sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hc/net.h"

/* Waits up to 5 s for events on fd; the revents seen (0 on timeout). */
static short wait_for(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    if (poll(&p, 1, 5000) != 1)
        return 0;
    return p.revents;
}

static void listen_on(const char *host, unsigned flags, int *fd, int *port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    assert_int_equal(hc_net_resolve(host, 0, AF_UNSPEC, &ss, &len), 0);
    assert_int_equal(hc_net_listen(&ss, 0, flags, fd), 0);
    *port = hc_net_bound_port(*fd);
    assert_true(*port > 0 && *port < 65536);
}

/* Connects to host:port, accepts it, and passes bytes both ways. */
static void exchange_over(const char *host, int lfd, int port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    assert_int_equal(hc_net_resolve(host, (uint16_t)port, AF_UNSPEC, &ss, &len), 0);
    int c;
    assert_int_equal(hc_net_connect(&ss, &c), 0);
    assert_true(fcntl(c, F_GETFL) & O_NONBLOCK);
    assert_true(fcntl(c, F_GETFD) & FD_CLOEXEC);
    assert_true(wait_for(c, POLLOUT) & POLLOUT);
    assert_int_equal(hc_net_connect_result(c), 0);

    assert_true(wait_for(lfd, POLLIN) & POLLIN);
    int s;
    struct sockaddr_storage peer;
    assert_int_equal(hc_net_accept(lfd, &s, &peer), 0);
    assert_int_equal(peer.ss_family, ss.ss_family);
    assert_true(fcntl(s, F_GETFL) & O_NONBLOCK);
    assert_true(fcntl(s, F_GETFD) & FD_CLOEXEC);
    assert_int_equal(hc_net_set_nodelay(s, true), 0);

    char buf[16];
    assert_int_equal(write(c, "ping", 4), 4);
    assert_true(wait_for(s, POLLIN) & POLLIN);
    assert_int_equal(read(s, buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(write(s, "pong!", 5), 5);
    assert_true(wait_for(c, POLLIN) & POLLIN);
    assert_int_equal(read(c, buf, sizeof(buf)), 5);
    assert_memory_equal(buf, "pong!", 5);
    close(c);
    close(s);
}

static void ipv4_loopback_on_port_zero_connects_accepts_and_exchanges_bytes(void **state)
{
    (void)state;
    int lfd;
    int port;
    listen_on("127.0.0.1", 0, &lfd, &port);
    exchange_over("127.0.0.1", lfd, port);
    close(lfd);
}

static void ipv6_loopback_on_port_zero_connects_accepts_and_exchanges_bytes(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    socklen_t len;
    assert_int_equal(hc_net_resolve("::1", 0, AF_INET6, &ss, &len), 0);
    int lfd;
    int rc = hc_net_listen(&ss, 0, HC_NET_V6ONLY, &lfd);
    if (rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT)
        skip(); /* this host has no ::1 */
    assert_int_equal(rc, 0);
    int port = hc_net_bound_port(lfd);
    assert_true(port > 0);
    exchange_over("[::1]", lfd, port);
    close(lfd);
}

static void accept_with_nothing_waiting_says_eagain(void **state)
{
    (void)state;
    int lfd;
    int port;
    listen_on("127.0.0.1", 0, &lfd, &port);
    int fd = 123;
    assert_int_equal(hc_net_accept(lfd, &fd, NULL), -EAGAIN);
    assert_int_equal(fd, -1);
    close(lfd);
}

static void reuseport_lets_two_listeners_share_a_port(void **state)
{
    (void)state;
    int a;
    int port;
    listen_on("127.0.0.1", HC_NET_REUSEPORT, &a, &port);
    struct sockaddr_storage ss;
    socklen_t len;
    assert_int_equal(hc_net_resolve("127.0.0.1", (uint16_t)port, AF_INET, &ss, &len), 0);
    int b;
    assert_int_equal(hc_net_listen(&ss, 16, HC_NET_REUSEPORT, &b), 0);
    assert_int_equal(hc_net_bound_port(b), port);
    /* Without the option on the newcomer, the port is taken. */
    int c = 99;
    assert_int_equal(hc_net_listen(&ss, 16, 0, &c), -EADDRINUSE);
    assert_int_equal(c, -1);
    /* Connections reach one of the two. */
    int fd;
    assert_int_equal(hc_net_connect(&ss, &fd), 0);
    assert_true(wait_for(fd, POLLOUT) & POLLOUT);
    assert_int_equal(hc_net_connect_result(fd), 0);
    close(fd);
    close(a);
    close(b);
}

static void in_use_sees_a_listener_of_any_kind_and_not_time_wait(void **state)
{
    (void)state;
    int a;
    int port;
    listen_on("127.0.0.1", HC_NET_REUSEPORT, &a, &port);
    struct sockaddr_storage ss;
    socklen_t len;
    assert_int_equal(hc_net_resolve("127.0.0.1", (uint16_t)port, AF_INET, &ss, &len), 0);
    assert_int_equal(hc_net_in_use(&ss), 1);
    /* A connection closed by this side first leaves TIME_WAIT on the listener's port. */
    int c;
    assert_int_equal(hc_net_connect(&ss, &c), 0);
    assert_true(wait_for(c, POLLOUT) & POLLOUT);
    int s;
    assert_true(wait_for(a, POLLIN) & POLLIN);
    assert_int_equal(hc_net_accept(a, &s, NULL), 0);
    close(s);
    close(c);
    close(a);
    assert_int_equal(hc_net_in_use(&ss), 0);
    /* A plain listener counts too; port 0 never does. */
    listen_on("127.0.0.1", 0, &a, &port);
    assert_int_equal(hc_net_resolve("127.0.0.1", (uint16_t)port, AF_INET, &ss, &len), 0);
    assert_int_equal(hc_net_in_use(&ss), 1);
    close(a);
    assert_int_equal(hc_net_resolve("127.0.0.1", 0, AF_INET, &ss, &len), 0);
    assert_int_equal(hc_net_in_use(&ss), 0);
}

static void connect_to_a_closed_port_reports_econnrefused(void **state)
{
    (void)state;
    int lfd;
    int port;
    listen_on("127.0.0.1", 0, &lfd, &port);
    close(lfd); /* the port is now (almost certainly) closed */
    struct sockaddr_storage ss;
    socklen_t len;
    assert_int_equal(hc_net_resolve("127.0.0.1", (uint16_t)port, AF_INET, &ss, &len), 0);
    int fd;
    assert_int_equal(hc_net_connect(&ss, &fd), 0);
    assert_true(wait_for(fd, POLLOUT) != 0);
    assert_int_equal(hc_net_connect_result(fd), -ECONNREFUSED);
    close(fd);
}

static void linger0_makes_close_reset_the_connection(void **state)
{
    (void)state;
    int lfd;
    int port;
    listen_on("127.0.0.1", 0, &lfd, &port);
    struct sockaddr_storage ss;
    socklen_t len;
    assert_int_equal(hc_net_resolve("127.0.0.1", (uint16_t)port, AF_INET, &ss, &len), 0);
    int c;
    assert_int_equal(hc_net_connect(&ss, &c), 0);
    assert_true(wait_for(lfd, POLLIN) & POLLIN);
    int s;
    assert_int_equal(hc_net_accept(lfd, &s, NULL), 0);
    assert_int_equal(hc_net_set_linger0(c), 0);
    close(c);
    assert_true(wait_for(s, POLLIN) != 0);
    char b;
    assert_int_equal(read(s, &b, 1), -1);
    assert_int_equal(errno, ECONNRESET);
    close(s);
    close(lfd);
}

static void nodelay_sets_and_clears_the_option(void **state)
{
    (void)state;
    int lfd;
    int port;
    listen_on("127.0.0.1", 0, &lfd, &port);
    int v = -1;
    socklen_t len = sizeof(v);
    assert_int_equal(hc_net_set_nodelay(lfd, true), 0);
    getsockopt(lfd, IPPROTO_TCP, TCP_NODELAY, &v, &len);
    assert_int_equal(v, 1);
    assert_int_equal(hc_net_set_nodelay(lfd, false), 0);
    getsockopt(lfd, IPPROTO_TCP, TCP_NODELAY, &v, &len);
    assert_int_equal(v, 0);
    assert_int_equal(hc_net_set_nodelay(-1, true), -EBADF);
    close(lfd);
}

static void numeric_addresses_resolve_without_a_lookup(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    socklen_t len;
    char text[HC_NET_ADDR_STRLEN];
    assert_int_equal(hc_net_resolve("10.1.2.3", 8080, AF_UNSPEC, &ss, &len), 0);
    assert_int_equal(ss.ss_family, AF_INET);
    assert_int_equal(len, sizeof(struct sockaddr_in));
    assert_int_equal(hc_net_addr_format(&ss, text, sizeof(text)), 13);
    assert_string_equal(text, "10.1.2.3:8080");

    assert_int_equal(hc_net_resolve("2001:db8::1", 443, AF_UNSPEC, &ss, &len), 0);
    assert_int_equal(ss.ss_family, AF_INET6);
    assert_int_equal(len, sizeof(struct sockaddr_in6));
    hc_net_addr_format(&ss, text, sizeof(text));
    assert_string_equal(text, "[2001:db8::1]:443");

    assert_int_equal(hc_net_resolve("[::1]", 80, AF_INET6, &ss, &len), 0);
    hc_net_addr_format(&ss, text, sizeof(text));
    assert_string_equal(text, "[::1]:80");

    assert_int_equal(hc_net_resolve("127.0.0.1", 1, AF_INET6, &ss, &len), -EAFNOSUPPORT);
    assert_int_equal(hc_net_resolve("::1", 1, AF_INET, &ss, &len), -EAFNOSUPPORT);
    assert_int_equal(hc_net_resolve("::1", 1, AF_UNIX, &ss, &len), -EINVAL);
}

static void wildcard_hosts_resolve_to_the_any_address(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    socklen_t len;
    char text[HC_NET_ADDR_STRLEN];
    assert_int_equal(hc_net_resolve(NULL, 9000, AF_UNSPEC, &ss, &len), 0);
    hc_net_addr_format(&ss, text, sizeof(text));
    assert_string_equal(text, "0.0.0.0:9000");
    assert_int_equal(hc_net_resolve("*", 9000, AF_INET6, &ss, &len), 0);
    hc_net_addr_format(&ss, text, sizeof(text));
    assert_string_equal(text, "[::]:9000");
    assert_int_equal(hc_net_resolve("", 1, AF_INET, &ss, &len), 0);
    assert_int_equal(ss.ss_family, AF_INET);
}

static void localhost_resolves_to_a_loopback_address(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    socklen_t len;
    assert_int_equal(hc_net_resolve("localhost", 5000, AF_UNSPEC, &ss, &len), 0);
    char text[HC_NET_ADDR_STRLEN];
    assert_true(hc_net_addr_format(&ss, text, sizeof(text)) > 0);
    if (ss.ss_family == AF_INET)
        assert_string_equal(text, "127.0.0.1:5000");
    else
        assert_string_equal(text, "[::1]:5000");
    assert_int_equal(hc_net_resolve("localhost", 5000, AF_INET, &ss, &len), 0);
    hc_net_addr_format(&ss, text, sizeof(text));
    assert_string_equal(text, "127.0.0.1:5000");
}

static void an_unknown_name_gives_a_resolver_error_with_its_message(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    socklen_t len;
    /* .invalid is reserved (RFC 6761): it never resolves, with or without a network. */
    int rc = hc_net_resolve("no-such-host.invalid", 80, AF_UNSPEC, &ss, &len);
    assert_true(rc < 0);
    assert_true(hc_net_is_gai_error(rc));
    assert_false(hc_net_is_gai_error(-ECONNREFUSED));
    assert_false(hc_net_is_gai_error(HC_ETOOLARGE));
    int eai = -(-rc - HC_NET_EGAI_BASE);
    assert_string_equal(hc_net_strerror(rc), gai_strerror(eai));
    assert_int_equal(HC_NET_EGAI(EAI_NONAME), -(HC_NET_EGAI_BASE + 2));
    assert_string_equal(hc_net_strerror(HC_NET_EGAI(EAI_NONAME)), gai_strerror(EAI_NONAME));
    assert_string_equal(hc_net_strerror(-ECONNREFUSED), hc_strerror(-ECONNREFUSED));
}

static void addr_format_writes_ports_brackets_and_scopes_and_checks_room(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(65535);
    inet_pton(AF_INET6, "fe80::1", &sin6->sin6_addr);
    sin6->sin6_scope_id = 3;
    char text[HC_NET_ADDR_STRLEN];
    assert_int_equal(hc_net_addr_format(&ss, text, sizeof(text)), 17);
    assert_string_equal(text, "[fe80::1%3]:65535");

    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    memset(&ss, 0, sizeof(ss));
    sin->sin_family = AF_INET;
    sin->sin_port = htons(8080);
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char small[14]; /* "127.0.0.1:8080" needs 15 with its NUL */
    assert_int_equal(hc_net_addr_format(&ss, small, sizeof(small)), HC_ETOOLARGE);
    assert_string_equal(small, "");
    char exact[15];
    assert_int_equal(hc_net_addr_format(&ss, exact, sizeof(exact)), 14);
    assert_string_equal(exact, "127.0.0.1:8080");

    ss.ss_family = AF_UNIX;
    assert_int_equal(hc_net_addr_format(&ss, text, sizeof(text)), -EAFNOSUPPORT);
    assert_int_equal(hc_net_addr_len(&ss), 0);
    int fd;
    assert_int_equal(hc_net_listen(&ss, 0, 0, &fd), -EAFNOSUPPORT);
    assert_int_equal(hc_net_connect(&ss, &fd), -EAFNOSUPPORT);
}

static void parse_addr_reads_what_addr_format_writes(void **state)
{
    (void)state;
    static const char *const good[] = {
        "127.0.0.1:8080", "[::1]:443", "[fe80::1%3]:65535", "[2001:db8::a:b]:1", "0.0.0.0:9",
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(good); i++) {
        struct sockaddr_storage ss;
        socklen_t len = 0;
        char text[HC_NET_ADDR_STRLEN];
        assert_int_equal(hc_net_parse_addr(good[i], &ss, &len), 0);
        assert_int_equal(len, hc_net_addr_len(&ss));
        assert_int_equal(hc_net_addr_format(&ss, text, sizeof(text)), (int)strlen(good[i]));
        assert_string_equal(text, good[i]);
    }
    struct sockaddr_storage ss;
    socklen_t len;
    char text[HC_NET_ADDR_STRLEN];
    assert_int_equal(hc_net_parse_addr("*:8080", &ss, &len), 0);
    hc_net_addr_format(&ss, text, sizeof(text));
    assert_string_equal(text, "0.0.0.0:8080");
    assert_int_equal(hc_net_parse_addr(":81", &ss, &len), 0);
    hc_net_addr_format(&ss, text, sizeof(text));
    assert_string_equal(text, "0.0.0.0:81");
}

static void parse_addr_rejects_names_bad_ports_and_bare_ipv6(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "localhost:80",
        "127.0.0.1",
        "127.0.0.1:",
        "127.0.0.1:0",
        "127.0.0.1:65536",
        "127.0.0.1:+80",
        "127.0.0.1: 80",
        "127.0.0.1:80x",
        "::1:80",
        "[::1]",
        "[::1:80",
        "[::1%]:80",
        "[::1%eth0]:80",
        "[127.0.0.1]:80",
        "1.2.3.4.5:80",
        "",
        "[0000:0000:0000:0000:0000:0000:0000:0000%4294967295]:99999999999999999999999",
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        struct sockaddr_storage ss;
        socklen_t len;
        if (hc_net_parse_addr(bad[i], &ss, &len) != -EBADMSG)
            fail_msg("accepted \"%s\"", bad[i]);
    }
}

static void raise_nofile_raises_to_the_wish_caps_at_the_hard_limit_and_never_lowers(void **state)
{
    (void)state;
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 2048)
        skip(); /* too little room to observe a raise */
    struct rlimit saved = rl;
    rl.rlim_cur = 1024;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);

    uint64_t got = 0;
    assert_int_equal(hc_net_raise_nofile(2048, &got), 0);
    assert_int_equal(got, 2048);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    assert_int_equal(rl.rlim_cur, 2048);

    /* A smaller wish leaves the limit alone. */
    assert_int_equal(hc_net_raise_nofile(100, &got), 0);
    assert_int_equal(got, 2048);

    if (rl.rlim_max != RLIM_INFINITY) {
        uint64_t hard = rl.rlim_max;
        assert_int_equal(hc_net_raise_nofile(hard + 1, &got), HC_ERANGE);
        assert_int_equal(got, hard);
        assert_int_equal(hc_net_raise_nofile(0, &got), 0);
        assert_int_equal(got, hard);
    }
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ipv4_loopback_on_port_zero_connects_accepts_and_exchanges_bytes),
        cmocka_unit_test(ipv6_loopback_on_port_zero_connects_accepts_and_exchanges_bytes),
        cmocka_unit_test(accept_with_nothing_waiting_says_eagain),
        cmocka_unit_test(reuseport_lets_two_listeners_share_a_port),
        cmocka_unit_test(in_use_sees_a_listener_of_any_kind_and_not_time_wait),
        cmocka_unit_test(connect_to_a_closed_port_reports_econnrefused),
        cmocka_unit_test(linger0_makes_close_reset_the_connection),
        cmocka_unit_test(nodelay_sets_and_clears_the_option),
        cmocka_unit_test(numeric_addresses_resolve_without_a_lookup),
        cmocka_unit_test(wildcard_hosts_resolve_to_the_any_address),
        cmocka_unit_test(localhost_resolves_to_a_loopback_address),
        cmocka_unit_test(an_unknown_name_gives_a_resolver_error_with_its_message),
        cmocka_unit_test(addr_format_writes_ports_brackets_and_scopes_and_checks_room),
        cmocka_unit_test(parse_addr_reads_what_addr_format_writes),
        cmocka_unit_test(parse_addr_rejects_names_bad_ports_and_bare_ipv6),
        cmocka_unit_test(raise_nofile_raises_to_the_wish_caps_at_the_hard_limit_and_never_lowers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
