/* test_log_cond.c: conditions logged once per change, flapping rate-limited (common/log_cond.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hc/log.h"

static FILE *out;

static int setup(void **state)
{
    (void)state;
    out = tmpfile();
    if (out == NULL)
        return -1;
    hc_log_set_fd(fileno(out));
    hc_log_set_level(HC_LOG_LEVEL_INFO);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hc_log_set_fd(2);
    fclose(out);
    return 0;
}

/* The lines written so far containing needle. */
static int lines_with(const char *needle)
{
    char line[HC_LOG_MAX_LINE_BYTES];
    int n = 0;
    FILE *f = fdopen(dup(fileno(out)), "r");

    assert_non_null(f);
    rewind(f);
    while (fgets(line, sizeof(line), f) != NULL)
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

static void each_change_is_one_line_and_repeats_none(void **state)
{
    struct hc_log_cond c;

    (void)state;
    hc_log_cond_init(&c, 0, 1000); /* 1 us: no rate limit in this test */
    assert_false(hc_log_cond_set(&c, 0, HC_LOG_LEVEL_WARN, "still fine"));
    assert_true(hc_log_cond_set(&c, 1, HC_LOG_LEVEL_WARN, "disk %s", "full"));
    for (int i = 0; i < 100; i++)
        assert_false(hc_log_cond_set(&c, 1, HC_LOG_LEVEL_WARN, "disk full"));
    usleep(1000);
    assert_true(hc_log_cond_set(&c, 0, HC_LOG_LEVEL_INFO, "disk writable again"));
    assert_false(hc_log_cond_set(&c, 0, HC_LOG_LEVEL_INFO, "disk writable again"));
    assert_int_equal(lines_with("disk full"), 1);
    assert_int_equal(lines_with("disk writable again"), 1);
    assert_int_equal(lines_with("still fine"), 0);
    hc_log_cond_destroy(&c);
}

static void flapping_is_held_back_and_counted_and_the_last_state_still_arrives(void **state)
{
    struct hc_log_cond c;
    struct timespec pause = {0, 60 * 1000 * 1000};

    (void)state;
    hc_log_cond_init(&c, 0, 50 * 1000 * 1000); /* HC_LOG_COND_BURST lines per 50 ms */
    /* An outage and its recovery, twice: told as they happen. */
    for (int i = 0; i < HC_LOG_COND_BURST / 2; i++) {
        assert_true(hc_log_cond_set(&c, 1, HC_LOG_LEVEL_WARN, "flap open"));
        assert_true(hc_log_cond_set(&c, 0, HC_LOG_LEVEL_WARN, "flap closed"));
    }
    /* Faster than that: counted, not written. */
    assert_false(hc_log_cond_set(&c, 1, HC_LOG_LEVEL_WARN, "flap open"));
    assert_false(hc_log_cond_set(&c, 0, HC_LOG_LEVEL_WARN, "flap closed"));
    assert_false(hc_log_cond_set(&c, 1, HC_LOG_LEVEL_WARN, "flap open"));
    assert_int_equal(lines_with("flap"), HC_LOG_COND_BURST);
    nanosleep(&pause, NULL);
    /* After the interval, the first report of a state the log does not show yet is written,
     * with the changes it held back. */
    assert_true(hc_log_cond_set(&c, 1, HC_LOG_LEVEL_WARN, "flap open"));
    assert_int_equal(lines_with("flap open (2 changes not logged since the last line)"), 1);
    assert_false(hc_log_cond_set(&c, 1, HC_LOG_LEVEL_WARN, "flap open"));
    assert_int_equal(lines_with("flap"), HC_LOG_COND_BURST + 1);
    hc_log_cond_destroy(&c);
}

static void a_flap_back_to_the_logged_state_writes_nothing(void **state)
{
    struct hc_log_cond c;
    struct timespec pause = {0, 60 * 1000 * 1000};

    (void)state;
    hc_log_cond_init(&c, 0, 50 * 1000 * 1000);
    for (int i = 0; i < HC_LOG_COND_BURST / 2; i++) {
        assert_true(hc_log_cond_set(&c, 1, HC_LOG_LEVEL_WARN, "back open"));
        assert_true(hc_log_cond_set(&c, 0, HC_LOG_LEVEL_WARN, "back closed"));
    }
    assert_false(hc_log_cond_set(&c, 1, HC_LOG_LEVEL_WARN, "back open"));
    assert_false(hc_log_cond_set(&c, 0, HC_LOG_LEVEL_WARN, "back closed"));
    nanosleep(&pause, NULL);
    assert_false(hc_log_cond_set(&c, 0, HC_LOG_LEVEL_WARN, "back closed"));
    assert_int_equal(lines_with("back "), HC_LOG_COND_BURST);
    hc_log_cond_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(each_change_is_one_line_and_repeats_none, setup, teardown),
        cmocka_unit_test_setup_teardown(
            flapping_is_held_back_and_counted_and_the_last_state_still_arrives, setup, teardown),
        cmocka_unit_test_setup_teardown(a_flap_back_to_the_logged_state_writes_nothing, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
