/*
 * test_http_fast.c: the request fast path of common/http.c gives what the general path gives
 * (HC_HTTP_NO_FAST), for the simple requests it takes, the ones it must leave alone, and at the
 * limits.
 *
 * Which path ran is not part of the API, so these tests peek at one private field: a fresh
 * parser's http-parser state says 0 for the HTTP major version until http-parser has read a
 * start line, which the fast path never asks it to do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/http.h"
#include "hc/limits.h"

static void put_fields(struct hc_buf *out, const struct hc_http_header *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hc_buf_append_str(out, "[");
        hc_buf_append(out, h[i].name, h[i].name_len);
        hc_buf_append_str(out, "=");
        hc_buf_append(out, h[i].value, h[i].value_len);
        hc_buf_append_str(out, "]");
    }
}

/* Every field of m; the method as its address too, since both paths must give the same one. */
static void put_msg(struct hc_buf *out, const struct hc_http_msg *m)
{
    hc_buf_appendf(out, "%s@%p %.*s %d.%d ", m->method, (const void *)m->method, (int)m->target_len,
                   m->target, m->version_major, m->version_minor);
    put_fields(out, m->headers, m->nheaders);
    hc_buf_appendf(out, " t%zu cl%d=%llu ch%d ka%d up%d nb%d bytes%llu body=", m->ntrailers,
                   m->has_content_length, (unsigned long long)m->content_length, m->chunked,
                   m->keep_alive, m->upgrade, m->no_body, (unsigned long long)m->body_bytes);
    hc_buf_append(out, m->body, m->body_len);
}

/*
 * Parses s as one read after another (one message per call, as a server does), then a last
 * call and end-of-stream; writes every result and message to out. *first_fast (if not NULL)
 * says whether the fast path took the first message (see the top of the file).
 */
static void parse_all(const char *s, size_t len, unsigned flags, const struct hc_http_limits *lim,
                      struct hc_buf *out, bool *first_fast)
{
    struct hc_http_parser p;
    assert_int_equal(hc_http_parser_init(&p, flags, lim), 0);
    size_t off = 0;
    bool first = true;
    while (off < len) {
        ssize_t n = hc_http_parse(&p, s + off, len - off);
        if (first && first_fast != NULL)
            *first_fast = n > 0 && p.hp.http_major == 0;
        first = false;
        hc_buf_appendf(out, "<%zd head%d ", n, hc_http_parser_head_complete(&p));
        if (n < 0) {
            if (n == -EAGAIN && hc_http_parser_head_complete(&p))
                put_msg(out, &p.msg);
            hc_buf_append_str(out, ">");
            break;
        }
        put_msg(out, &p.msg);
        hc_buf_append_str(out, ">");
        off += (size_t)n;
    }
    hc_buf_appendf(out, " again%zd eof%d", hc_http_parse(&p, "\r\n", 2), hc_http_parse_eof(&p));
    hc_http_parser_destroy(&p);
}

/* Asserts that both paths agree on s; returns whether the fast path took the first message. */
static bool same_both_ways(const char *s, unsigned flags, const struct hc_http_limits *lim)
{
    struct hc_buf fast, slow;
    hc_buf_init(&fast, 0);
    hc_buf_init(&slow, 0);
    bool took = false;
    parse_all(s, strlen(s), HC_HTTP_REQUEST | flags, lim, &fast, &took);
    parse_all(s, strlen(s), HC_HTTP_REQUEST | HC_HTTP_NO_FAST | flags, lim, &slow, NULL);
    if (fast.len != slow.len || memcmp(fast.data, slow.data, fast.len) != 0)
        fprintf(stderr, "input: %s\nfast: %s\nslow: %s\n", s, hc_buf_cstr(&fast),
                hc_buf_cstr(&slow));
    assert_string_equal(hc_buf_cstr(&fast), hc_buf_cstr(&slow));
    hc_buf_destroy(&fast);
    hc_buf_destroy(&slow);
    return took;
}

