/*
 * test_http_head.c: the head of a message read before its body (hc_http_parser_head_complete),
 * what a server needs to answer "Expect: 100-continue" or to refuse a request early.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hc/http.h"
#include "hc/limits.h"

static const char expect_head[] = "POST /api/orders HTTP/1.1\r\n"
                                  "Host: shop\r\n"
                                  "Expect: 100-continue\r\n"
                                  "Content-Length: 5\r\n"
                                  "\r\n";

static void a_request_head_is_readable_before_its_body_arrives(void **state)
{
    (void)state;
    struct hc_http_parser p;
    assert_int_equal(hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL), 0);
    assert_int_equal(hc_http_parse(&p, expect_head, strlen(expect_head)), -EAGAIN);
    assert_true(hc_http_parser_head_complete(&p));
    assert_string_equal(p.msg.method, "POST");
    assert_string_equal(p.msg.target, "/api/orders");
    assert_int_equal(p.msg.target_len, 11);
    assert_int_equal(p.msg.version_major, 1);
    assert_int_equal(p.msg.version_minor, 1);
    assert_int_equal(p.msg.nheaders, 3);
    size_t len = 0;
    assert_string_equal(hc_http_header_get(&p.msg, "expect", &len), "100-continue");
    assert_int_equal(len, 12);
    assert_true(p.msg.has_content_length);
    assert_int_equal(p.msg.content_length, 5);
    assert_int_equal(p.msg.body_len, 0);
    assert_int_equal(p.msg.body_bytes, 0);
    hc_http_parser_destroy(&p);
}

static void the_head_stays_readable_while_the_body_trickles_in(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
    assert_int_equal(hc_http_parse(&p, expect_head, strlen(expect_head)), -EAGAIN);
    assert_int_equal(hc_http_parse(&p, "hel", 3), -EAGAIN);
    assert_true(hc_http_parser_head_complete(&p));
    assert_string_equal(p.msg.target, "/api/orders");
    assert_string_equal(hc_http_header_get(&p.msg, "Host", NULL), "shop");
    assert_int_equal(p.msg.body_bytes, 3);
    assert_int_equal(hc_http_parse(&p, "lo", 2), 2);
    assert_false(hc_http_parser_head_complete(&p));
    assert_string_equal(p.msg.body, "hello");
    assert_string_equal(p.msg.target, "/api/orders");
    assert_string_equal(hc_http_header_get(&p.msg, "Expect", NULL), "100-continue");
    assert_true(p.msg.keep_alive);
    hc_http_parser_destroy(&p);
}

static void the_head_is_complete_exactly_when_the_blank_line_ends(void **state)
{
    (void)state;
    size_t head_len = strlen(expect_head);
    /* Split the head at every point: complete only once its last byte is in. */
    for (size_t cut = 1; cut <= head_len; cut++) {
        struct hc_http_parser p;
        hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
        assert_int_equal(hc_http_parse(&p, expect_head, cut), -EAGAIN);
        assert_int_equal(hc_http_parser_head_complete(&p), cut == head_len);
        if (cut < head_len)
            assert_int_equal(hc_http_parse(&p, expect_head + cut, head_len - cut), -EAGAIN);
        assert_true(hc_http_parser_head_complete(&p));
        assert_string_equal(hc_http_header_get(&p.msg, "Expect", NULL), "100-continue");
        assert_int_equal(p.msg.content_length, 5);
        hc_http_parser_destroy(&p);
    }
}

static void a_message_read_whole_is_never_seen_head_complete(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
    assert_false(hc_http_parser_head_complete(&p));
    const char *get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(hc_http_parse(&p, get, strlen(get)), (ssize_t)strlen(get));
    assert_false(hc_http_parser_head_complete(&p));
    const char *post = "POST /o HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi";
    assert_int_equal(hc_http_parse(&p, post, strlen(post)), (ssize_t)strlen(post));
    assert_false(hc_http_parser_head_complete(&p));
    const char *empty = "POST /o HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n";
    assert_int_equal(hc_http_parse(&p, empty, strlen(empty)), (ssize_t)strlen(empty));
    assert_false(hc_http_parser_head_complete(&p));
    hc_http_parser_destroy(&p);
}

