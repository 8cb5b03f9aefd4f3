/*
 * tests/hcserver/test_idem.c: Idempotency-Key states: new, in flight, replay, mismatch, abort,
 * bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "domain/idem.h"

static void a_key_is_new_then_in_flight_then_replayed(void **state)
{
    struct idem *t = NULL;
    struct hc_buf body;
    int status = 0;

    (void)state;
    hc_buf_init(&body, 0);
    assert_int_equal(idem_new(10, HC_NSEC_PER_SEC * 60, &t), 0);
    assert_int_equal(idem_begin(t, "k", 1, &status, &body), IDEM_NEW);
    assert_int_equal(idem_begin(t, "k", 1, &status, &body), IDEM_IN_FLIGHT);
    idem_complete(t, "k", 201, "{\"id\":1}", 8);
    assert_int_equal(idem_begin(t, "k", 1, &status, &body), IDEM_REPLAY);
    assert_int_equal(status, 201);
    assert_string_equal(hc_buf_cstr(&body), "{\"id\":1}");
    assert_int_equal(idem_begin(t, "k", 2, &status, &body), IDEM_MISMATCH);
    hc_buf_destroy(&body);
    idem_free(t);
}

static void an_aborted_key_may_be_used_again(void **state)
{
    struct idem *t = NULL;
    int status;

    (void)state;
    assert_int_equal(idem_new(10, HC_NSEC_PER_SEC * 60, &t), 0);
    assert_int_equal(idem_begin(t, "k", 1, &status, NULL), IDEM_NEW);
    idem_abort(t, "k");
    assert_int_equal(idem_begin(t, "k", 2, &status, NULL), IDEM_NEW);
    idem_free(t);
}

static void a_full_table_forgets_its_oldest_answered_key(void **state)
{
    struct idem *t = NULL;
    int status;
    char key[16];

    (void)state;
    assert_int_equal(idem_new(3, HC_NSEC_PER_SEC * 60, &t), 0);
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(idem_begin(t, key, 1, &status, NULL), IDEM_NEW);
        idem_complete(t, key, 201, "x", 1);
    }
    assert_int_equal(idem_begin(t, "k3", 1, &status, NULL), IDEM_NEW);
    assert_int_equal(idem_begin(t, "k0", 2, &status, NULL), IDEM_NEW);      /* forgotten */
    assert_int_equal(idem_begin(t, "k2", 2, &status, NULL), IDEM_MISMATCH); /* kept */
    idem_free(t);
}

static void the_fingerprint_covers_method_target_and_body(void **state)
{
    uint64_t h = idem_hash("POST", "/api/orders", "{}", 2);

    (void)state;
    assert_true(h == idem_hash("POST", "/api/orders", "{}", 2));
    assert_true(h != idem_hash("PATCH", "/api/orders", "{}", 2));
    assert_true(h != idem_hash("POST", "/api/orderz", "{}", 2));
    assert_true(h != idem_hash("POST", "/api/orders", "{ }", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_key_is_new_then_in_flight_then_replayed),
        cmocka_unit_test(an_aborted_key_may_be_used_again),
        cmocka_unit_test(a_full_table_forgets_its_oldest_answered_key),
        cmocka_unit_test(the_fingerprint_covers_method_target_and_body),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