static const char *const simple[] = {
    "GET /api/orders/258 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
    "GET /api/orders/258 HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/7.88.1\r\n"
    "Accept: */*\r\n\r\n",
    "POST /api/orders HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
    "Content-Length: 11\r\n\r\n{\"qty\": 2 }",
    "GET / HTTP/1.1\r\n\r\n",
    "HEAD /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
    "PUT /x HTTP/1.1\r\ncontent-length: 3  \r\n\r\nabc",
    "DELETE /orders/1?force=1 HTTP/1.1\r\nConnection: close\r\n\r\n",
    "PATCH /o HTTP/1.1\r\nCONNECTION: KEEP-ALIVE\r\n\r\n",
    "OPTIONS /o HTTP/1.1\r\nX-Empty:\r\nX-Ws: \t a b \t\r\nX-Tight:v\r\n\r\n",
    "GET /caf\xc3\xa9?q=%20#frag HTTP/1.1\r\nX-Name: caf\xc3\xa9\r\n\r\n",
    "GET / HTTP/1.1\r\nUpgrade-Insecure-Requests: 1\r\nAccept-Encoding: gzip, br\r\n\r\n",
    "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "GET /a HTTP/1.0\r\nHost: h\r\n\r\n",
    "GET /a HTTP/1.0\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n",
    "GET /a HTTP/1.1\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n",
};

static void simple_requests_take_the_fast_path_and_parse_the_same(void **state)
{
    (void)state;
    for (size_t i = 0; i < HC_ARRAY_LEN(simple); i++) {
        assert_true(same_both_ways(simple[i], 0, NULL));
        same_both_ways(simple[i], HC_HTTP_SKIP_HEADERS, NULL);
        same_both_ways(simple[i], HC_HTTP_COUNT_BODY, NULL);
    }
}

static void a_simple_request_has_the_fields_the_general_path_gives(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
    const char *req = "POST /orders?x=1 HTTP/1.1\r\nHost: shop\r\nX-Pad:  v  \r\n"
                      "Content-Length: 4\r\n\r\nbody";
    assert_int_equal(hc_http_parse(&p, req, strlen(req)), (ssize_t)strlen(req));
    assert_int_equal(p.hp.http_major, 0); /* the fast path read it */
    assert_ptr_equal(p.msg.method, http_method_str(HTTP_POST));
    assert_string_equal(p.msg.target, "/orders?x=1");
    assert_int_equal(p.msg.version_minor, 1);
    assert_int_equal(p.msg.nheaders, 3);
    assert_string_equal(p.msg.headers[1].value, "v");
    assert_int_equal(p.msg.headers[1].value_len, 1);
    assert_true(p.msg.has_content_length);
    assert_int_equal(p.msg.content_length, 4);
    assert_string_equal(p.msg.body, "body");
    assert_int_equal(p.msg.body_bytes, 4);
    assert_true(p.msg.keep_alive);
    assert_false(hc_http_parser_head_complete(&p));
    hc_http_parser_destroy(&p);
}

static void pipelined_simple_requests_come_out_one_per_call(void **state)
{
    (void)state;
    const char *in = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
                     "POST /2 HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"
                     "GET /3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"
                     "GET /4 HTTP/1.1\r\n\r\n"
                     "\r\nGET /5 HTTP/1.1\r\n\r\n"
                     "GET /6 HTTP/1.1\r\nConnection: close\r\n\r\n"
                     "GET /7 HTTP/1.1\r\n\r\n";
    same_both_ways(in, 0, NULL);
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
    size_t off = 0;
    const char *want[] = {"/1", "/2", "/3", "/4", "/5", "/6"};
    for (size_t i = 0; i < HC_ARRAY_LEN(want); i++) {
        ssize_t n = hc_http_parse(&p, in + off, strlen(in) - off);
        assert_true(n > 0);
        assert_string_equal(p.msg.target, want[i]);
        off += (size_t)n;
    }
    assert_false(p.msg.keep_alive);
    assert_int_equal(hc_http_parse(&p, in + off, strlen(in) - off), HC_EPROTO);
    hc_http_parser_destroy(&p);
}

