/*
 * tests/hcserver/test_order.c: order ids, the status machine, and the JSON the API reads and
 * writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "domain/order.h"

static void an_id_carries_its_shard_and_row(void **state)
{
    uint64_t id = order_make_id(12345, 3);

    (void)state;
    assert_int_equal(order_id_shard(id), 3);
    assert_int_equal(order_id_seq(id), 12345);
    assert_int_equal(order_make_id(1, 0), 256);
}

static void ids_parse_only_as_plain_positive_decimals(void **state)
{
    uint64_t v = 0;

    (void)state;
    assert_int_equal(order_parse_id("258", 3, &v), 0);
    assert_int_equal(v, 258);
    assert_int_equal(order_parse_id("18446744073709551615", 20, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(order_parse_id("18446744073709551616", 20, &v), -EINVAL);
    assert_int_equal(order_parse_id("0", 1, &v), -EINVAL);
    assert_int_equal(order_parse_id("012", 3, &v), -EINVAL);
    assert_int_equal(order_parse_id("-1", 2, &v), -EINVAL);
    assert_int_equal(order_parse_id("1a", 2, &v), -EINVAL);
    assert_int_equal(order_parse_id("", 0, &v), -EINVAL);
}

static void the_status_machine_allows_only_forward_steps_and_early_cancels(void **state)
{
    (void)state;
    assert_true(order_transition_ok(ORDER_PENDING, ORDER_CONFIRMED));
    assert_true(order_transition_ok(ORDER_CONFIRMED, ORDER_PREPARING));
    assert_true(order_transition_ok(ORDER_DELIVERING, ORDER_DELIVERED));
    assert_true(order_transition_ok(ORDER_PREPARING, ORDER_CANCELLED));
    assert_false(order_transition_ok(ORDER_DELIVERING, ORDER_CANCELLED));
    assert_false(order_transition_ok(ORDER_PENDING, ORDER_PREPARING));
    assert_false(order_transition_ok(ORDER_CONFIRMED, ORDER_PENDING));
    assert_false(order_transition_ok(ORDER_DELIVERED, ORDER_CANCELLED));
    assert_false(order_transition_ok(ORDER_CANCELLED, ORDER_CONFIRMED));
    assert_false(order_transition_ok(ORDER_PENDING, ORDER_PENDING));
    assert_int_equal(order_status_parse("DELIVERING"), ORDER_DELIVERING);
    assert_int_equal(order_status_parse("delivering"), -1);
    assert_string_equal(order_status_name(ORDER_CANCELLED), "CANCELLED");
}

static void a_valid_body_reads_into_an_order(void **state)
{
    const char *body = "{\"user_id\":42,\"sku\":\"pizza\",\"qty\":2,\"amount_cents\":1999}";
    const char *why = NULL;
    struct order o;

    (void)state;
    assert_int_equal(order_from_json(body, strlen(body), &o, &why), 0);
    assert_int_equal(o.user_id, 42);
    assert_string_equal(o.sku, "pizza");
    assert_int_equal(o.qty, 2);
    assert_int_equal(o.amount_cents, 1999);
}

static void bad_bodies_are_refused_with_a_reason(void **state)
{
    static const char *const bad[] = {
        "",
        "{",
        "[]",
        "{\"user_id\":0,\"sku\":\"a\",\"qty\":1,\"amount_cents\":1}",
        "{\"user_id\":1,\"sku\":\"\",\"qty\":1,\"amount_cents\":1}",
        "{\"user_id\":1,\"sku\":\"a\",\"qty\":0,\"amount_cents\":1}",
        "{\"user_id\":1,\"sku\":\"a\",\"qty\":1,\"amount_cents\":-1}",
        "{\"user_id\":1,\"sku\":\"a\\u0000b\",\"qty\":1,\"amount_cents\":1}",
        "{\"user_id\":\"1\",\"sku\":\"a\",\"qty\":1,\"amount_cents\":1}",
        "{\"user_id\":1,\"user_id\":2,\"sku\":\"a\",\"qty\":1,\"amount_cents\":1}",
    };
    struct order o;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *why = NULL;
        assert_int_equal(order_from_json(bad[i], strlen(bad[i]), &o, &why), -EINVAL);
        assert_non_null(why);
    }
}

static void json_written_reads_back_the_same_order(void **state)
{
    struct order o, back;
    char buf[ORDER_JSON_MAX];
    const char *why = NULL;
    int n;

    (void)state;
    memset(&o, 0, sizeof(o));
    o.id = 999;
    o.user_id = 5;
    memcpy(o.sku, "q\"uo\\te\x01", 9);
    o.qty = 3;
    o.amount_cents = 450;
    o.status = ORDER_PREPARING;
    n = order_format(&o, buf, sizeof(buf));
    assert_true(n > 0);
    assert_non_null(strstr(buf, "\"status\":\"PREPARING\""));
    assert_int_equal(order_from_json(buf, (size_t)n, &back, &why), 0);
    assert_string_equal(back.sku, o.sku);
    assert_int_equal(back.user_id, 5);
    assert_int_equal(back.qty, 3);
    assert_int_equal(order_format(&o, buf, 20), HC_ETOOLARGE);
}

static void json_is_written_exactly_and_only_when_it_fits(void **state)
{
    struct order o;
    char buf[ORDER_JSON_MAX];
    static const char want[] =
        "{\"id\":18446744073709551615,\"user_id\":0,\"sku\":\"pizza\",\"qty\":1,"
        "\"amount_cents\":1999,\"status\":\"CONFIRMED\",\"created_ms\":1795352743587,"
        "\"updated_ms\":-1,\"ticket\":42}";
    size_t len = sizeof(want) - 1;

    (void)state;
    memset(&o, 0, sizeof(o));
    o.id = UINT64_MAX;
    memcpy(o.sku, "pizza", 6);
    o.qty = 1;
    o.amount_cents = 1999;
    o.status = ORDER_CONFIRMED;
    o.created_ms = 1795352743587;
    o.updated_ms = -1;
    o.ticket = 42;
    assert_int_equal(order_format(&o, buf, sizeof(buf)), (int)len);
    assert_string_equal(buf, want);
    /* The text and its NUL fit in len + 1 bytes, not in len. */
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(order_format(&o, buf, len + 1), (int)len);
    assert_string_equal(buf, want);
    assert_int_equal(order_format(&o, buf, len), HC_ETOOLARGE);
    assert_int_equal(order_format(&o, buf, 0), HC_ETOOLARGE);
}

