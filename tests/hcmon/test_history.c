/* test_history.c: the sample ring and its sparklines (hcmon/history.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <wchar.h>

#include "history.h"

static void push(struct history *h, double rate)
{
    struct summary s;
    summary_clear(&s);
    s.v[SUMMARY_RATE] = rate;
    history_push(h, &s);
}

static void the_ring_keeps_the_newest_samples(void **state)
{
    (void)state;
    struct history *h = malloc(sizeof(*h));
    history_init(h);
    assert_null(history_at(h, 0));
    for (int i = 0; i < HC_HCMON_HISTORY + 5; i++)
        push(h, i);
    assert_int_equal(h->len, HC_HCMON_HISTORY);
    assert_true(history_at(h, 0)->v[SUMMARY_RATE] == HC_HCMON_HISTORY + 4);
    assert_true(history_at(h, HC_HCMON_HISTORY - 1)->v[SUMMARY_RATE] == 5);
    assert_null(history_at(h, HC_HCMON_HISTORY));
    free(h);
}

static void a_sparkline_scales_from_zero_to_the_largest(void **state)
{
    (void)state;
    struct history *h = malloc(sizeof(*h));
    history_init(h);
    push(h, 0);
    push(h, NAN);
    push(h, 4);
    push(h, 8);
    wchar_t out[7];
    double max = history_sparkline(h, SUMMARY_RATE, 6, false, out);
    assert_true(max == 8);
    assert_true(out[0] == L' ' && out[1] == L' ');
    assert_true(out[2] == L'_');
    assert_true(out[3] == L' ');
    assert_true(out[4] == 0x2584);
    assert_true(out[5] == 0x2588);
    assert_true(out[6] == L'\0');
    history_sparkline(h, SUMMARY_RATE, 2, true, out);
    assert_true(out[0] == L'=' && out[1] == L'@');
    assert_true(isnan(history_sparkline(h, SUMMARY_P99, 3, true, out)));
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_ring_keeps_the_newest_samples),
        cmocka_unit_test(a_sparkline_scales_from_zero_to_the_largest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
