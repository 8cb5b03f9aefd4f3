/*
 * hcload_badserver.c: a small HTTP/1.1 server that misbehaves on purpose, for hcload's
 * integration tests. It counts every complete request it reads, so a test can compare
 * hcload's count with the server's.
 *
 * Usage: hcload_badserver MODE PORT_FILE COUNT_FILE [PERIOD_MS FREEZE_MS | DELAY_MS]
 *   ok       answer every request: 200, a two-byte body, keep-alive
 *   reset    read a request, then reset the connection (RST), no answer
 *   close    answer with headers promising 100 bytes, send 10, then close (FIN)
 *   stall    read requests and never answer
 *   garbage  answer every request with bytes that are not HTTP
 *   freeze   as ok, but every PERIOD_MS the whole server stops for FREEZE_MS
 *   slow     as ok, but each answer goes DELAY_MS after its request (a known latency; the
 *            loop keeps serving other connections meanwhile)
 * It listens on a free loopback port and writes the number to PORT_FILE once ready; on
 * SIGTERM or SIGINT it writes the request count to COUNT_FILE and exits 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hc/http.h"
#include "hc/loop.h"
#include "hc/net.h"

enum mode { MODE_OK, MODE_RESET, MODE_CLOSE, MODE_STALL, MODE_GARBAGE, MODE_FREEZE, MODE_SLOW };

static const char *const mode_names[] = {"ok",      "reset",  "close", "stall",
                                         "garbage", "freeze", "slow"};

struct client {
    int fd;
    struct hc_http_parser parser;
    struct hc_loop_timer timer; /* slow: the next answer is due */
    unsigned pending;           /* slow: requests read and not yet answered */
};

static int64_t delay_ns;

static enum mode mode;
static struct hc_loop *loop;
static unsigned long long requests;
static int64_t freeze_period_ns, freeze_len_ns;
static struct hc_loop_timer freeze_timer;

