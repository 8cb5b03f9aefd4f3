/*
 * test_client_frame.c: the client's fast response framing (common/client_frame.c): what it
 * takes, and that it leaves everything else to the library parser. tests/fuzz/fuzz_client_frame.c
 * checks it against the library on arbitrary bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hc/client.h"
#include "hc/core.h"

#define NGINX_200                                                                                  \
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sun, 22 Nov 2026 11:16:58 GMT\r\n"           \
    "Content-Type: application/json\r\nContent-Length: 22\r\nConnection: keep-alive\r\n\r\n"       \
    "{\"id\":1,\"status\":\"ok\"}"

/* hc_client_frame_response on a C string: its answer, with the status in *status (-1 if untouched).
 */
static size_t frame(const char *s, int *status)
{
    *status = -1;
    return hc_client_frame_response(s, strlen(s), status);
}

static void an_nginx_response_is_framed_whole(void **state)
{
    (void)state;
    int status;
    assert_int_equal(frame(NGINX_200, &status), strlen(NGINX_200));
    assert_int_equal(status, 200);
}

static void pipelined_responses_are_framed_one_at_a_time(void **state)
{
    (void)state;
    int status;
    assert_int_equal(
        frame(NGINX_200 "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n", &status),
        strlen(NGINX_200));
    assert_int_equal(status, 200);
    assert_int_equal(frame("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n", &status), 45);
    assert_int_equal(status, 404);
}

static void a_response_cut_anywhere_is_left_to_the_library(void **state)
{
    (void)state;
    int status = -1;
    for (size_t n = 0; n < strlen(NGINX_200); n++)
        assert_int_equal(hc_client_frame_response(NGINX_200, n, &status), 0);
    assert_int_equal(status, -1);
}

static void lengths_with_spaces_and_any_case_are_framed(void **state)
{
    (void)state;
    int status;
    const char *r =
        "HTTP/1.1 503 Busy\r\nCONTENT-LENGTH:\t 3  \r\nConnection: Keep-Alive\r\n\r\nabc";
    assert_int_equal(frame(r, &status), strlen(r));
    assert_int_equal(status, 503);
}

static void every_other_shape_is_left_to_the_library(void **state)
{
    (void)state;
    static const char *const other[] = {
        "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\t\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\nContent-Length: 1234567890\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\nContent-Length: 2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\nProxy-Connection: keep-alive\r\nContent-Length: 2\r\n\r\nhi",
        "HTTP/1.1 200 OK\r\nUpgrade: h2c\r\nContent-Length: 2\r\n\r\nhi",
        "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi",
        "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 600 Odd\r\nContent-Length: 0\r\n\r\n",
        "\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n",
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(other); i++) {
        int status;
        assert_int_equal(frame(other[i], &status), 0);
        assert_int_equal(status, -1);
    }
}

/* RFC 9110 tchar, spelled out apart from client_frame.c's table. */
static bool is_tchar(int b)
{
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
           (b != 0 && strchr("!#$%&'*+-.^_`|~", b) != NULL);
}

static void every_byte_is_classed_as_the_rfc_says(void **state)
{
    (void)state;
    for (int b = 0; b < 256; b++) {
        char r[128];
        int n =
            snprintf(r, sizeof(r), "HTTP/1.1 200 OK\r\nX%cY: v\r\nContent-Length: 0\r\n\r\n", b);
        int status;
        /* A ':' just ends the name "X", and "Y: v" is the value. */
        size_t want = is_tchar(b) || b == ':' ? (size_t)n : 0;
        assert_int_equal(hc_client_frame_response(r, (size_t)n, &status), want);
        n = snprintf(r, sizeof(r), "HTTP/1.1 200 OK\r\nX: a%cb\r\nContent-Length: 0\r\n\r\n", b);
        bool text = (b >= 0x20 && b < 0x7f) || b == '\t';
        want = text ? (size_t)n : 0;
        assert_int_equal(hc_client_frame_response(r, (size_t)n, &status), want);
    }
}

static void a_head_longer_than_the_bound_is_left_to_the_library(void **state)
{
    (void)state;
    static char big[HC_CLIENT_FRAME_MAX_HEAD_BYTES + 64];
    size_t n = 0;
    n += (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nX: ");
    while (n < HC_CLIENT_FRAME_MAX_HEAD_BYTES)
        big[n++] = 'a';
    snprintf(big + n, sizeof(big) - n, "\r\nContent-Length: 0\r\n\r\n");
    int status;
    assert_int_equal(frame(big, &status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_nginx_response_is_framed_whole),
        cmocka_unit_test(pipelined_responses_are_framed_one_at_a_time),
        cmocka_unit_test(a_response_cut_anywhere_is_left_to_the_library),
        cmocka_unit_test(lengths_with_spaces_and_any_case_are_framed),
        cmocka_unit_test(every_other_shape_is_left_to_the_library),
        cmocka_unit_test(every_byte_is_classed_as_the_rfc_says),
        cmocka_unit_test(a_head_longer_than_the_bound_is_left_to_the_library),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
