/* test_cachekey.c: the order cache key and value shared by hcserver and hcwarm (common/cachekey.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "hc/cachekey.h"

static void an_order_key_is_the_prefix_and_the_decimal_id(void **state)
{
    (void)state;
    char k[HC_CACHEKEY_MAX];
    assert_int_equal(hc_cachekey_order_key(4097, k, sizeof(k)), 13);
    assert_string_equal(k, "hc:order:4097");
    assert_int_equal(hc_cachekey_order_key(UINT64_MAX, k, sizeof(k)), 29);
    assert_string_equal(k, "hc:order:18446744073709551615");
    assert_int_equal(hc_cachekey_order_key(0, k, sizeof(k)), 10);
    assert_string_equal(k, "hc:order:0");
}

static void a_key_that_does_not_fit_is_refused(void **state)
{
    (void)state;
    char k[13];
    assert_int_equal(hc_cachekey_order_key(4097, k, sizeof(k)), HC_ETOOLARGE);
    assert_int_equal(hc_cachekey_order_key(4097, k, 0), HC_ETOOLARGE);
}

static void an_order_value_is_its_json_in_a_fixed_member_order(void **state)
{
    (void)state;
    struct hc_cachekey_order o = {.id = 257,
                                  .user_id = 42,
                                  .sku = "pizza",
                                  .qty = 2,
                                  .amount_cents = 1999,
                                  .status = 1,
                                  .created_ms = 1700000000000,
                                  .updated_ms = 1700000000500};
    char v[HC_CACHEKEY_ORDER_JSON_MAX];
    const char *want = "{\"id\":257,\"user_id\":42,\"sku\":\"pizza\",\"qty\":2,"
                       "\"amount_cents\":1999,\"status\":\"CONFIRMED\","
                       "\"created_ms\":1700000000000,\"updated_ms\":1700000000500}";
    assert_int_equal(hc_cachekey_order_json(&o, v, sizeof(v)), (int)strlen(want));
    assert_string_equal(v, want);
    o.ticket = 9;
    o.status = 5;
    o.sku = "a\"b\\c\x01";
    hc_cachekey_order_json(&o, v, sizeof(v));
    assert_non_null(strstr(v, "\"sku\":\"a\\\"b\\\\c\\u0001\""));
    assert_non_null(strstr(v, "\"status\":\"CANCELLED\""));
    assert_non_null(strstr(v, ",\"ticket\":9}"));
}

static void a_value_that_does_not_fit_is_refused_whole(void **state)
{
    (void)state;
    struct hc_cachekey_order o = {.id = 1, .sku = "x"};
    char v[HC_CACHEKEY_ORDER_JSON_MAX];
    int n = hc_cachekey_order_json(&o, v, sizeof(v));
    assert_true(n > 0);
    for (size_t cap = 0; cap <= (size_t)n; cap++)
        assert_int_equal(hc_cachekey_order_json(&o, v, cap), HC_ETOOLARGE);
    assert_int_equal(hc_cachekey_order_json(&o, v, (size_t)n + 1), n);
}

static void every_status_has_its_name(void **state)
{
    (void)state;
    static const char *const names[] = {"PENDING",    "CONFIRMED", "PREPARING",
                                        "DELIVERING", "DELIVERED", "CANCELLED"};
    for (int i = 0; i < HC_CACHEKEY_ORDER_NSTATUS; i++)
        assert_string_equal(hc_cachekey_order_status_name(i), names[i]);
    assert_string_equal(hc_cachekey_order_status_name(-1), "?");
    assert_string_equal(hc_cachekey_order_status_name(HC_CACHEKEY_ORDER_NSTATUS), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_order_key_is_the_prefix_and_the_decimal_id),
        cmocka_unit_test(a_key_that_does_not_fit_is_refused),
        cmocka_unit_test(an_order_value_is_its_json_in_a_fixed_member_order),
        cmocka_unit_test(a_value_that_does_not_fit_is_refused_whole),
        cmocka_unit_test(every_status_has_its_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
