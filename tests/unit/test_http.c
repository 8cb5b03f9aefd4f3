/* test_http.c: the incremental HTTP/1.1 parser of common/http.c (bounds, modes, pipelining). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hc/http.h"
#include "hc/limits.h"

/* Feeds s in pieces of step bytes until a message completes; returns the last result. */
static ssize_t feed(struct hc_http_parser *p, const char *s, size_t len, size_t step)
{
    size_t off = 0;
    while (off < len) {
        size_t n = HC_MIN(step, len - off);
        ssize_t rc = hc_http_parse(p, s + off, n);
        if (rc != -EAGAIN)
            return rc < 0 ? rc : (ssize_t)off + rc;
        off += n;
    }
    return -EAGAIN;
}

static ssize_t feed_str(struct hc_http_parser *p, const char *s, size_t step)
{
    return feed(p, s, strlen(s), step);
}

static void a_get_request_exposes_method_target_version_and_headers(void **state)
{
    (void)state;
    struct hc_http_parser p;
    assert_int_equal(hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL), 0);
    const char *req = "GET /orders?id=7 HTTP/1.1\r\nHost: shop\r\nACCEPT: text/plain\r\n\r\n";
    assert_int_equal(hc_http_parse(&p, req, strlen(req)), (ssize_t)strlen(req));
    assert_string_equal(p.msg.method, "GET");
    assert_string_equal(p.msg.target, "/orders?id=7");
    assert_int_equal(p.msg.target_len, 12);
    assert_int_equal(p.msg.version_major, 1);
    assert_int_equal(p.msg.version_minor, 1);
    assert_int_equal(p.msg.nheaders, 2);
    assert_true(p.msg.keep_alive);
    size_t len = 0;
    assert_string_equal(hc_http_header_get(&p.msg, "accept", &len), "text/plain");
    assert_int_equal(len, 10);
    assert_string_equal(hc_http_header_get(&p.msg, "HOST", NULL), "shop");
    assert_null(hc_http_header_get(&p.msg, "Content-Length", NULL));
    assert_null(hc_http_header_get(&p.msg, "Hos", NULL));
    hc_http_parser_destroy(&p);
}

static void headers_split_across_fragments_are_joined(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
    assert_int_equal(hc_http_parse(&p, "GET /pa", 7), -EAGAIN);
    assert_int_equal(hc_http_parse(&p, "th HTTP/1.1\r\nX-Lo", 17), -EAGAIN);
    assert_int_equal(hc_http_parse(&p, "ng-Name: val", 12), -EAGAIN);
    assert_int_equal(hc_http_parse(&p, "ue one\r", 7), -EAGAIN);
    assert_int_equal(hc_http_parse(&p, "\n\r\n", 3), 3);
    assert_string_equal(p.msg.target, "/path");
    assert_int_equal(p.msg.nheaders, 1);
    assert_string_equal(p.msg.headers[0].name, "X-Long-Name");
    assert_string_equal(p.msg.headers[0].value, "value one");
    hc_http_parser_destroy(&p);
}

static void pipelined_requests_come_out_one_per_call_in_order(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
    const char *in = "GET /1 HTTP/1.1\r\n\r\n"
                     "POST /2 HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"
                     "PUT /3 HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
                     "GET /4 HTT";
    size_t len = strlen(in);
    const char *expect[] = {"/1", "/2", "/3"};
    size_t ends[] = {19, 62, 100};
    size_t off = 0;
    for (size_t i = 0; i < 3; i++) {
        ssize_t n = hc_http_parse(&p, in + off, len - off);
        assert_true(n > 0);
        off += (size_t)n;
        assert_int_equal(off, ends[i]);
        assert_string_equal(p.msg.target, expect[i]);
    }
    assert_string_equal(p.msg.method, "PUT");
    assert_int_equal(hc_http_parse(&p, in + off, len - off), -EAGAIN);
    assert_int_equal(hc_http_parse(&p, "P/1.1\r\n\r\n", 9), 9);
    assert_string_equal(p.msg.target, "/4");
    hc_http_parser_destroy(&p);
}