/* Requests the fast path must leave to the general path, which must still parse them. */
static const char *const declined[] = {
    "GET /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\na",
    "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
    "POST /x HTTP/1.1\r\nTransfer-Encodingx: y\r\nContent-Length: 1\r\n\r\na",
    "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
    "GET /x HTTP/1.1\r\nProxy-Connection: close\r\n\r\n",
    "GET /x HTTP/1.1\r\nConnection: close, te\r\n\r\n",
    "GET /x HTTP/1.1\r\nConnection: close\t\r\n\r\n",
    "GET /x HTTP/1.1\r\nConnection: closed\r\n\r\n",
    "GET /x HTTP/1.1\r\nContent-Lengthx: 1\r\n\r\n",
    "POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
    "POST /x HTTP/1.1\r\nContent-Length: 1\t\r\n\r\na",
    "POST /x HTTP/1.1\r\nContent-Length: +1\r\n\r\na",
    "POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nab",
    "GET /x HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n",
    "GET /x HTTP/1.1\nHost: h\n\n",
    "GET /x HTTP/1.1\r\nHost : h\r\n\r\n",
    "GET /x HTTP/1.1\r\nX-Bad: a\x01b\r\n\r\n",
    "GET /x HTTP/1.1\r\nX-Bad: a\rb\r\n\r\n",
    "GET /a\tb HTTP/1.1\r\n\r\n",
    "GET  /x HTTP/1.1\r\n\r\n",
    "GET http://h/x HTTP/1.1\r\n\r\n",
    "OPTIONS * HTTP/1.1\r\n\r\n",
    "CONNECT h:443 HTTP/1.1\r\n\r\n",
    "get /x HTTP/1.1\r\n\r\n",
    "GET /x HTTP/1.2\r\n\r\n",
    "GET /x HTTP/2.0\r\n\r\n",
    "GET /x HTTP/1.1 \r\n\r\n",
    "GET /x\r\n\r\n",
    "\r\nGET /x HTTP/1.1\r\n\r\n",
    "GET /x HTTP/1.1\r\nHost: h\r\n",
};

static void requests_outside_the_simple_shape_parse_as_before(void **state)
{
    (void)state;
    for (size_t i = 0; i < HC_ARRAY_LEN(declined); i++) {
        assert_false(same_both_ways(declined[i], 0, NULL));
        same_both_ways(declined[i], HC_HTTP_SKIP_HEADERS, NULL);
        same_both_ways(declined[i], HC_HTTP_COUNT_BODY, NULL);
    }
}

static void a_request_split_across_reads_parses_the_same(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
    const char *req = simple[1];
    size_t half = strlen(req) / 2;
    assert_int_equal(hc_http_parse(&p, req, half), -EAGAIN);
    assert_int_equal(hc_http_parse(&p, req + half, strlen(req) - half),
                     (ssize_t)(strlen(req) - half));
    assert_string_equal(hc_http_header_get(&p.msg, "user-agent", NULL), "curl/7.88.1");
    /* The next request is whole again: fast, and the same parser state serves it. */
    assert_int_equal(hc_http_parse(&p, req, strlen(req)), (ssize_t)strlen(req));
    assert_string_equal(hc_http_header_get(&p.msg, "accept", NULL), "*/*");
    hc_http_parser_destroy(&p);
}

static void limits_give_the_same_results_both_ways(void **state)
{
    (void)state;
    struct hc_http_limits few = {0, 2, 0};
    assert_true(same_both_ways("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n", 0, &few));
    assert_false(same_both_ways("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 0, &few));
    /* The header count is not checked when headers are skipped. */
    assert_true(same_both_ways("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
                               HC_HTTP_SKIP_HEADERS, &few));

    /* A header section of exactly max_header_bytes passes; one byte more fails. */
    const char *req = "GET /abc HTTP/1.1\r\nHost: h\r\n\r\n";
    struct hc_http_limits exact = {strlen(req), 0, 0};
    assert_true(same_both_ways(req, 0, &exact));
    exact.max_header_bytes--;
    assert_false(same_both_ways(req, 0, &exact));
    struct hc_buf out;
    hc_buf_init(&out, 0);
    parse_all(req, strlen(req), HC_HTTP_REQUEST, &exact, &out, NULL);
    char want[16];
    snprintf(want, sizeof(want), "<%d ", HC_ETOOLARGE);
    assert_non_null(strstr(hc_buf_cstr(&out), want));
    hc_buf_destroy(&out);

    struct hc_http_limits small_body = {0, 0, 4};
    assert_true(same_both_ways("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd", 0, &small_body));
    assert_false(
        same_both_ways("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde", 0, &small_body));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(simple_requests_take_the_fast_path_and_parse_the_same),
        cmocka_unit_test(a_simple_request_has_the_fields_the_general_path_gives),
        cmocka_unit_test(pipelined_simple_requests_come_out_one_per_call),
        cmocka_unit_test(requests_outside_the_simple_shape_parse_as_before),
        cmocka_unit_test(a_request_split_across_reads_parses_the_same),
        cmocka_unit_test(limits_give_the_same_results_both_ways),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
