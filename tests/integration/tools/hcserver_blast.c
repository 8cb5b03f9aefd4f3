/*
 * hcserver_blast.c: a small concurrent HTTP client for hcserver's integration tests.
 *
 *   hcserver_blast grab   PORT SKU USERS GRABS CONNS   flash-sale grabs, user = i % USERS + 1
 *   hcserver_blast create PORT COUNT CONNS OUTFILE     orders; each id answered 201 is written
 *                                                      to OUTFILE (flushed) as it arrives
 *   hcserver_blast events PORT COUNT CONNS             behaviour events
 *   hcserver_blast get    PORT PATH COUNT CONNS        GETs of one path
 *   hcserver_blast pipeline PORT DEPTH                 DEPTH GETs of /healthz in one write on
 *                                                      one connection; checks all come back
 *
 * Prints "status N" lines (how many responses had each status), then "errors N" (connections
 * that failed) and, for get/create/events, "p99_ms X". Exit 0 unless the run itself broke.
 * Each connection is a thread with a blocking socket: simple, and enough for a few hundred.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hc/buf.h"
#include "hc/core.h"
#include "hc/http.h"

enum mode { GRAB, CREATE, EVENTS, GET };

static enum mode mode;
static int port;
static const char *sku, *path;
static long users, total;
static atomic_long next_i;
static atomic_long statuses[600];
static atomic_long errors;
static FILE *out;
static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t *lat;

static int dial(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* Reads one response into p. 0, or -1 when the connection broke. */
static int read_response(int fd, struct hc_http_parser *p, char *buf, size_t cap, size_t *have)
{
    for (;;) {
        if (*have > 0) {
            ssize_t n = hc_http_parse(p, buf, *have);
            if (n >= 0) {
                memmove(buf, buf + n, *have - (size_t)n);
                *have -= (size_t)n;
                return 0;
            }
            if (n != -EAGAIN)
                return -1;
            *have = 0;
        }
        ssize_t r = read(fd, buf, cap);
        if (r <= 0)
            return -1;
        *have = (size_t)r;
    }
}