static void a_pipelined_head_belongs_to_the_message_after_the_complete_one(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
    const char *in = "GET /first HTTP/1.1\r\n\r\n"
                     "PUT /second HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
    size_t len = strlen(in);
    ssize_t n = hc_http_parse(&p, in, len);
    assert_int_equal(n, 23);
    assert_string_equal(p.msg.target, "/first");
    assert_false(hc_http_parser_head_complete(&p));
    assert_int_equal(hc_http_parse(&p, in + n, len - (size_t)n), -EAGAIN);
    assert_true(hc_http_parser_head_complete(&p));
    assert_string_equal(p.msg.method, "PUT");
    assert_string_equal(p.msg.target, "/second");
    assert_int_equal(p.msg.nheaders, 2);
    assert_int_equal(hc_http_parse(&p, "abc", 3), 3);
    assert_string_equal(p.msg.body, "abc");
    assert_false(hc_http_parser_head_complete(&p));
    hc_http_parser_destroy(&p);
}

static void chunked_trailers_keep_the_head_fields_intact(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
    const char *head = "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX-Pad: v  \t\r\n\r\n";
    assert_int_equal(hc_http_parse(&p, head, strlen(head)), -EAGAIN);
    assert_true(hc_http_parser_head_complete(&p));
    assert_true(p.msg.chunked);
    assert_false(p.msg.has_content_length);
    size_t len = 0;
    assert_string_equal(hc_http_header_get(&p.msg, "X-Pad", &len), "v");
    assert_int_equal(len, 1);
    assert_int_equal(hc_http_parse(&p, "3\r\nabc\r\n0\r\n", 11), -EAGAIN);
    assert_true(hc_http_parser_head_complete(&p));
    /* A long trailer makes the header store grow (and move): the head must follow it. */
    char trailer[4096];
    memcpy(trailer, "X-Sum: ", 7);
    memset(trailer + 7, 's', 3000);
    memcpy(trailer + 3007, "\r\n\r\n", 5);
    size_t tlen = strlen(trailer);
    /* All but the last blank line: the message is not complete, the head still readable. */
    assert_int_equal(hc_http_parse(&p, trailer, tlen - 2), -EAGAIN);
    assert_true(hc_http_parser_head_complete(&p));
    assert_string_equal(p.msg.target, "/c");
    assert_string_equal(hc_http_header_get(&p.msg, "X-Pad", &len), "v");
    assert_int_equal(p.msg.ntrailers, 0);
    assert_int_equal(hc_http_parse(&p, "\r\n", 2), 2);
    assert_false(hc_http_parser_head_complete(&p));
    assert_string_equal(p.msg.target, "/c");
    assert_int_equal(p.msg.nheaders, 2);
    assert_string_equal(hc_http_header_get(&p.msg, "X-Pad", &len), "v");
    assert_int_equal(len, 1);
    assert_int_equal(p.msg.ntrailers, 1);
    assert_string_equal(p.msg.trailers[0].name, "X-Sum");
    assert_int_equal(p.msg.trailers[0].value_len, 3000);
    assert_string_equal(p.msg.body, "abc");
    hc_http_parser_destroy(&p);
}

