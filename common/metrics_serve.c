/*
 * metrics_serve.c: a /metrics listener on its own thread (see "serving a page" in
 * hc/metrics.h).
 *
 * Why a thread and one connection at a time: the programs that use it (a load generator, a
 * warmer) must not let a scraper touch their event loops, and a scrape is rare (every few
 * seconds) and small. So the thread blocks in poll() on the listening socket and a wake-up
 * pipe, serves each connection to its end with a deadline, and closes it; a client that
 * stalls costs at most HC_METRICS_SERVE_TIMEOUT_MS of other scrapes, never the program's work.
 */
#include "hc/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hc/limits.h"
#include "hc/net.h"

struct hc_metrics_server {
    int lfd;                      /* the listening socket */
    int wake[2];                  /* a pipe: a byte on wake[1] ends the thread */
    int port;                     /* the bound port */
    pthread_t thread;             /* the listener */
    hc_metrics_render_cb *render; /* writes the page */
    void *arg;                    /* passed to render */
    _Atomic uint64_t scrapes;     /* pages served */
};

/* Milliseconds left until deadline_ns (monotonic), at least 0. */
static int serve_left_ms(int64_t deadline_ns)
{
    int64_t left = deadline_ns - hc_now_ns();
    return left > 0 ? (int)(left / HC_NSEC_PER_MSEC) + 1 : 0;
}

/* Writes all of data to fd before the deadline. 0 or a negative errno. */
static int serve_send(int fd, const char *data, size_t len, int64_t deadline_ns)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN)
            return -errno;
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int ms = serve_left_ms(deadline_ns);
        if (ms == 0 || poll(&p, 1, ms) <= 0)
            return -ETIMEDOUT;
    }
    return 0;
}

/* Reads a request head ("...\r\n\r\n") into buf (cap bytes). Its length, or a negative code. */
static ssize_t serve_read_head(int fd, char *buf, size_t cap, int64_t deadline_ns)
{
    size_t len = 0;
    for (;;) {
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n > 0) {
            len += (size_t)n;
            buf[len] = '\0';
            if (strstr(buf, "\r\n\r\n") != NULL || strstr(buf, "\n\n") != NULL)
                return (ssize_t)len;
            if (len == cap - 1)
                return HC_ETOOLARGE;
            continue;
        }
        if (n == 0)
            return -ECONNRESET;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return -errno;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int ms = serve_left_ms(deadline_ns);
        if (ms == 0 || poll(&p, 1, ms) <= 0)
            return -ETIMEDOUT;
    }
}

static void serve_answer(int fd, int status, const char *reason, const char *type, const char *body,
                         size_t len, bool head, int64_t deadline_ns)
{
    char hdr[256];
    int n = snprintf(hdr, sizeof(hdr),
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     status, reason, type, len);
    if (n < 0 || (size_t)n >= sizeof(hdr))
        return;
    if (serve_send(fd, hdr, (size_t)n, deadline_ns) == 0 && !head)
        serve_send(fd, body, len, deadline_ns);
}

int hc_metrics_serve_route(const char *head, size_t len, bool *head_only)
{
    static const char path[] = "/metrics";
    size_t m;
    *head_only = false;
    if (len >= 4 && memcmp(head, "GET ", 4) == 0) {
        m = 4;
    } else if (len >= 5 && memcmp(head, "HEAD ", 5) == 0) {
        m = 5;
        *head_only = true;
    } else {
        return 405;
    }
    size_t plen = sizeof(path) - 1;
    if (len - m < plen || memcmp(head + m, path, plen) != 0)
        return 404;
    if (len - m == plen)
        return 200;
    char next = head[m + plen];
    return next == ' ' || next == '?' || next == '\r' || next == '\n' ? 200 : 404;
}

