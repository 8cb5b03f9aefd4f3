/* test_client_reqset.c: the client's request set (common/client_reqset.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "hc/client.h"
#include "hc/limits.h"

static void a_request_keeps_its_wire_bytes_pieces_and_mode(void **state)
{
    (void)state;
    struct hc_client_reqset s;
    hc_client_reqset_init(&s);
    struct hc_http_header h[] = {HC_HTTP_HDR("Content-Type", "application/json")};
    struct hc_client_request_spec spec = {
        .name = "create",
        .method = "POST",
        .url = "http://127.0.0.1:8080/api/orders",
        .target = "/api/orders",
        .host = "127.0.0.1:8080",
        .headers = h,
        .nheaders = 1,
        .body = "{}",
        .body_len = 2,
        .keep = HC_CLIENT_KEEP_BODY,
    };
    assert_int_equal(hc_client_reqset_add(&s, &spec), 0);
    assert_int_equal(s.n, 1);
    const struct hc_client_request *r = &s.reqs[0];
    assert_string_equal(r->wire.data, "POST /api/orders HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
                                      "Content-Type: application/json\r\nContent-Length: 2\r\n"
                                      "\r\n{}");
    assert_string_equal(r->name, "create");
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->url, "http://127.0.0.1:8080/api/orders");
    assert_int_equal(r->nheaders, 1);
    assert_string_equal(r->headers[0], "Content-Type: application/json");
    assert_string_equal(r->body, "{}");
    assert_int_equal(r->body_len, 2);
    assert_false(r->head);
    assert_int_equal(r->keep, HC_CLIENT_KEEP_BODY);
    hc_client_reqset_destroy(&s);
}

static void requests_get_indexes_in_order_and_head_is_noted(void **state)
{
    (void)state;
    struct hc_client_reqset s;
    hc_client_reqset_init(&s);
    const char *methods[] = {"GET", "HEAD", "DELETE", "GET", "GET", "PUT"};
    for (int i = 0; i < 6; i++) {
        struct hc_client_request_spec spec = {.method = methods[i], .target = "/", .host = "h"};
        assert_int_equal(hc_client_reqset_add(&s, &spec), 0);
        assert_int_equal(s.n, (size_t)i + 1);
    }
    assert_string_equal(s.reqs[0].name, "");
    assert_true(s.reqs[1].head);
    assert_false(s.reqs[2].head);
    assert_string_equal(s.reqs[5].wire.data, "PUT / HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_null(s.reqs[0].body);
    hc_client_reqset_destroy(&s);
}

static void a_bad_request_is_refused_and_leaves_the_set_as_it_was(void **state)
{
    (void)state;
    struct hc_client_reqset s;
    hc_client_reqset_init(&s);
    struct hc_client_request_spec bad = {.method = "GE T", .target = "/", .host = "h"};
    assert_int_equal(hc_client_reqset_add(&s, &bad), -EINVAL);
    struct hc_client_request_spec split = {.method = "GET", .target = "/\r\nX: y", .host = "h"};
    assert_int_equal(hc_client_reqset_add(&s, &split), -EINVAL);
    assert_int_equal(s.n, 0);
    hc_client_reqset_destroy(&s);
}

static void the_batch_repeats_request_zero_within_its_bound(void **state)
{
    (void)state;
    struct hc_client_reqset s;
    hc_client_reqset_init(&s);
    assert_int_equal(hc_client_reqset_batch(&s, 2), -EINVAL);
    struct hc_client_request_spec spec = {.method = "GET", .target = "/x", .host = "h"};
    assert_int_equal(hc_client_reqset_add(&s, &spec), 0);
    assert_int_equal(hc_client_reqset_batch(&s, 0), -EINVAL);
    assert_int_equal(hc_client_reqset_batch(&s, 3), 0);
    size_t len = s.reqs[0].wire.len;
    assert_int_equal(s.copies, 3);
    assert_int_equal(s.batch.len, 3 * len);
    assert_memory_equal(s.batch.data + 2 * len, s.reqs[0].wire.data, len);
    unsigned too_many = HC_CLIENT_MAX_BATCH_BYTES / (unsigned)len + 1;
    assert_int_equal(hc_client_reqset_batch(&s, too_many), HC_ETOOLARGE);
    hc_client_reqset_destroy(&s);
    hc_client_reqset_destroy(NULL);
}

static void error_kinds_have_their_names(void **state)
{
    (void)state;
    assert_string_equal(hc_client_err_names[HC_CLIENT_ERR_CONNECT], "connect");
    assert_string_equal(hc_client_err_names[HC_CLIENT_ERR_RESET], "reset");
    assert_string_equal(hc_client_err_names[HC_CLIENT_ERR_STATUS], "status");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_request_keeps_its_wire_bytes_pieces_and_mode),
        cmocka_unit_test(requests_get_indexes_in_order_and_head_is_noted),
        cmocka_unit_test(a_bad_request_is_refused_and_leaves_the_set_as_it_was),
        cmocka_unit_test(the_batch_repeats_request_zero_within_its_bound),
        cmocka_unit_test(error_kinds_have_their_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