static void a_post_body_is_collected_and_counted(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
    const char *req = "POST /o HTTP/1.1\r\nContent-Length: 11\r\n\r\n{\"qty\": 2}\n";
    assert_int_equal(feed_str(&p, req, 5), (ssize_t)strlen(req));
    assert_true(p.msg.has_content_length);
    assert_int_equal(p.msg.content_length, 11);
    assert_int_equal(p.msg.body_len, 11);
    assert_int_equal(p.msg.body_bytes, 11);
    assert_string_equal(p.msg.body, "{\"qty\": 2}\n");
    hc_http_parser_destroy(&p);
}

static void count_body_mode_counts_bytes_and_keeps_none(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_RESPONSE | HC_HTTP_COUNT_BODY, NULL);
    const char *r =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n";
    assert_int_equal(feed_str(&p, r, 4), (ssize_t)strlen(r));
    assert_true(p.msg.chunked);
    assert_int_equal(p.msg.body_bytes, 7);
    assert_int_equal(p.msg.body_len, 0);
    assert_string_equal(p.msg.body, "");
    assert_null(p.body.data);
    hc_http_parser_destroy(&p);
}

static void skip_headers_mode_still_knows_status_length_and_keep_alive(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_RESPONSE | HC_HTTP_SKIP_HEADERS | HC_HTTP_COUNT_BODY, NULL);
    const char *r =
        "HTTP/1.0 404 Not Found\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\nnope!";
    assert_int_equal(feed_str(&p, r, 1), (ssize_t)strlen(r));
    assert_int_equal(p.msg.status, 404);
    assert_true(p.msg.has_content_length);
    assert_int_equal(p.msg.content_length, 5);
    assert_int_equal(p.msg.body_bytes, 5);
    assert_true(p.msg.keep_alive);
    assert_int_equal(p.msg.nheaders, 0);
    assert_string_equal(p.msg.reason, "");
    hc_http_parser_destroy(&p);
}

static void a_head_response_has_no_body_whatever_its_length_says(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_RESPONSE, NULL);
    const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n";
    const char *next = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    hc_http_parser_expect_head(&p);
    assert_int_equal(hc_http_parse(&p, r, strlen(r)), (ssize_t)strlen(r));
    assert_true(p.msg.no_body);
    assert_int_equal(p.msg.content_length, 500);
    assert_int_equal(p.msg.body_bytes, 0);
    /* The HEAD mark is used up: the next response reads its body. */
    assert_int_equal(hc_http_parse(&p, next, strlen(next)), (ssize_t)strlen(next));
    assert_false(p.msg.no_body);
    assert_string_equal(p.msg.body, "hi");
    hc_http_parser_destroy(&p);
}

static void a_response_delimited_by_close_completes_at_eof(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_RESPONSE, NULL);
    const char *r = "HTTP/1.1 200 OK\r\n\r\npartial and then";
    assert_int_equal(hc_http_parse(&p, r, strlen(r)), -EAGAIN);
    assert_int_equal(hc_http_parse(&p, " more", 5), -EAGAIN);
    assert_int_equal(hc_http_parse_eof(&p), 1);
    assert_string_equal(p.msg.body, "partial and then more");
    assert_false(p.msg.keep_alive);
    hc_http_parser_destroy(&p);
}

static void eof_inside_a_sized_body_reports_truncation(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_RESPONSE, NULL);
    const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
    assert_int_equal(hc_http_parse(&p, r, strlen(r)), -EAGAIN);
    assert_int_equal(hc_http_parse_eof(&p), HC_EPROTO);
    hc_http_parser_reset(&p);
    assert_int_equal(hc_http_parse_eof(&p), 0); /* a close between messages is clean */
    hc_http_parser_destroy(&p);
}

static void http10_and_connection_close_decide_keep_alive(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
    assert_true(feed_str(&p, "GET / HTTP/1.0\r\n\r\n", 100) > 0);
    assert_false(p.msg.keep_alive);
    hc_http_parser_reset(&p);
    assert_true(feed_str(&p, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 100) > 0);
    assert_true(p.msg.keep_alive);
    hc_http_parser_reset(&p);
    assert_true(feed_str(&p, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 100) > 0);
    assert_false(p.msg.keep_alive);
    /* Bytes after a closing message are refused, and the refusal sticks. */
    assert_int_equal(hc_http_parse(&p, "GET / HTTP/1.1\r\n\r\n", 18), HC_EPROTO);
    assert_int_equal(hc_http_parse(&p, "x", 1), HC_EPROTO);
    hc_http_parser_destroy(&p);
}