static void build(long i, struct hc_buf *req)
{
    char body[256];

    hc_buf_reset(req);
    switch (mode) {
    case GRAB:
        snprintf(body, sizeof(body), "{\"user_id\":%ld}", i % users + 1);
        hc_buf_appendf(req,
                       "POST /api/flash/%s/grab HTTP/1.1\r\nHost: t\r\n"
                       "Content-Length: %zu\r\n\r\n%s",
                       sku, strlen(body), body);
        break;
    case CREATE:
        snprintf(body, sizeof(body),
                 "{\"user_id\":%ld,\"sku\":\"sku-%ld\",\"qty\":1,\"amount_cents\":100}",
                 i % 997 + 1, i % 13);
        hc_buf_appendf(req,
                       "POST /api/orders HTTP/1.1\r\nHost: t\r\n"
                       "Content-Length: %zu\r\n\r\n%s",
                       strlen(body), body);
        break;
    case EVENTS:
        snprintf(body, sizeof(body), "{\"type\":\"view\",\"item\":%ld}", i);
        hc_buf_appendf(req,
                       "POST /api/events HTTP/1.1\r\nHost: t\r\n"
                       "Content-Length: %zu\r\n\r\n%s",
                       strlen(body), body);
        break;
    case GET:
        hc_buf_appendf(req, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
        break;
    }
}

static void *conn_main(void *arg)
{
    struct hc_http_parser p;
    struct hc_buf req;
    char *buf = hc_xmalloc(65536);
    size_t have = 0;
    int fd = -1;

    HC_UNUSED(arg);
    hc_http_parser_init(&p, HC_HTTP_RESPONSE, NULL);
    hc_buf_init(&req, 4096);
    for (;;) {
        long i = atomic_fetch_add(&next_i, 1);
        int64_t t0;
        if (i >= total)
            break;
        if (fd < 0) {
            fd = dial();
            hc_http_parser_reset(&p);
            have = 0;
            if (fd < 0) {
                atomic_fetch_add(&errors, 1);
                if (mode == CREATE)
                    break; /* the server is gone (kill -9 test): stop */
                continue;
            }
        }
        build(i, &req);
        t0 = hc_now_ns();
        if (write(fd, req.data, req.len) != (ssize_t)req.len ||
            read_response(fd, &p, buf, 65536, &have) < 0) {
            atomic_fetch_add(&errors, 1);
            close(fd);
            fd = -1;
            if (mode == CREATE)
                break;
            continue;
        }
        lat[i] = hc_now_ns() - t0;
        if (p.msg.status > 0 && p.msg.status < 600)
            atomic_fetch_add(&statuses[p.msg.status], 1);
        if (mode == CREATE && p.msg.status == 201) {
            const char *id = strstr(p.msg.body, "\"id\":");
            pthread_mutex_lock(&out_mu);
            fprintf(out, "%lld\n", id ? strtoll(id + 5, NULL, 10) : -1LL);
            fflush(out);
            pthread_mutex_unlock(&out_mu);
        }
        if (!p.msg.keep_alive) {
            close(fd);
            fd = -1;
        }
    }
    if (fd >= 0)
        close(fd);
    hc_http_parser_destroy(&p);
    hc_buf_destroy(&req);
    free(buf);
    return NULL;
}

static int pipeline(int depth)
{
    struct hc_http_parser p;
    struct hc_buf req;
    char *buf = hc_xmalloc(65536);
    size_t have = 0;
    int fd = dial(), got = 0;

    if (fd < 0)
        return 1;
    hc_http_parser_init(&p, HC_HTTP_RESPONSE, NULL);
    hc_buf_init(&req, 0);
    for (int i = 0; i < depth; i++)
        hc_buf_appendf(&req, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    if (write(fd, req.data, req.len) != (ssize_t)req.len)
        return 1;
    while (got < depth && read_response(fd, &p, buf, 65536, &have) == 0) {
        if (p.msg.status > 0 && p.msg.status < 600)
            atomic_fetch_add(&statuses[p.msg.status], 1);
        got++;
    }
    printf("responses %d\n", got);
    close(fd);
    hc_http_parser_destroy(&p);
    hc_buf_destroy(&req);
    free(buf);
    return 0;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

static long num(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < 0) {
        fprintf(stderr, "hcserver_blast: bad number \"%s\"\n", s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    long conns;
    pthread_t *th;

    if (argc < 3) {
        fprintf(stderr, "usage: see the top of hcserver_blast.c\n");
        return 2;
    }
    port = (int)num(argv[2]);
    if (strcmp(argv[1], "pipeline") == 0 && argc == 4) {
        int rc = pipeline((int)num(argv[3]));
        for (int s = 100; s < 600; s++)
            if (statuses[s])
                printf("status %d %ld\n", s, (long)statuses[s]);
        return rc;
    } else if (strcmp(argv[1], "grab") == 0 && argc == 7) {
        mode = GRAB;
        sku = argv[3];
        users = num(argv[4]);
        total = num(argv[5]);
        conns = num(argv[6]);
    } else if (strcmp(argv[1], "create") == 0 && argc == 6) {
        mode = CREATE;
        total = num(argv[3]);
        conns = num(argv[4]);
        out = fopen(argv[5], "w");
        if (out == NULL)
            return 1;
    } else if (strcmp(argv[1], "events") == 0 && argc == 5) {
        mode = EVENTS;
        total = num(argv[3]);
        conns = num(argv[4]);
    } else if (strcmp(argv[1], "get") == 0 && argc == 6) {
        mode = GET;
        path = argv[3];
        total = num(argv[4]);
        conns = num(argv[5]);
    } else {
        fprintf(stderr, "usage: see the top of hcserver_blast.c\n");
        return 2;
    }
    if (conns < 1 || users < 0 || (mode == GRAB && users < 1))
        return 2;
    lat = hc_xcalloc((size_t)total + 1, sizeof(*lat));
    th = hc_xcalloc((size_t)conns, sizeof(*th));
    for (long i = 0; i < conns; i++)
        pthread_create(&th[i], NULL, conn_main, NULL);
    for (long i = 0; i < conns; i++)
        pthread_join(th[i], NULL);
    for (int s = 100; s < 600; s++)
        if (statuses[s])
            printf("status %d %ld\n", s, (long)statuses[s]);
    printf("errors %ld\n", (long)errors);
    {
        long n = 0;
        for (long i = 0; i < total; i++)
            if (lat[i] > 0)
                lat[n++] = lat[i];
        qsort(lat, (size_t)n, sizeof(*lat), cmp64);
        if (n > 0)
            printf("p99_ms %.3f\n", (double)lat[(n * 99) / 100] / 1e6);
    }
    if (out != NULL)
        fclose(out);
    free(lat);
    free(th);
    return 0;
}
