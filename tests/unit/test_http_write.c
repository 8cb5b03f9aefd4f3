/* test_http_write.c: the HTTP/1.1 writers and reason phrases of common/http_write.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hc/http.h"

static void a_request_is_written_with_host_headers_and_length(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    struct hc_http_header h[] = {HC_HTTP_HDR("Content-Type", "application/json"),
                                 HC_HTTP_HDR("X-Trace", "a\tb")};
    assert_int_equal(hc_http_write_request(&b, "POST", "/orders?x=1", "shop:8080", h, 2, "{}", 2),
                     0);
    assert_string_equal(hc_buf_cstr(&b), "POST /orders?x=1 HTTP/1.1\r\n"
                                         "Host: shop:8080\r\n"
                                         "Content-Type: application/json\r\n"
                                         "X-Trace: a\tb\r\n"
                                         "Content-Length: 2\r\n"
                                         "\r\n{}");
    hc_buf_destroy(&b);
}

static void a_bodiless_get_has_no_content_length(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(hc_http_write_request(&b, "GET", "/", NULL, NULL, 0, NULL, 0), 0);
    assert_string_equal(hc_buf_cstr(&b), "GET / HTTP/1.1\r\n\r\n");
    hc_buf_destroy(&b);
}

static void a_response_gets_its_standard_reason_and_length(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(hc_http_write_response(&b, 404, NULL, NULL, 0, "", 0), 0);
    assert_string_equal(hc_buf_cstr(&b), "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    hc_buf_reset(&b);
    assert_int_equal(hc_http_write_response(&b, 599, NULL, NULL, 0, "x", 1), 0);
    assert_string_equal(hc_buf_cstr(&b), "HTTP/1.1 599 \r\nContent-Length: 1\r\n\r\nx");
    hc_buf_reset(&b);
    struct hc_http_header etag = HC_HTTP_HDR("ETag", "\"v7\"");
    assert_int_equal(hc_http_write_response(&b, 304, "Not Changed", &etag, 1, NULL, 0), 0);
    assert_string_equal(hc_buf_cstr(&b), "HTTP/1.1 304 Not Changed\r\nETag: \"v7\"\r\n\r\n");
    hc_buf_destroy(&b);
}

static void a_caller_framed_body_gets_no_second_length(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    struct hc_http_header cl = HC_HTTP_HDR("content-length", "1234");
    assert_int_equal(hc_http_write_response(&b, 200, NULL, &cl, 1, NULL, 0), 0);
    assert_string_equal(hc_buf_cstr(&b), "HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n");
    hc_buf_destroy(&b);
}

static void header_injection_is_rejected_and_leaves_the_buffer_alone(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    hc_buf_append_str(&b, "keep");
    struct hc_http_header bad_values[] = {
        HC_HTTP_HDR("X", "a\r\nSet-Cookie: evil=1"),
        HC_HTTP_HDR("X", "a\nb"),
        HC_HTTP_HDR("X", "a\rb"),
        HC_HTTP_HDR("X", "a\x7f"),
        {"X", 1, "a\0b", 3},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(bad_values); i++) {
        assert_int_equal(hc_http_write_response(&b, 200, NULL, &bad_values[i], 1, "", 0), -EINVAL);
        assert_int_equal(hc_http_write_request(&b, "GET", "/", "h", &bad_values[i], 1, NULL, 0),
                         -EINVAL);
    }
    struct hc_http_header bad_names[] = {
        HC_HTTP_HDR("X\r\nY", "v"),
        HC_HTTP_HDR("X Y", "v"),
        HC_HTTP_HDR("X:Y", "v"),
        HC_HTTP_HDR("", "v"),
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(bad_names); i++)
        assert_int_equal(hc_http_write_response(&b, 200, NULL, &bad_names[i], 1, "", 0), -EINVAL);
    assert_int_equal(hc_http_write_request(&b, "GET", "/a b", NULL, NULL, 0, NULL, 0), -EINVAL);
    assert_int_equal(hc_http_write_request(&b, "GET", "/\r\nX: y", NULL, NULL, 0, NULL, 0),
                     -EINVAL);
    assert_int_equal(hc_http_write_request(&b, "GET", "", NULL, NULL, 0, NULL, 0), -EINVAL);
    assert_int_equal(hc_http_write_request(&b, "GET", "/", "h\r\nX: y", NULL, 0, NULL, 0), -EINVAL);
    assert_int_equal(hc_http_write_request(&b, "G T", "/", NULL, NULL, 0, NULL, 0), -EINVAL);
    assert_int_equal(hc_http_write_response(&b, 200, "OK\r\nX: y", NULL, 0, "", 0), -EINVAL);
    assert_int_equal(hc_http_write_response(&b, 99, NULL, NULL, 0, "", 0), -EINVAL);
    assert_int_equal(hc_http_write_response(&b, 1000, NULL, NULL, 0, "", 0), -EINVAL);
    assert_int_equal(hc_http_write_response(&b, 204, NULL, NULL, 0, "x", 1), -EINVAL);
    assert_string_equal(hc_buf_cstr(&b), "keep");
    hc_buf_destroy(&b);
}

static void a_write_past_the_buffer_cap_fails_and_rolls_back(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 40);
    hc_buf_append_str(&b, "prefix");
    assert_int_equal(hc_http_write_response(&b, 200, NULL, NULL, 0, "0123456789", 10),
                     HC_ETOOLARGE);
    assert_int_equal(b.len, 6);
    assert_string_equal(hc_buf_cstr(&b), "prefix");
    hc_buf_destroy(&b);
}

static void a_written_request_parses_back_to_the_same_fields(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    struct hc_http_header h[] = {HC_HTTP_HDR("Idempotency-Key", "k-1"),
                                 HC_HTTP_HDR("Accept", "*/*"), HC_HTTP_HDR("X-Empty", "")};
    const char body[] = "{\"sku\":\"A\",\"qty\":1}";
    assert_int_equal(
        hc_http_write_request(&b, "PATCH", "/o/9?f=1", "h.example", h, 3, body, strlen(body)), 0);
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_REQUEST, NULL);
    assert_int_equal(hc_http_parse(&p, b.data, b.len), (ssize_t)b.len);
    assert_string_equal(p.msg.method, "PATCH");
    assert_string_equal(p.msg.target, "/o/9?f=1");
    assert_int_equal(p.msg.nheaders, 5);
    assert_string_equal(hc_http_header_get(&p.msg, "host", NULL), "h.example");
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(p.msg.headers[i + 1].name, h[i].name);
        assert_string_equal(p.msg.headers[i + 1].value, h[i].value);
    }
    assert_int_equal(p.msg.content_length, strlen(body));
    assert_string_equal(p.msg.body, body);
    hc_http_parser_destroy(&p);
    hc_buf_destroy(&b);
}