static void an_upgrade_request_stops_the_parser_at_its_end(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
    const char *r = "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x00";
    size_t len = strlen(r) + 1; /* the frame's second byte is a NUL */
    ssize_t n = hc_http_parse(&p, r, len);
    assert_int_equal(n, (ssize_t)len - 2);
    assert_true(p.msg.upgrade);
    assert_string_equal(hc_http_header_get(&p.msg, "upgrade", NULL), "websocket");
    assert_int_equal(hc_http_parse(&p, r + n, 2), HC_EPROTO);
    hc_http_parser_destroy(&p);
}

static void chunked_extensions_are_skipped_and_trailers_kept_apart(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
    const char *r = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "2;ext=\"v\"\r\nab\r\n1;x\r\nc\r\n0;last\r\nX-Sum: 99\r\n\r\n";
    assert_int_equal(feed_str(&p, r, 3), (ssize_t)strlen(r));
    assert_string_equal(p.msg.body, "abc");
    assert_int_equal(p.msg.nheaders, 1);
    assert_int_equal(p.msg.ntrailers, 1);
    assert_string_equal(p.msg.trailers[0].name, "X-Sum");
    assert_string_equal(p.msg.trailers[0].value, "99");
    assert_null(hc_http_header_get(&p.msg, "X-Sum", NULL));
    hc_http_parser_destroy(&p);
}

static void malformed_input_fails_with_ebadmsg_and_stays_failed(void **state)
{
    (void)state;
    const char *bad[] = {
        "GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",                    /* obs-fold */
        "GET  HTTP/1.1\r\n\r\n",                                        /* no target */
        "GET / HTTQ/1.1\r\n\r\n",                                       /* bad protocol name */
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfoo\r\n", /* bad chunk size */
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "\x01\x02\x03garbage",
        "GET / HTTP/1.1\r\nBad\x01Name: v\r\n\r\n",
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        for (size_t step = 1; step <= 64; step *= 8) {
            struct hc_http_parser p;
            hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
            assert_int_equal(feed_str(&p, bad[i], step), -EBADMSG);
            assert_int_equal(hc_http_parse(&p, "GET / HTTP/1.1\r\n\r\n", 18), -EBADMSG);
            hc_http_parser_reset(&p);
            ssize_t rc = hc_http_parse(&p, "GET / HTTP/1.1\r\n\r\n", 18);
            if (rc != 18)
                fail_msg("case %zu step %zu: %zd after reset", i, step, rc);
            hc_http_parser_destroy(&p);
        }
    }
    struct hc_http_parser r;
    hc_http_parser_init(&r, HC_HTTP_RESPONSE, NULL);
    assert_int_equal(feed_str(&r, "HTTP/1.1 99999 Huge\r\n\r\n", 64), -EBADMSG);
    hc_http_parser_destroy(&r);
}

static void a_header_section_over_the_byte_limit_fails_with_etoolarge(void **state)
{
    (void)state;
    struct hc_http_limits lim = {.max_header_bytes = 1024};
    size_t sizes[] = {900, 1100, 70 * 1024};
    for (size_t i = 0; i < HC_ARRAY_LEN(sizes); i++) {
        struct hc_buf req;
        hc_buf_init(&req, 0);
        hc_buf_append_str(&req, "GET / HTTP/1.1\r\nX-Big: ");
        for (size_t k = 0; k < sizes[i]; k++)
            hc_buf_putc(&req, 'v');
        hc_buf_append_str(&req, "\r\n\r\n");
        for (size_t step = 1; step <= 4096; step *= 64) {
            struct hc_http_parser p;
            hc_http_parser_init(&p, HC_HTTP_REQUEST, i < 2 ? &lim : NULL);
            ssize_t rc = feed(&p, req.data, req.len, step);
            if (i == 0)
                assert_int_equal(rc, (ssize_t)req.len);
            else
                assert_int_equal(rc, HC_ETOOLARGE);
            hc_http_parser_destroy(&p);
        }
        hc_buf_destroy(&req);
    }
}

