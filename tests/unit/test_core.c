/* test_core.c: error messages and allocation helpers of common/core.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"

static void hc_codes_have_their_own_messages(void **state)
{
    (void)state;
    assert_string_equal(hc_strerror(HC_ETOOLARGE), "input exceeds a configured limit");
    assert_string_equal(hc_strerror(HC_ESYNTAX), "syntax error");
    assert_string_equal(hc_strerror(HC_EPROTO), "protocol error from peer");
    assert_string_equal(hc_strerror(HC_ELAST), "unknown hc error");
}

static void negative_errno_reads_as_strerror(void **state)
{
    (void)state;
    assert_string_equal(hc_strerror(-EINVAL), strerror(EINVAL));
    assert_string_equal(hc_strerror(-ECONNRESET), strerror(ECONNRESET));
    assert_string_equal(hc_strerror(0), "success");
}

static void name_lookup_failures_read_as_gai_strerror(void **state)
{
    (void)state;
    assert_string_equal(hc_strerror(HC_EGAI(EAI_NONAME)), gai_strerror(EAI_NONAME));
    assert_string_equal(hc_strerror(HC_EGAI(EAI_AGAIN)), gai_strerror(EAI_AGAIN));
    assert_true(HC_EGAI(EAI_NONAME) < -HC_EGAI_BASE);
}

static void strndup_stops_at_n_or_nul(void **state)
{
    (void)state;
    char *a = hc_xstrndup("abcdef", 3);
    char *b = hc_xstrndup("ab", 10);
    assert_string_equal(a, "abc");
    assert_string_equal(b, "ab");
    free(a);
    free(b);
}

static void monotonic_clock_moves_forward(void **state)
{
    (void)state;
    int64_t a = hc_now_ns();
    int64_t b = hc_now_ns();
    assert_true(a > 0);
    assert_true(b >= a);
    assert_true(hc_wall_ns() > 1600000000LL * HC_NSEC_PER_SEC);
}

static void decimals_cover_zero_and_both_ends(void **state)
{
    (void)state;
    char d[HC_DEC_MAX];
    const char *end = d + HC_DEC_MAX;
    struct {
        int64_t v;
        const char *want;
    } si[] = {{0, "0"},
              {7, "7"},
              {-1, "-1"},
              {1795352743587, "1795352743587"},
              {INT64_MAX, "9223372036854775807"},
              {INT64_MIN, "-9223372036854775808"}};
    for (size_t i = 0; i < sizeof(si) / sizeof(si[0]); i++) {
        const char *p = hc_dec_i64(d, si[i].v);
        assert_int_equal(end - p, strlen(si[i].want));
        assert_memory_equal(p, si[i].want, strlen(si[i].want));
    }
    const char *p = hc_dec_u64(d, UINT64_MAX);
    assert_int_equal(end - p, 20);
    assert_memory_equal(p, "18446744073709551615", 20);
    p = hc_dec_u64(d, 10);
    assert_int_equal(end - p, 2);
    assert_memory_equal(p, "10", 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hc_codes_have_their_own_messages),
        cmocka_unit_test(negative_errno_reads_as_strerror),
        cmocka_unit_test(name_lookup_failures_read_as_gai_strerror),
        cmocka_unit_test(strndup_stops_at_n_or_nul),
        cmocka_unit_test(monotonic_clock_moves_forward),
        cmocka_unit_test(decimals_cover_zero_and_both_ends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
