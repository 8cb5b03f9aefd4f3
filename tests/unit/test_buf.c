/* test_buf.c: the capped growable buffer of common/buf.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hc/buf.h"

static void appends_accumulate_and_stay_nul_terminated(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_string_equal(hc_buf_cstr(&b), "");
    assert_int_equal(hc_buf_append_str(&b, "hello"), 0);
    assert_int_equal(hc_buf_putc(&b, ' '), 0);
    assert_int_equal(hc_buf_appendf(&b, "%d-%s", 42, "x"), 0);
    assert_int_equal(b.len, 10);
    assert_string_equal(hc_buf_cstr(&b), "hello 42-x");
    hc_buf_destroy(&b);
}

static void append_past_the_cap_fails_and_changes_nothing(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 8);
    assert_int_equal(hc_buf_append_str(&b, "12345"), 0);
    assert_int_equal(hc_buf_append_str(&b, "6789"), HC_ETOOLARGE);
    assert_int_equal(b.len, 5);
    assert_string_equal(hc_buf_cstr(&b), "12345");
    assert_int_equal(hc_buf_appendf(&b, "%s", "abcd"), HC_ETOOLARGE);
    assert_int_equal(hc_buf_append_str(&b, "678"), 0);
    assert_string_equal(hc_buf_cstr(&b), "12345678");
    assert_true(b.cap <= 8);
    hc_buf_destroy(&b);
}

static void long_formatted_text_is_not_truncated(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    char big[1000];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(hc_buf_appendf(&b, "<%s>", big), 0);
    assert_int_equal(b.len, 1001);
    assert_int_equal(b.data[0], '<');
    assert_int_equal(b.data[1000], '>');
    assert_int_equal(b.data[1001], '\0');
    hc_buf_destroy(&b);
}

static void consume_drops_the_front(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    hc_buf_append_str(&b, "GET / HTTP/1.1\r\n");
    hc_buf_consume(&b, 4);
    assert_string_equal(hc_buf_cstr(&b), "/ HTTP/1.1\r\n");
    hc_buf_consume(&b, 1000);
    assert_int_equal(b.len, 0);
    assert_string_equal(hc_buf_cstr(&b), "");
    hc_buf_destroy(&b);
}

static void take_hands_over_the_bytes(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    size_t len = 99;
    char *empty = hc_buf_take(&b, &len);
    assert_int_equal(len, 0);
    assert_string_equal(empty, "");
    free(empty);
    hc_buf_append_str(&b, "owned");
    char *s = hc_buf_take(&b, &len);
    assert_int_equal(len, 5);
    assert_string_equal(s, "owned");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(s);
    hc_buf_destroy(&b);
    hc_buf_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(appends_accumulate_and_stay_nul_terminated),
        cmocka_unit_test(append_past_the_cap_fails_and_changes_nothing),
        cmocka_unit_test(long_formatted_text_is_not_truncated),
        cmocka_unit_test(consume_drops_the_front),
        cmocka_unit_test(take_hands_over_the_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