static const char ok_response[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
static const char short_response[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789";
static const char garbage[] = "THIS IS NOT HTTP AT ALL\r\n\r\n";

static void client_close(struct client *c, bool reset)
{
    if (reset)
        hc_net_set_linger0(c->fd);
    hc_loop_timer_stop(loop, &c->timer);
    hc_loop_del(loop, c->fd);
    close(c->fd);
    hc_http_parser_destroy(&c->parser);
    free(c);
}

/* Blocking-enough write for small answers; a full socket buffer just drops the rest. */
static void client_send(struct client *c, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        data += n;
        len -= (size_t)n;
    }
}

/* slow: the delay of the oldest pending request is over: answer everything pending. */
static void client_on_delay(struct hc_loop *l, struct hc_loop_timer *t, void *data)
{
    (void)l;
    (void)t;
    struct client *c = data;
    for (; c->pending > 0; c->pending--)
        client_send(c, ok_response, sizeof(ok_response) - 1);
}

/* One complete request: answer as the mode says. Returns false when c was closed. */
static bool client_request(struct client *c)
{
    requests++;
    switch (mode) {
    case MODE_OK:
    case MODE_FREEZE:
        client_send(c, ok_response, sizeof(ok_response) - 1);
        return true;
    case MODE_RESET:
        client_close(c, true);
        return false;
    case MODE_CLOSE:
        client_send(c, short_response, sizeof(short_response) - 1);
        client_close(c, false);
        return false;
    case MODE_STALL:
        return true;
    case MODE_GARBAGE:
        client_send(c, garbage, sizeof(garbage) - 1);
        return true;
    case MODE_SLOW:
        if (c->pending++ == 0)
            hc_loop_timer_start(loop, &c->timer, delay_ns, client_on_delay, c);
        return true;
    }
    return true;
}

static void client_on_io(struct hc_loop *l, int fd, unsigned events, void *data)
{
    (void)l;
    (void)fd;
    (void)events;
    struct client *c = data;
    char buf[16384];
    ssize_t n = read(c->fd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        client_close(c, false);
        return;
    }
    const char *p = buf;
    size_t len = (size_t)n;
    while (len > 0) {
        ssize_t r = hc_http_parse(&c->parser, p, len);
        if (r == -EAGAIN)
            return;
        if (r < 0) {
            client_close(c, false);
            return;
        }
        if (!client_request(c))
            return;
        p += r;
        len -= (size_t)r;
    }
}

static void server_on_accept(struct hc_loop *l, int lfd, unsigned events, void *data)
{
    (void)events;
    (void)data;
    for (;;) {
        int fd;
        if (hc_net_accept(lfd, &fd, NULL) != 0)
            return;
        struct client *c = calloc(1, sizeof(*c));
        if (c == NULL) {
            close(fd);
            return;
        }
        c->fd = fd;
        hc_http_parser_init(&c->parser, HC_HTTP_REQUEST | HC_HTTP_SKIP_HEADERS, NULL);
        if (hc_loop_add(l, fd, HC_LOOP_READ, client_on_io, c) != 0) {
            close(fd);
            hc_http_parser_destroy(&c->parser);
            free(c);
        }
    }
}

static void on_freeze(struct hc_loop *l, struct hc_loop_timer *t, void *data)
{
    (void)data;
    struct timespec ts = {.tv_sec = freeze_len_ns / 1000000000,
                          .tv_nsec = freeze_len_ns % 1000000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    hc_loop_timer_start(l, t, freeze_period_ns - freeze_len_ns, on_freeze, NULL);
}

static void on_signal(int sig)
{
    (void)sig;
    hc_loop_stop(loop);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODE PORT_FILE COUNT_FILE [PERIOD_MS FREEZE_MS]\n", argv[0]);
        return 2;
    }
    size_t m = 0;
    while (m < sizeof(mode_names) / sizeof(mode_names[0]) && strcmp(argv[1], mode_names[m]) != 0)
        m++;
    if (m == sizeof(mode_names) / sizeof(mode_names[0])) {
        fprintf(stderr, "%s: unknown mode %s\n", argv[0], argv[1]);
        return 2;
    }
    mode = (enum mode)m;
    if (mode == MODE_FREEZE) {
        if (argc < 6) {
            fprintf(stderr, "%s: freeze needs PERIOD_MS FREEZE_MS\n", argv[0]);
            return 2;
        }
        freeze_period_ns = strtoll(argv[4], NULL, 10) * 1000000;
        freeze_len_ns = strtoll(argv[5], NULL, 10) * 1000000;
        if (freeze_period_ns <= freeze_len_ns || freeze_len_ns <= 0) {
            fprintf(stderr, "%s: need 0 < FREEZE_MS < PERIOD_MS\n", argv[0]);
            return 2;
        }
    }
    if (mode == MODE_SLOW) {
        delay_ns = argc >= 5 ? strtoll(argv[4], NULL, 10) * 1000000 : 0;
        if (delay_ns <= 0) {
            fprintf(stderr, "%s: slow needs DELAY_MS above 0\n", argv[0]);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_storage addr;
    socklen_t alen;
    int lfd;
    if (hc_net_resolve("127.0.0.1", 0, AF_INET, &addr, &alen) != 0 ||
        hc_net_listen(&addr, 0, 0, &lfd) != 0 || hc_loop_new(&loop) != 0) {
        fprintf(stderr, "%s: cannot listen\n", argv[0]);
        return 1;
    }
    hc_loop_add(loop, lfd, HC_LOOP_READ, server_on_accept, NULL);
    if (mode == MODE_FREEZE)
        hc_loop_timer_start(loop, &freeze_timer, freeze_period_ns - freeze_len_ns, on_freeze, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
    FILE *pf = fopen(tmp, "w");
    if (pf == NULL)
        return 1;
    fprintf(pf, "%d\n", hc_net_bound_port(lfd));
    fclose(pf);
    rename(tmp, argv[2]);
    hc_loop_run(loop);
    FILE *cf = fopen(argv[3], "w");
    if (cf == NULL)
        return 1;
    fprintf(cf, "%llu\n", requests);
    fclose(cf);
    return 0;
}