static void endless_whitespace_in_the_header_section_is_bounded_too(void **state)
{
    (void)state;
    struct hc_http_limits lim = {.max_header_bytes = 256};
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST | HC_HTTP_SKIP_HEADERS, &lim);
    assert_int_equal(hc_http_parse(&p, "GET / HTTP/1.1\r\nX:", 18), -EAGAIN);
    ssize_t rc = -EAGAIN;
    for (int i = 0; i < 100 && rc == -EAGAIN; i++)
        rc = hc_http_parse(&p, "          ", 10);
    assert_int_equal(rc, HC_ETOOLARGE);
    hc_http_parser_destroy(&p);
}

static void too_many_headers_fail_with_etoolarge(void **state)
{
    (void)state;
    struct hc_http_limits lim = {.max_headers = 10};
    for (int count = 10; count <= 11; count++) {
        struct hc_buf req;
        hc_buf_init(&req, 0);
        hc_buf_append_str(&req, "GET / HTTP/1.1\r\n");
        for (int k = 0; k < count; k++)
            hc_buf_appendf(&req, "X-H%d: %d\r\n", k, k);
        hc_buf_append_str(&req, "\r\n");
        struct hc_http_parser p;
        hc_http_parser_init(&p, HC_HTTP_REQUEST, &lim);
        ssize_t rc = feed(&p, req.data, req.len, 5);
        if (count == 10) {
            assert_int_equal(rc, (ssize_t)req.len);
            assert_int_equal(p.msg.nheaders, 10);
            assert_string_equal(p.msg.headers[9].name, "X-H9");
        } else {
            assert_int_equal(rc, HC_ETOOLARGE);
        }
        hc_http_parser_destroy(&p);
        hc_buf_destroy(&req);
    }
}

static void a_body_over_the_cap_fails_with_etoolarge(void **state)
{
    (void)state;
    struct hc_http_limits lim = {.max_body_bytes = 8};
    struct hc_http_parser p;
    /* A declared length over the cap fails as soon as the headers end, before any body. */
    hc_http_parser_init(&p, HC_HTTP_REQUEST, &lim);
    assert_int_equal(feed_str(&p, "POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\n", 100),
                     HC_ETOOLARGE);
    hc_http_parser_reset(&p);
    assert_int_equal(feed_str(&p, "POST / HTTP/1.1\r\nContent-Length: 8\r\n\r\n12345678", 100), 46);
    assert_string_equal(p.msg.body, "12345678");
    /* A chunked body fails when its chunks add up past the cap. */
    hc_http_parser_reset(&p);
    assert_int_equal(feed_str(&p,
                              "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n",
                              3),
                     HC_ETOOLARGE);
    hc_http_parser_destroy(&p);
}

static void bad_flags_and_limits_above_the_maximum_are_refused(void **state)
{
    (void)state;
    struct hc_http_parser p;
    assert_int_equal(hc_http_parser_init(&p, 0, NULL), -EINVAL);
    hc_http_parser_destroy(&p);
    assert_int_equal(hc_http_parser_init(&p, HC_HTTP_REQUEST | HC_HTTP_RESPONSE, NULL), -EINVAL);
    hc_http_parser_destroy(&p);
    assert_int_equal(hc_http_parser_init(&p, HC_HTTP_REQUEST | 0x100, NULL), -EINVAL);
    hc_http_parser_destroy(&p);
    struct hc_http_limits lim = {.max_headers = HC_HTTP_MAX_HEADERS + 1};
    assert_int_equal(hc_http_parser_init(&p, HC_HTTP_REQUEST, &lim), -EINVAL);
    hc_http_parser_destroy(&p);
    hc_http_parser_destroy(NULL);
}

static void steady_state_parsing_reuses_its_storage(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_RESPONSE, NULL);
    const char *r = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n"
                    "Server: x\r\n\r\n{\"ok\": true}\n";
    size_t len = strlen(r);
    assert_int_equal(hc_http_parse(&p, r, len), (ssize_t)len);
    const char *head = p.head.data;
    const char *body = p.body.data;
    const void *spans = p.spans;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(hc_http_parse(&p, r, len), (ssize_t)len);
        assert_ptr_equal(p.head.data, head);
        assert_ptr_equal(p.body.data, body);
        assert_ptr_equal(p.spans, spans);
    }
    assert_string_equal(hc_http_header_get(&p.msg, "server", NULL), "x");
    hc_http_parser_destroy(&p);
}

