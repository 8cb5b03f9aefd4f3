/*
 * reply.c: responses. A response is built whole in the request's own buffer, which is reused
 * from request to request, so answering allocates nothing once a connection is warm.
 */
#include "http/reply.h"

#include <stdlib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_EXTRA 8

/* Copies n bytes to *p and moves *p past them. */
static void put(char **p, const void *src, size_t n)
{
    memcpy(*p, src, n);
    *p += n;
}

/* Writes the decimal digits of v at *p and moves *p past them. */
static void put_uint(char **p, size_t v)
{
    char d[HC_DEC_MAX];
    const char *s = hc_dec_u64(d, v);

    put(p, s, (size_t)(d + sizeof(d) - s));
}

/*
 * Writes a whole response with plain copies. Every header hcserver sends is its own text
 * (names are constants, values are numbers, ids, tags or fixed words), so the checks of
 * hc_http_write_response would find nothing; skipping its formatted printing is measurable on
 * the cached-GET path (see bench/hcserver_vs_nginx.sh). The room is reserved once for the
 * whole response, and the pieces are copied straight in. Returns 0 or HC_ETOOLARGE.
 */
static int write_response(struct hc_buf *b, int status, const struct hc_http_header *h, size_t n,
                          const void *body, size_t len, bool head)
{
    const char *reason = hc_http_status_reason(status);
    size_t reason_len = reason ? strlen(reason) : 7;
    bool has_body = !(status < 200 || status == 204 || status == 304);
    /* The status line, Content-Length with any value and the blank line fit in 64 bytes. */
    size_t need = 64 + reason_len + len;

    for (size_t i = 0; i < n; i++)
        need += h[i].name_len + h[i].value_len + 4;
    /* Check the whole size first, so a response is either whole or not written at all. */
    if (b->max - b->len < need || hc_buf_reserve(b, need) < 0)
        return HC_ETOOLARGE;
    char *p = b->data + b->len;
    put(&p, "HTTP/1.1 ", 9);
    put_uint(&p, (size_t)status);
    put(&p, " ", 1);
    put(&p, reason ? reason : "Unknown", reason_len);
    put(&p, "\r\n", 2);
    for (size_t i = 0; i < n; i++) {
        put(&p, h[i].name, h[i].name_len);
        put(&p, ": ", 2);
        put(&p, h[i].value, h[i].value_len);
        put(&p, "\r\n", 2);
    }
    if (has_body) {
        put(&p, "Content-Length: ", 16);
        put_uint(&p, len);
        put(&p, "\r\n\r\n", 4);
        if (len > 0 && !head) /* HEAD: the length GET would send, no body */
            put(&p, body, len);
    } else {
        put(&p, "\r\n", 2);
    }
    b->len = (size_t)(p - b->data);
    b->data[b->len] = '\0';
    return 0;
}

void reply(struct req *r, int status, const char *ctype, const void *body, size_t len,
           const struct hc_http_header *extra, size_t nextra)
{
    struct hc_http_header h[MAX_EXTRA + 2 + REQ_MAX_STICKY];
    size_t n = 0;

    if (ctype != NULL)
        h[n++] = HC_HTTP_HDR("Content-Type", ctype);
    if (!r->keep_alive)
        h[n++] = HC_HTTP_HDR("Connection", "close");
    for (size_t i = 0; i < nextra && i < MAX_EXTRA; i++)
        h[n++] = extra[i];
    for (unsigned i = 0; i < r->nsticky; i++)
        h[n++] = r->sticky[i];
    hc_buf_reset(&r->resp);
    r->status = status;
    if (write_response(&r->resp, status, h, n, body, len, r->head) < 0) {
        /* Only a body over the response cap gets here: say so rather than send half. */
        static const char msg[] = "{\"title\":\"Internal Server Error\",\"status\":500,"
                                  "\"detail\":\"the response was too large\"}";
        hc_buf_reset(&r->resp);
        r->status = 500;
        h[0] = HC_HTTP_HDR("Content-Type", "application/problem+json");
        write_response(&r->resp, 500, h, 1, msg, sizeof(msg) - 1, r->head);
    }
}

void reply_json(struct req *r, int status, const char *body, size_t len,
                const struct hc_http_header *extra, size_t nextra)
{
    reply(r, status, "application/json", body, len, extra, nextra);
}

/*
 * The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), at most n bytes; 0 when the bytes there are not one.
 */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    size_t len;
    unsigned lo = 0x80, hi = 0xbf; /* the range of the second byte */

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        len = 2;
    else if (p[0] >= 0xe0 && p[0] <= 0xef)
        len = 3;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4)
        len = 4;
    else
        return 0;
    if (p[0] == 0xe0)
        lo = 0xa0;
    else if (p[0] == 0xed)
        hi = 0x9f;
    else if (p[0] == 0xf0)
        lo = 0x90;
    else if (p[0] == 0xf4)
        hi = 0x8f;
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return len;
}

/*
 * Appends text to body[*o] as the inside of a JSON string, stopping before cap - 8. The text
 * may quote client input (a path, a SKU), which can hold any byte: quotes, backslashes and
 * control characters are escaped, well-formed UTF-8 is kept, and every byte that is not part
 * of a well-formed sequence (0x80-0xff on its own, a sequence cut by the detail's bound)
 * becomes U+FFFD, so the document is always valid JSON (RFC 8259 8.1).
 */
static void json_escape(char *body, size_t *o, size_t cap, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t left = strlen(text);

    while (left > 0 && *o + 8 < cap) {
        size_t n = utf8_seq(p, left);
        if (n == 0) {
            memcpy(body + *o, "\\ufffd", 6);
            *o += 6;
            n = 1;
        } else if (p[0] == '"' || p[0] == '\\') {
            body[(*o)++] = '\\';
            body[(*o)++] = (char)p[0];
        } else if (p[0] < 0x20 || p[0] == 0x7f) {
            *o += (size_t)snprintf(body + *o, cap - *o, "\\u%04x", p[0]);
        } else {
            memcpy(body + *o, p, n);
            *o += n;
        }
        p += n;
        left -= n;
    }
}

static void problem_v(struct req *r, int status, const struct hc_http_header *extra, size_t nextra,
                      const char *fmt, va_list ap)
{
    char detail[512];
    char body[1024];
    const char *title = hc_http_status_reason(status);
    size_t o = 0;
    int n;

    vsnprintf(detail, sizeof(detail), fmt, ap);
    n = snprintf(body, sizeof(body),
                 "{\"type\":\"about:blank\",\"title\":\"%s\",\"status\":%d,"
                 "\"detail\":\"",
                 title ? title : "Error", status);
    o = (size_t)n;
    json_escape(body, &o, sizeof(body), detail);
    body[o++] = '"';
    body[o++] = '}';
    reply(r, status, "application/problem+json", body, o, extra, nextra);
}

void reply_problem(struct req *r, int status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    problem_v(r, status, NULL, 0, fmt, ap);
    va_end(ap);
}

void reply_problem_h(struct req *r, int status, const struct hc_http_header *extra, size_t nextra,
                     const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    problem_v(r, status, extra, nextra, fmt, ap);
    va_end(ap);
}