/* Serves the one request of connection fd, then returns (the caller closes fd). */
static void serve_conn(struct hc_metrics_server *s, int fd)
{
    int64_t deadline = hc_now_ns() + (int64_t)HC_METRICS_SERVE_TIMEOUT_MS * HC_NSEC_PER_MSEC;
    char req[HC_METRICS_SERVE_MAX_REQUEST_BYTES];
    ssize_t n = serve_read_head(fd, req, sizeof(req), deadline);
    static const char text[] = "text/plain; charset=utf-8";
    if (n < 0) {
        if (n == HC_ETOOLARGE)
            serve_answer(fd, 431, "Request Header Fields Too Large", text, "", 0, false, deadline);
        return;
    }
    bool head = false;
    int status = hc_metrics_serve_route(req, (size_t)n, &head);
    if (status == 405) {
        static const char msg[] = "only GET and HEAD\n";
        serve_answer(fd, 405, "Method Not Allowed", text, msg, sizeof(msg) - 1, false, deadline);
        return;
    }
    if (status == 404) {
        static const char msg[] = "not found: the page is /metrics\n";
        serve_answer(fd, 404, "Not Found", text, msg, sizeof(msg) - 1, head, deadline);
        return;
    }
    struct hc_buf page;
    hc_buf_init(&page, HC_METRICS_MAX_PAGE_BYTES);
    int rc = s->render(s->arg, &page);
    if (rc != 0) {
        static const char msg[] = "the page could not be written\n";
        serve_answer(fd, 500, "Internal Server Error", text, msg, sizeof(msg) - 1, head, deadline);
    } else {
        serve_answer(fd, 200, "OK", HC_METRICS_CONTENT_TYPE, page.data != NULL ? page.data : "",
                     page.len, head, deadline);
        atomic_fetch_add_explicit(&s->scrapes, 1, memory_order_relaxed);
    }
    hc_buf_destroy(&page);
}

static void *serve_main(void *arg)
{
    struct hc_metrics_server *s = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = s->lfd, .events = POLLIN},
                              {.fd = s->wake[0], .events = POLLIN}};
        int n = poll(p, 2, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || (p[1].revents & (POLLIN | POLLHUP)))
            return NULL;
        int fd;
        while (hc_net_accept(s->lfd, &fd, NULL) == 0) {
            serve_conn(s, fd);
            close(fd);
        }
    }
}

int hc_metrics_serve_start(const char *addr, hc_metrics_render_cb *render, void *arg,
                           struct hc_metrics_server **out, char *err, size_t errlen)
{
    *out = NULL;
    struct sockaddr_storage sa;
    socklen_t salen;
    /* The parser takes ports 1..65535; port 0 (any free one) is read as 1, then set. */
    char text[HC_NET_ADDR_STRLEN];
    size_t len = strlen(addr);
    bool any_port = len >= 2 && len < sizeof(text) && strcmp(addr + len - 2, ":0") == 0;
    snprintf(text, sizeof(text), "%s", addr);
    if (any_port)
        text[len - 1] = '1';
    int rc = hc_net_parse_addr(text, &sa, &salen);
    if (rc == 0 && any_port) {
        if (sa.ss_family == AF_INET)
            ((struct sockaddr_in *)&sa)->sin_port = 0;
        else
            ((struct sockaddr_in6 *)&sa)->sin6_port = 0;
    }
    if (rc != 0) {
        hc_errf(err, errlen, "\"%s\": expected a numeric address and port like 127.0.0.1:9100",
                addr);
        return rc;
    }
    struct hc_metrics_server *s = hc_xcalloc(1, sizeof(*s));
    s->render = render;
    s->arg = arg;
    s->wake[0] = s->wake[1] = -1;
    atomic_init(&s->scrapes, 0);
    rc = hc_net_listen(&sa, 16, 0, &s->lfd);
    if (rc != 0) {
        hc_errf(err, errlen, "cannot listen on %s: %s", addr, hc_net_strerror(rc));
        free(s);
        return rc;
    }
    s->port = hc_net_bound_port(s->lfd);
    if (pipe2(s->wake, O_CLOEXEC) != 0) {
        rc = -errno;
        hc_errf(err, errlen, "pipe: %s", strerror(errno));
        goto fail;
    }
    rc = -pthread_create(&s->thread, NULL, serve_main, s);
    if (rc != 0) {
        hc_errf(err, errlen, "cannot start the listener's thread: %s", strerror(-rc));
        goto fail;
    }
    *out = s;
    return 0;
fail:
    close(s->lfd);
    if (s->wake[0] >= 0) {
        close(s->wake[0]);
        close(s->wake[1]);
    }
    free(s);
    return rc;
}

int hc_metrics_serve_port(const struct hc_metrics_server *s)
{
    return s->port;
}

uint64_t hc_metrics_serve_scrapes(const struct hc_metrics_server *s)
{
    return atomic_load_explicit(&s->scrapes, memory_order_relaxed);
}

void hc_metrics_serve_stop(struct hc_metrics_server *s)
{
    if (s == NULL)
        return;
    char b = 1;
    while (write(s->wake[1], &b, 1) < 0 && errno == EINTR) {
    }
    pthread_join(s->thread, NULL);
    close(s->lfd);
    close(s->wake[0]);
    close(s->wake[1]);
    free(s);
}