static void a_written_response_parses_back_to_the_same_fields(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    struct hc_http_header h[] = {HC_HTTP_HDR("Retry-After", "3"),
                                 HC_HTTP_HDR("Content-Type", "text/plain")};
    assert_int_equal(hc_http_write_response(&b, 429, NULL, h, 2, "slow down", 9), 0);
    assert_int_equal(hc_http_write_response(&b, 204, NULL, NULL, 0, NULL, 0), 0);
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_RESPONSE, NULL);
    ssize_t n = hc_http_parse(&p, b.data, b.len);
    assert_true(n > 0);
    assert_int_equal(p.msg.status, 429);
    assert_string_equal(p.msg.reason, "Too Many Requests");
    assert_string_equal(hc_http_header_get(&p.msg, "retry-after", NULL), "3");
    assert_string_equal(p.msg.body, "slow down");
    assert_int_equal(hc_http_parse(&p, b.data + n, b.len - (size_t)n),
                     (ssize_t)(b.len - (size_t)n));
    assert_int_equal(p.msg.status, 204);
    assert_false(p.msg.has_content_length);
    hc_http_parser_destroy(&p);
    hc_buf_destroy(&b);
}

static void reason_phrases_come_from_the_registry(void **state)
{
    (void)state;
    assert_string_equal(hc_http_status_reason(100), "Continue");
    assert_string_equal(hc_http_status_reason(200), "OK");
    assert_string_equal(hc_http_status_reason(304), "Not Modified");
    assert_string_equal(hc_http_status_reason(409), "Conflict");
    assert_string_equal(hc_http_status_reason(429), "Too Many Requests");
    assert_string_equal(hc_http_status_reason(511), "Network Authentication Required");
    assert_null(hc_http_status_reason(418));
    assert_null(hc_http_status_reason(0));
    assert_null(hc_http_status_reason(-1));
    assert_null(hc_http_status_reason(600));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_request_is_written_with_host_headers_and_length),
        cmocka_unit_test(a_bodiless_get_has_no_content_length),
        cmocka_unit_test(a_response_gets_its_standard_reason_and_length),
        cmocka_unit_test(a_caller_framed_body_gets_no_second_length),
        cmocka_unit_test(header_injection_is_rejected_and_leaves_the_buffer_alone),
        cmocka_unit_test(a_write_past_the_buffer_cap_fails_and_rolls_back),
        cmocka_unit_test(a_written_request_parses_back_to_the_same_fields),
        cmocka_unit_test(a_written_response_parses_back_to_the_same_fields),
        cmocka_unit_test(reason_phrases_come_from_the_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
