/*
 * fuzz_http_fastpath.c: the request parser's fast path (common/http.c, fast_request)
 * differentially against the general path it stands in for.
 *
 * The input is a stream of request bytes. It is parsed twice in the same way, once as
 * hc_http_parse does by default and once with HC_HTTP_NO_FAST (http-parser for every request),
 * and every observable result must be the same: each call's return value, every field of every
 * message (the method as the same static string; target, version, headers in order, framing,
 * keep-alive, upgrade, body, counts), the head seen before a body, the error and the detail
 * string, and what end-of-stream says. The stream is fed whole (as a server that read it in
 * one go: the fast path's case) and, in a second pair of runs, in two pieces split at a point
 * the input chooses (so a message may or may not arrive whole).
 *
 * Input layout: byte 0 picks options (bit 0 skip headers, bit 1 count body, bits 2-3 a limit
 * set), bytes 1 and 2 the split point, the rest is the stream.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/http.h"
#include "hc/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Calls per run; a stream of many tiny messages is compared up to here. */
#define FUZZ_MAX_CALLS 256

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_http_fastpath: fast and general paths differ: %s\n", what);
        abort();
    }
}

static void put_fields(struct hc_buf *out, const struct hc_http_header *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        check(h[i].name[h[i].name_len] == '\0', "name is NUL-terminated");
        check(h[i].value[h[i].value_len] == '\0', "value is NUL-terminated");
        hc_buf_appendf(out, "%zu:", h[i].name_len);
        hc_buf_append(out, h[i].name, h[i].name_len);
        hc_buf_appendf(out, "=%zu:", h[i].value_len);
        hc_buf_append(out, h[i].value, h[i].value_len);
        hc_buf_append_str(out, ";");
    }
}

/* Every field of m, byte for byte. The method is compared as a pointer: the same string. */
static void put_msg(struct hc_buf *out, const struct hc_http_msg *m)
{
    check(m->target[m->target_len] == '\0', "target is NUL-terminated");
    check(m->body[m->body_len] == '\0', "body is NUL-terminated");
    hc_buf_appendf(out, "{%p %zu:", (const void *)m->method, m->target_len);
    hc_buf_append(out, m->target, m->target_len);
    hc_buf_appendf(out, " %d.%d %d %zu:", m->version_major, m->version_minor, m->status,
                   m->reason_len);
    hc_buf_append(out, m->reason, m->reason_len);
    hc_buf_appendf(out, " h%zu ", m->nheaders);
    put_fields(out, m->headers, m->nheaders);
    hc_buf_appendf(out, " t%zu ", m->ntrailers);
    put_fields(out, m->trailers, m->ntrailers);
    hc_buf_appendf(out, " %d %llu %d%d%d%d %llu %zu:", m->has_content_length,
                   (unsigned long long)m->content_length, m->chunked, m->keep_alive, m->upgrade,
                   m->no_body, (unsigned long long)m->body_bytes, m->body_len);
    hc_buf_append(out, m->body, m->body_len);
    hc_buf_append_str(out, "}");
}

/* Parses data fed in pieces ending at cut (one cut, or none when cut == len), digesting. */
static void run(unsigned flags, const struct hc_http_limits *lim, const char *data, size_t len,
                size_t cut, struct hc_buf *out)
{
    struct hc_http_parser p;
    check(hc_http_parser_init(&p, flags, lim) == 0, "init succeeds");
    size_t off = 0;
    size_t calls = 0;
    while (off < len && calls++ < FUZZ_MAX_CALLS) {
        size_t piece_end = off < cut ? cut : len;
        ssize_t n = hc_http_parse(&p, data + off, piece_end - off);
        hc_buf_appendf(out, "<%zd %d ", n, hc_http_parser_head_complete(&p));
        if (n == -EAGAIN) {
            if (hc_http_parser_head_complete(&p))
                put_msg(out, &p.msg);
            off = piece_end;
            continue;
        }
        if (n < 0) {
            hc_buf_appendf(out, "%s", hc_http_parser_detail(&p));
            /* Sticky: the same error again. */
            hc_buf_appendf(out, " %zd>", hc_http_parse(&p, "x", 1));
            break;
        }
        check((size_t)n <= piece_end - off, "consumed within the piece");
        put_msg(out, &p.msg);
        hc_buf_appendf(out, " %s>", hc_http_parser_detail(&p));
        off += (size_t)n;
    }
    int rc = hc_http_parse_eof(&p);
    hc_buf_appendf(out, "eof %d %d", rc, hc_http_parser_head_complete(&p));
    if (rc == 1)
        put_msg(out, &p.msg);
    hc_http_parser_destroy(&p);
}

static void compare(unsigned flags, const struct hc_http_limits *lim, const char *data, size_t len,
                    size_t cut)
{
    struct hc_buf fast, slow;
    hc_buf_init(&fast, 0);
    hc_buf_init(&slow, 0);
    run(flags, lim, data, len, cut, &fast);
    run(flags | HC_HTTP_NO_FAST, lim, data, len, cut, &slow);
    if (fast.len != slow.len || memcmp(fast.data, slow.data, fast.len) != 0) {
        fprintf(stderr, "fast: %s\nslow: %s\n", hc_buf_cstr(&fast), hc_buf_cstr(&slow));
        check(false, "same calls, messages and end");
    }
    hc_buf_destroy(&fast);
    hc_buf_destroy(&slow);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    unsigned flags = HC_HTTP_REQUEST;
    if (data[0] & 1)
        flags |= HC_HTTP_SKIP_HEADERS;
    if (data[0] & 2)
        flags |= HC_HTTP_COUNT_BODY;
    if ((data[0] & 16) && !(flags & HC_HTTP_SKIP_HEADERS))
        flags |= HC_HTTP_HOST_RULE;
    struct hc_http_limits lim;
    switch ((data[0] >> 2) & 3) {
    case 1:
        lim = (struct hc_http_limits){64, 4, 16};
        break;
    case 2:
        lim = (struct hc_http_limits){300, 10, 1000};
        break;
    case 3:
        lim = (struct hc_http_limits){120, 2, 8};
        break;
    default:
        lim = (struct hc_http_limits){HC_HTTP_MAX_HEADER_BYTES, HC_HTTP_MAX_HEADERS,
                                      HC_HTTP_MAX_BODY_BYTES};
        break;
    }
    const char *in = (const char *)data + 3;
    size_t len = size - 3;
    size_t split = ((size_t)data[1] << 8 | data[2]) % (len + 1);
    compare(flags, &lim, in, len, len);
    compare(flags, &lim, in, len, split);
    return 0;
}