static void set_keep_switches_modes_between_responses_only(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_RESPONSE | HC_HTTP_SKIP_HEADERS | HC_HTTP_COUNT_BODY, NULL);
    const char *r = "HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nhi";
    size_t len = strlen(r);
    assert_int_equal(hc_http_parse(&p, r, len), (ssize_t)len);
    assert_int_equal(p.msg.nheaders, 0);
    assert_int_equal(p.msg.body_len, 0);
    assert_int_equal(hc_http_parser_set_keep(&p, 0), 0);
    assert_int_equal(hc_http_parse(&p, r, len), (ssize_t)len);
    assert_string_equal(hc_http_header_get(&p.msg, "x-a", NULL), "1");
    assert_string_equal(p.msg.body, "hi");
    assert_int_equal(hc_http_parser_set_keep(&p, HC_HTTP_COUNT_BODY), 0);
    assert_int_equal(hc_http_parse(&p, r, 10), -EAGAIN);
    assert_int_equal(hc_http_parser_set_keep(&p, 0), -EBUSY);
    assert_int_equal(hc_http_parse(&p, r + 10, len - 10), (ssize_t)(len - 10));
    assert_string_equal(hc_http_header_get(&p.msg, "x-a", NULL), "1");
    assert_int_equal(p.msg.body_len, 0);
    assert_int_equal(p.msg.body_bytes, 2);
    assert_int_equal(hc_http_parser_set_keep(&p, HC_HTTP_NO_FAST), -EINVAL);
    hc_http_parser_destroy(&p);
}

/*
 * Parses req whole and a byte at a time, with and without the fast path; all four must give
 * want (0: the whole of req, as one message) and, when why is not NULL, that detail.
 */
static void expect_request(unsigned flags, const char *req, ssize_t want, const char *why)
{
    if (want == 0)
        want = (ssize_t)strlen(req);
    for (int fast = 0; fast < 2; fast++) {
        for (size_t step = 1; step <= 4096; step *= 4096) {
            struct hc_http_parser p;
            assert_int_equal(hc_http_parser_init(&p, flags | (fast ? 0 : HC_HTTP_NO_FAST), NULL),
                             0);
            ssize_t rc = feed_str(&p, req, step);
            if (rc != want)
                fail_msg("%s (fast %d, step %zu): %zd, want %zd (%s)", req, fast, step, rc, want,
                         hc_http_parser_detail(&p));
            if (why != NULL)
                assert_string_equal(hc_http_parser_detail(&p), why);
            hc_http_parser_destroy(&p);
        }
    }
}

