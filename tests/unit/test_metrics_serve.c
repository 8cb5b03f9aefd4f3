/*
 * test_metrics_serve.c: the /metrics listener (common/metrics_serve.c) over real loopback
 * sockets: the page of the render callback on GET and its length on HEAD, 404 / 405 / 431,
 * a failing render answered 500, a client that says nothing cut at the deadline while the
 * next scrape is still served, and stop joining the thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "hc/limits.h"
#include "hc/metrics.h"

struct page {
    int calls;
    int fail;
};

static int render(void *arg, struct hc_buf *out)
{
    struct page *p = arg;
    p->calls++;
    if (p->fail)
        return -EIO;
    return hc_buf_appendf(out, "# TYPE t_total counter\nt_total %d\n", p->calls);
}

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

/* Sends req and reads the whole answer (the server closes) into buf. */
static void ask(int port, const char *req, size_t reqlen, char *buf, size_t cap)
{
    int fd = dial(port);
    size_t off = 0;
    while (off < reqlen) {
        ssize_t n = send(fd, req + off, reqlen - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    size_t len = 0;
    ssize_t n;
    while (len + 1 < cap && (n = recv(fd, buf + len, cap - 1 - len, 0)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    close(fd);
}

static void get_metrics_serves_the_rendered_page_and_head_its_length(void **state)
{
    (void)state;
    struct page pg = {0};
    struct hc_metrics_server *s = NULL;
    char err[256];
    assert_int_equal(hc_metrics_serve_start("127.0.0.1:0", render, &pg, &s, err, sizeof(err)), 0);
    int port = hc_metrics_serve_port(s);
    assert_true(port > 0);
    char buf[4096];
    static const char get[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    ask(port, get, sizeof(get) - 1, buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(buf, "Content-Type: " HC_METRICS_CONTENT_TYPE "\r\n"));
    assert_non_null(strstr(buf, "Content-Length: 33\r\n"));
    assert_non_null(strstr(buf, "\r\n\r\n# TYPE t_total counter\nt_total 1\n"));
    /* The page parses with hc's own parser. */
    const char *body = strstr(buf, "\r\n\r\n") + 4;
    struct hc_metrics_page *page = NULL;
    assert_true(hc_metrics_parse(body, strlen(body), &page, err, sizeof(err)) >= 0);
    assert_int_equal(page->nsamples, 1);
    assert_true(page->samples[0].value == 1.0);
    hc_metrics_page_free(page);
    static const char query[] = "GET /metrics?x=1 HTTP/1.0\r\n\r\n";
    ask(port, query, sizeof(query) - 1, buf, sizeof(buf));
    assert_non_null(strstr(buf, "t_total 2\n"));
    static const char head[] = "HEAD /metrics HTTP/1.1\r\n\r\n";
    ask(port, head, sizeof(head) - 1, buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(buf, "Content-Length: 33\r\n"));
    assert_null(strstr(buf, "t_total"));
    assert_int_equal(hc_metrics_serve_scrapes(s), 3);
    hc_metrics_serve_stop(s);
}

static void other_paths_methods_and_oversized_heads_get_their_statuses(void **state)
{
    (void)state;
    struct page pg = {0};
    struct hc_metrics_server *s = NULL;
    char err[256];
    assert_int_equal(hc_metrics_serve_start("127.0.0.1:0", render, &pg, &s, err, sizeof(err)), 0);
    int port = hc_metrics_serve_port(s);
    char buf[4096];
    static const char other[] = "GET /metricsx HTTP/1.1\r\n\r\n";
    ask(port, other, sizeof(other) - 1, buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 404 Not Found\r\n"));
    static const char post[] = "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
    ask(port, post, sizeof(post) - 1, buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 405 Method Not Allowed\r\n"));
    size_t big = HC_METRICS_SERVE_MAX_REQUEST_BYTES + 100;
    char *huge = malloc(big);
    memset(huge, 'a', big);
    memcpy(huge, "GET /metrics HTTP/1.1\r\nX: ", 26);
    ask(port, huge, big, buf, sizeof(buf));
    free(huge);
    assert_non_null(strstr(buf, "HTTP/1.1 431 "));
    pg.fail = 1;
    static const char get[] = "GET /metrics HTTP/1.1\r\n\r\n";
    ask(port, get, sizeof(get) - 1, buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 500 "));
    assert_int_equal(hc_metrics_serve_scrapes(s), 0);
    hc_metrics_serve_stop(s);
}

static void a_silent_client_is_cut_at_the_deadline_and_the_next_is_served(void **state)
{
    (void)state;
    struct page pg = {0};
    struct hc_metrics_server *s = NULL;
    char err[256];
    assert_int_equal(hc_metrics_serve_start("127.0.0.1:0", render, &pg, &s, err, sizeof(err)), 0);
    int port = hc_metrics_serve_port(s);
    int silent = dial(port);
    char buf[4096];
    static const char get[] = "GET /metrics HTTP/1.1\r\n\r\n";
    ask(port, get, sizeof(get) - 1, buf, sizeof(buf));
    assert_non_null(strstr(buf, "t_total 1\n"));
    /* The silent one was closed without an answer. */
    assert_int_equal(recv(silent, buf, sizeof(buf), 0), 0);
    close(silent);
    hc_metrics_serve_stop(s);
}

static void a_bad_or_busy_address_is_an_error(void **state)
{
    (void)state;
    struct page pg = {0};
    struct hc_metrics_server *s = NULL, *t = NULL;
    char err[256];
    assert_true(hc_metrics_serve_start("localhost:x", render, &pg, &s, err, sizeof(err)) < 0);
    assert_null(s);
    assert_non_null(strstr(err, "expected a numeric address and port"));
    assert_int_equal(hc_metrics_serve_start("127.0.0.1:0", render, &pg, &s, err, sizeof(err)), 0);
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", hc_metrics_serve_port(s));
    assert_int_equal(hc_metrics_serve_start(addr, render, &pg, &t, err, sizeof(err)), -EADDRINUSE);
    assert_non_null(strstr(err, "cannot listen on"));
    hc_metrics_serve_stop(s);
    hc_metrics_serve_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_metrics_serves_the_rendered_page_and_head_its_length),
        cmocka_unit_test(other_paths_methods_and_oversized_heads_get_their_statuses),
        cmocka_unit_test(a_silent_client_is_cut_at_the_deadline_and_the_next_is_served),
        cmocka_unit_test(a_bad_or_busy_address_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
