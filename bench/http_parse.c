/*
 * http_parse.c: how many nanoseconds hc's HTTP parser spends on a typical small response, and
 * how that compares with the packaged http-parser it wraps.
 *
 * Cases (each over the same bytes): one response per call; sixteen pipelined responses in one
 * buffer; both with header capture (hcserver-style) and without (hcload's fastest path:
 * HC_HTTP_SKIP_HEADERS | HC_HTTP_COUNT_BODY). The anchor is raw http_parser_execute with empty
 * callbacks on the same bytes. Each case runs 7 times over at least 1M responses; the median is
 * printed, with our/raw ratios. Build and run with bench/http_parse.sh.
 *
 * Requests (what hcserver reads): wrk's GET and a curl-like GET with User-Agent and Accept,
 * single and pipelined, with header capture, parsed by hc_http_parse as it is (the fast path
 * for whole simple requests) and with HC_HTTP_NO_FAST (http-parser for every request: what
 * hc_http_parse did before the fast path), beside raw http-parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/http.h"

#define RUNS      7
#define RESPONSES (1 << 20)
#define PIPELINED 16

static const char response[] =
    "HTTP/1.1 200 OK\r\n"
    "Server: hcserver/0.1\r\n"
    "Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
    "Content-Type: application/json\r\n"
    "Cache-Control: no-store\r\n"
    "Content-Length: 62\r\n"
    "\r\n"
    "{\"order_id\":1234567,\"status\":\"paid\",\"items\":3,\"total\":\"59.90\"}";

static const char request_wrk[] = "GET /api/orders/258 HTTP/1.1\r\n"
                                  "Host: 127.0.0.1:8080\r\n"
                                  "\r\n";

static const char request_curl[] = "GET /api/orders/258 HTTP/1.1\r\n"
                                   "Host: localhost:8080\r\n"
                                   "User-Agent: curl/7.88.1\r\n"
                                   "Accept: */*\r\n"
                                   "\r\n";

static volatile uint64_t sink;

static int raw_cb(http_parser *hp)
{
    (void)hp;
    return 0;
}

static int raw_data_cb(http_parser *hp, const char *at, size_t len)
{
    (void)hp;
    (void)at;
    (void)len;
    return 0;
}

static int raw_done(http_parser *hp)
{
    sink++;
    (void)hp;
    return 0;
}

static const http_parser_settings raw_settings = {
    .on_message_begin = raw_cb,
    .on_url = raw_data_cb,
    .on_status = raw_data_cb,
    .on_header_field = raw_data_cb,
    .on_header_value = raw_data_cb,
    .on_headers_complete = raw_cb,
    .on_body = raw_data_cb,
    .on_message_complete = raw_done,
};

/* Nanoseconds per response for raw http-parser over buf (n responses per buffer). */
static double run_raw(const char *buf, size_t len, int n, enum http_parser_type type)
{
    http_parser hp;
    http_parser_init(&hp, type);
    int64_t t0 = hc_now_ns();
    for (int i = 0; i < RESPONSES / n; i++) {
        size_t got = http_parser_execute(&hp, &raw_settings, buf, len);
        if (got != len) {
            fprintf(stderr, "raw parse failed: %s\n", http_errno_name(HTTP_PARSER_ERRNO(&hp)));
            exit(1);
        }
    }
    return (double)(hc_now_ns() - t0) / RESPONSES;
}