static void the_host_rule_refuses_a_missing_a_second_or_an_invalid_host(void **state)
{
    (void)state;
    const unsigned rule = HC_HTTP_REQUEST | HC_HTTP_HOST_RULE;
    expect_request(rule, "GET / HTTP/1.1\r\n\r\n", -EBADMSG, "an HTTP/1.1 request without Host");
    expect_request(rule, "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", -EBADMSG,
                   "more than one Host");
    expect_request(rule, "GET / HTTP/1.0\r\nHost: a\r\nHOST: a\r\n\r\n", -EBADMSG,
                   "more than one Host");
    expect_request(rule, "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", -EBADMSG, "an invalid Host");
    expect_request(rule, "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", -EBADMSG, "an invalid Host");
    expect_request(rule, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", -EBADMSG, "an invalid Host");
    /* What the rule allows. */
    expect_request(rule, "GET / HTTP/1.0\r\n\r\n", 0, NULL);
    expect_request(rule, "GET / HTTP/1.1\r\nHost: shop.example:8080\r\n\r\n", 0, NULL);
    expect_request(rule, "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", 0, NULL);
    expect_request(rule, "GET / HTTP/1.1\r\nHost:\r\n\r\n", 0, NULL);
    /* Without the flag a parser takes what the packaged one takes. */
    expect_request(HC_HTTP_REQUEST, "GET / HTTP/1.1\r\n\r\n", 0, NULL);
    expect_request(HC_HTTP_REQUEST, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 0, NULL);
    /* The rule needs the headers. */
    struct hc_http_parser p;
    assert_int_equal(hc_http_parser_init(&p, rule | HC_HTTP_SKIP_HEADERS, NULL), -EINVAL);
    hc_http_parser_destroy(&p);
}

static void a_transfer_coding_other_than_chunked_is_not_supported(void **state)
{
    (void)state;
    const char *why = "a transfer coding other than chunked";
    expect_request(HC_HTTP_REQUEST,
                   "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", -ENOTSUP,
                   why);
    expect_request(HC_HTTP_REQUEST, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", -ENOTSUP,
                   why);
    expect_request(HC_HTTP_REQUEST,
                   "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n", 0,
                   NULL);
    /* A client reads a coded response as framed: decoding it is the caller's business. */
    struct hc_http_parser r;
    hc_http_parser_init(&r, HC_HTTP_RESPONSE, NULL);
    const char *resp =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n";
    assert_int_equal(hc_http_parse(&r, resp, strlen(resp)), (ssize_t)strlen(resp));
    assert_true(r.msg.chunked);
    hc_http_parser_destroy(&r);
}

static void an_error_names_its_fault(void **state)
{
    (void)state;
    expect_request(HC_HTTP_REQUEST,
                   "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n",
                   -EBADMSG, "chunk data not followed by CRLF");
    expect_request(HC_HTTP_REQUEST, "GET / HTTP/2.0\r\n\r\n", -EBADMSG,
                   "an HTTP version other than 1.x");
    expect_request(HC_HTTP_REQUEST, "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", -EBADMSG,
                   "a header line folded onto the next (obs-fold)");
    expect_request(HC_HTTP_REQUEST, "GET / HTTP/1.1\r\nA B: c\r\n\r\n", -EBADMSG, NULL);
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
    assert_string_equal(hc_http_parser_detail(&p), "no error");
    assert_int_equal(feed_str(&p, "\x01garbage", 64), -EBADMSG);
    assert_string_not_equal(hc_http_parser_detail(&p), "success");
    assert_string_not_equal(hc_http_parser_detail(&p), "no error");
    hc_http_parser_destroy(&p);
}

static void token_check_accepts_tchars_only(void **state)
{
    (void)state;
    assert_true(hc_http_is_token("X-Request-Id", 12));
    assert_true(hc_http_is_token("!#$%&'*+-.^_`|~09azAZ", 21));
    assert_false(hc_http_is_token("", 0));
    assert_false(hc_http_is_token("a b", 3));
    assert_false(hc_http_is_token("a:b", 3));
    assert_false(hc_http_is_token("a\r\nb", 4));
    assert_false(hc_http_is_token("caf\xc3\xa9", 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_get_request_exposes_method_target_version_and_headers),
        cmocka_unit_test(headers_split_across_fragments_are_joined),
        cmocka_unit_test(pipelined_requests_come_out_one_per_call_in_order),
        cmocka_unit_test(a_post_body_is_collected_and_counted),
        cmocka_unit_test(count_body_mode_counts_bytes_and_keeps_none),
        cmocka_unit_test(skip_headers_mode_still_knows_status_length_and_keep_alive),
        cmocka_unit_test(a_head_response_has_no_body_whatever_its_length_says),
        cmocka_unit_test(a_response_delimited_by_close_completes_at_eof),
        cmocka_unit_test(eof_inside_a_sized_body_reports_truncation),
        cmocka_unit_test(http10_and_connection_close_decide_keep_alive),
        cmocka_unit_test(an_upgrade_request_stops_the_parser_at_its_end),
        cmocka_unit_test(chunked_extensions_are_skipped_and_trailers_kept_apart),
        cmocka_unit_test(malformed_input_fails_with_ebadmsg_and_stays_failed),
        cmocka_unit_test(a_header_section_over_the_byte_limit_fails_with_etoolarge),
        cmocka_unit_test(endless_whitespace_in_the_header_section_is_bounded_too),
        cmocka_unit_test(too_many_headers_fail_with_etoolarge),
        cmocka_unit_test(a_body_over_the_cap_fails_with_etoolarge),
        cmocka_unit_test(bad_flags_and_limits_above_the_maximum_are_refused),
        cmocka_unit_test(steady_state_parsing_reuses_its_storage),
        cmocka_unit_test(set_keep_switches_modes_between_responses_only),
        cmocka_unit_test(token_check_accepts_tchars_only),
        cmocka_unit_test(the_host_rule_refuses_a_missing_a_second_or_an_invalid_host),
        cmocka_unit_test(a_transfer_coding_other_than_chunked_is_not_supported),
        cmocka_unit_test(an_error_names_its_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