static void an_order_as_created_is_pending_and_updated_when_created(void **state)
{
    struct order o = {.id = 513,
                      .user_id = 2,
                      .qty = 3,
                      .amount_cents = 400,
                      .status = ORDER_DELIVERING,
                      .created_ms = 1000,
                      .updated_ms = 9000};
    struct order asked = {.user_id = 2, .qty = 3, .amount_cents = 400};

    (void)state;
    strcpy(o.sku, "tea");
    strcpy(asked.sku, "tea");
    order_as_created(&o);
    assert_int_equal(o.status, ORDER_PENDING);
    assert_int_equal(o.updated_ms, 1000);
    assert_int_equal(o.id, 513);
    assert_true(order_same_request(&asked, &o));
    asked.qty = 4;
    assert_false(order_same_request(&asked, &o));
    asked.qty = 3;
    strcpy(asked.sku, "tee");
    assert_false(order_same_request(&asked, &o));
}

static void a_cached_order_reads_back_at_every_integer_edge(void **state)
{
    static const int64_t edges[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX};
    struct order o, back;
    char buf[ORDER_JSON_MAX];
    size_t i;
    int n;

    (void)state;
    for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        memset(&o, 0, sizeof(o));
        o.id = UINT64_MAX;
        o.user_id = UINT64_MAX;
        memcpy(o.sku, "pi\"z\\a\x1f", 8);
        o.qty = edges[i];
        o.amount_cents = edges[i];
        o.status = ORDER_DELIVERING;
        o.created_ms = edges[i];
        o.updated_ms = edges[i];
        o.ticket = (uint64_t)i;
        n = order_format(&o, buf, sizeof(buf));
        assert_true(n > 0);
        assert_int_equal(order_parse_cached(buf, (size_t)n, &back), 0);
        assert_true(back.qty == edges[i] && back.amount_cents == edges[i]);
        assert_true(back.created_ms == edges[i] && back.updated_ms == edges[i]);
        assert_true(back.id == UINT64_MAX && back.user_id == UINT64_MAX);
        assert_string_equal(back.sku, o.sku);
        assert_int_equal(back.status, ORDER_DELIVERING);
        assert_int_equal((int)back.ticket, (int)i);
    }
}

static void a_cached_order_out_of_range_is_refused(void **state)
{
    static const char *bad[] = {
        "{\"id\":1,\"user_id\":2,\"sku\":\"a\",\"qty\":-9223372036854775809,"
        "\"amount_cents\":1,\"status\":\"PENDING\",\"created_ms\":1,\"updated_ms\":1}",
        "{\"id\":1,\"user_id\":2,\"sku\":\"a\",\"qty\":9223372036854775808,"
        "\"amount_cents\":1,\"status\":\"PENDING\",\"created_ms\":1,\"updated_ms\":1}",
        "{\"id\":18446744073709551616,\"user_id\":2,\"sku\":\"a\",\"qty\":1,"
        "\"amount_cents\":1,\"status\":\"PENDING\",\"created_ms\":1,\"updated_ms\":1}",
        "{\"id\":1,\"user_id\":2,\"sku\":\"a\",\"qty\":-,"
        "\"amount_cents\":1,\"status\":\"PENDING\",\"created_ms\":1,\"updated_ms\":1}",
        "{\"id\":1,\"user_id\":2,\"sku\":\"a\",\"qty\":1,"
        "\"amount_cents\":1,\"status\":\"LOST\",\"created_ms\":1,\"updated_ms\":1}",
    };
    struct order out;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&out, 0x5a, sizeof(out));
        assert_int_equal(order_parse_cached(bad[i], strlen(bad[i]), &out), -EBADMSG);
        assert_int_equal((int)out.qty, 0x5a5a5a5a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_id_carries_its_shard_and_row),
        cmocka_unit_test(ids_parse_only_as_plain_positive_decimals),
        cmocka_unit_test(the_status_machine_allows_only_forward_steps_and_early_cancels),
        cmocka_unit_test(a_valid_body_reads_into_an_order),
        cmocka_unit_test(bad_bodies_are_refused_with_a_reason),
        cmocka_unit_test(json_is_written_exactly_and_only_when_it_fits),
        cmocka_unit_test(json_written_reads_back_the_same_order),
        cmocka_unit_test(an_order_as_created_is_pending_and_updated_when_created),
        cmocka_unit_test(a_cached_order_reads_back_at_every_integer_edge),
        cmocka_unit_test(a_cached_order_out_of_range_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