/* Nanoseconds per message for hc_http_parse over buf, one message per call. */
static double run_hc(const char *buf, size_t len, int n, unsigned flags)
{
    struct hc_http_parser p;
    if (hc_http_parser_init(&p, flags, NULL) != 0)
        exit(1);
    int64_t t0 = hc_now_ns();
    for (int i = 0; i < RESPONSES / n; i++) {
        size_t off = 0;
        while (off < len) {
            ssize_t got = hc_http_parse(&p, buf + off, len - off);
            if (got < 0) {
                fprintf(stderr, "hc parse failed: %s\n", hc_strerror((int)got));
                exit(1);
            }
            off += (size_t)got;
            sink += (uint64_t)p.msg.status + p.msg.nheaders;
        }
    }
    double ns = (double)(hc_now_ns() - t0) / RESPONSES;
    hc_http_parser_destroy(&p);
    return ns;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

enum { RAW, HC_FULL, HC_SKIP, RAW_REQ, HC_REQ, HC_REQ_SLOW };

static double median(int kind, const char *buf, size_t len, int n)
{
    double t[RUNS];
    for (int r = 0; r < RUNS; r++) {
        switch (kind) {
        case RAW:
            t[r] = run_raw(buf, len, n, HTTP_RESPONSE);
            break;
        case HC_FULL:
            t[r] = run_hc(buf, len, n, HC_HTTP_RESPONSE);
            break;
        case HC_SKIP:
            t[r] =
                run_hc(buf, len, n, HC_HTTP_RESPONSE | HC_HTTP_SKIP_HEADERS | HC_HTTP_COUNT_BODY);
            break;
        case RAW_REQ:
            t[r] = run_raw(buf, len, n, HTTP_REQUEST);
            break;
        case HC_REQ:
            t[r] = run_hc(buf, len, n, HC_HTTP_REQUEST);
            break;
        default:
            t[r] = run_hc(buf, len, n, HC_HTTP_REQUEST | HC_HTTP_NO_FAST);
            break;
        }
    }
    qsort(t, RUNS, sizeof(t[0]), cmp_double);
    return t[RUNS / 2];
}

/* Copies one message count times into a new buffer (pipelining). */
static char *repeat(const char *msg, size_t len, int count)
{
    char *buf = malloc(len * (size_t)count);
    if (buf == NULL)
        exit(1);
    for (int i = 0; i < count; i++)
        memcpy(buf + (size_t)i * len, msg, len);
    return buf;
}

/* The request cases: hc's fast path, hc without it (as before it) and raw http-parser. */
static void bench_requests(void)
{
    size_t wrk = sizeof(request_wrk) - 1;
    size_t curl = sizeof(request_curl) - 1;
    char *wrk_many = repeat(request_wrk, wrk, PIPELINED);
    char *curl_many = repeat(request_curl, curl, PIPELINED);
    printf("\nrequests: wrk's GET (%zu bytes, 1 header), curl's GET (%zu bytes, 3 headers)\n", wrk,
           curl);
    printf("%-28s %10s %10s %10s %10s\n", "case", "ns/req", "req/s", "hc/raw", "fast/slow");
    struct {
        const char *name;
        const char *buf;
        size_t len;
        int n;
    } cases[] = {{"wrk", request_wrk, wrk, 1},
                 {"wrk x16", wrk_many, wrk * PIPELINED, PIPELINED},
                 {"curl", request_curl, curl, 1},
                 {"curl x16", curl_many, curl * PIPELINED, PIPELINED}};
    for (size_t c = 0; c < HC_ARRAY_LEN(cases); c++) {
        double raw = median(RAW_REQ, cases[c].buf, cases[c].len, cases[c].n);
        double slow = median(HC_REQ_SLOW, cases[c].buf, cases[c].len, cases[c].n);
        double fast = median(HC_REQ, cases[c].buf, cases[c].len, cases[c].n);
        char label[64];
        snprintf(label, sizeof(label), "%s raw http-parser", cases[c].name);
        printf("%-28s %10.1f %10.0f %10s\n", label, raw, 1e9 / raw, "1.00");
        snprintf(label, sizeof(label), "%s hc no-fast", cases[c].name);
        printf("%-28s %10.1f %10.0f %10.2f %10s\n", label, slow, 1e9 / slow, slow / raw, "1.00");
        snprintf(label, sizeof(label), "%s hc", cases[c].name);
        printf("%-28s %10.1f %10.0f %10.2f %10.2f\n", label, fast, 1e9 / fast, fast / raw,
               fast / slow);
    }
    free(wrk_many);
    free(curl_many);
}

int main(void)
{
    size_t one = sizeof(response) - 1;
    char *many = malloc(one * PIPELINED);
    for (int i = 0; i < PIPELINED; i++)
        memcpy(many + (size_t)i * one, response, one);

    printf("response: %zu bytes (5 headers, 62-byte JSON body); median of %d runs x %d "
           "responses\n",
           one, RUNS, RESPONSES);
    printf("%-28s %10s %10s %10s\n", "case", "ns/resp", "resp/s", "hc/raw");
    struct {
        const char *name;
        const char *buf;
        size_t len;
        int n;
    } cases[] = {{"single", response, one, 1}, {"pipelined x16", many, one * PIPELINED, PIPELINED}};
    for (size_t c = 0; c < HC_ARRAY_LEN(cases); c++) {
        double raw = median(RAW, cases[c].buf, cases[c].len, cases[c].n);
        double full = median(HC_FULL, cases[c].buf, cases[c].len, cases[c].n);
        double skip = median(HC_SKIP, cases[c].buf, cases[c].len, cases[c].n);
        char label[64];
        snprintf(label, sizeof(label), "%s raw http-parser", cases[c].name);
        printf("%-28s %10.1f %10.0f %10s\n", label, raw, 1e9 / raw, "1.00");
        snprintf(label, sizeof(label), "%s hc headers", cases[c].name);
        printf("%-28s %10.1f %10.0f %10.2f\n", label, full, 1e9 / full, full / raw);
        snprintf(label, sizeof(label), "%s hc skip-headers", cases[c].name);
        printf("%-28s %10.1f %10.0f %10.2f\n", label, skip, 1e9 / skip, skip / raw);
    }
    free(many);
    bench_requests();
    return 0;
}