static void a_failed_message_is_never_head_complete(void **state)
{
    (void)state;
    struct hc_http_parser p;
    struct hc_http_limits lim = {.max_body_bytes = 10};
    hc_http_parser_init(&p, HC_HTTP_REQUEST, &lim);
    /* Too large by its Content-Length: refused as the head ends, before any body. */
    const char *big = "POST /o HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n";
    assert_int_equal(hc_http_parse(&p, big, strlen(big)), HC_ETOOLARGE);
    assert_false(hc_http_parser_head_complete(&p));
    hc_http_parser_reset(&p);
    /* Too large as its chunks arrive: the head was complete, the error ends it. */
    const char *chunked = "POST /o HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_int_equal(hc_http_parse(&p, chunked, strlen(chunked)), -EAGAIN);
    assert_true(hc_http_parser_head_complete(&p));
    assert_int_equal(hc_http_parse(&p, "b\r\nhello world\r\n", 16), HC_ETOOLARGE);
    assert_false(hc_http_parser_head_complete(&p));
    hc_http_parser_reset(&p);
    assert_false(hc_http_parser_head_complete(&p));
    hc_http_parser_destroy(&p);
}

static void a_too_large_failure_says_whether_the_head_was_whole(void **state)
{
    (void)state;
    struct hc_http_limits lim = {.max_header_bytes = 1024, .max_headers = 8, .max_body_bytes = 4};
    struct hc_http_parser p;
    char big[200];

    hc_http_parser_init(&p, HC_HTTP_REQUEST, &lim);
    assert_int_equal(hc_http_parse(&p, expect_head, strlen(expect_head)), HC_ETOOLARGE);
    assert_true(hc_http_parser_head_seen(&p)); /* Content-Length 5 over a 4-byte body limit */
    hc_http_parser_destroy(&p);
    memset(big, 'a', sizeof(big));
    memcpy(big, "GET /", 5);
    lim.max_header_bytes = 64;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, &lim);
    assert_int_equal(hc_http_parse(&p, big, sizeof(big)), HC_ETOOLARGE);
    assert_false(hc_http_parser_head_seen(&p)); /* the request line alone is over 64 bytes */
    hc_http_parser_destroy(&p);
}

static void an_http10_head_says_its_version(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
    const char *head = "POST /o HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n";
    assert_int_equal(hc_http_parse(&p, head, strlen(head)), -EAGAIN);
    assert_true(hc_http_parser_head_complete(&p));
    assert_int_equal(p.msg.version_major, 1);
    assert_int_equal(p.msg.version_minor, 0);
    hc_http_parser_destroy(&p);
}

static void a_response_head_is_readable_before_a_body_delimited_by_close(void **state)
{
    (void)state;
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_RESPONSE, NULL);
    const char *head = "HTTP/1.1 200 OK\r\nServer: t\r\n\r\n";
    assert_int_equal(hc_http_parse(&p, head, strlen(head)), -EAGAIN);
    assert_true(hc_http_parser_head_complete(&p));
    assert_int_equal(p.msg.status, 200);
    assert_string_equal(p.msg.reason, "OK");
    assert_string_equal(hc_http_header_get(&p.msg, "server", NULL), "t");
    assert_int_equal(hc_http_parse(&p, "body", 4), -EAGAIN);
    assert_true(hc_http_parser_head_complete(&p));
    assert_int_equal(hc_http_parse_eof(&p), 1);
    assert_false(hc_http_parser_head_complete(&p));
    assert_string_equal(p.msg.body, "body");
    assert_string_equal(p.msg.reason, "OK");
    hc_http_parser_destroy(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_request_head_is_readable_before_its_body_arrives),
        cmocka_unit_test(the_head_stays_readable_while_the_body_trickles_in),
        cmocka_unit_test(the_head_is_complete_exactly_when_the_blank_line_ends),
        cmocka_unit_test(a_message_read_whole_is_never_seen_head_complete),
        cmocka_unit_test(a_pipelined_head_belongs_to_the_message_after_the_complete_one),
        cmocka_unit_test(chunked_trailers_keep_the_head_fields_intact),
        cmocka_unit_test(a_failed_message_is_never_head_complete),
        cmocka_unit_test(a_too_large_failure_says_whether_the_head_was_whole),
        cmocka_unit_test(an_http10_head_says_its_version),
        cmocka_unit_test(a_response_head_is_readable_before_a_body_delimited_by_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
