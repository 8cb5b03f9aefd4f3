/* test_checkpoint.c: the --checkpoint file (hcwarm/checkpoint.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "hc/core.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/hcwarm-test-ckpt-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/ck", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char tmp[160];
    unlink(path);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    unlink(tmp);
    rmdir(dir);
    return 0;
}

static void no_file_is_a_fresh_start(void **state)
{
    (void)state;
    struct checkpoint_state st;
    char err[300];
    assert_int_equal(checkpoint_load(path, &st, err, sizeof(err)), 1);
    assert_int_equal(st.items, 0);
}

static void a_saved_checkpoint_reads_back_the_same(void **state)
{
    (void)state;
    struct checkpoint c;
    checkpoint_init(&c, path, 3);
    struct checkpoint_state st = {
        .offset = 123456, .line = 1000, .items = 999, .done = 990, .malformed = 9};
    snprintf(st.source, sizeof(st.source), "file:/data/keys.kv format=kv");
    for (int i = 0; i < 5; i++) {
        st.items++;
        assert_int_equal(checkpoint_save(&c, &st, i == 4), 0);
    }
    checkpoint_destroy(&c);
    struct checkpoint_state back;
    char err[300];
    assert_int_equal(checkpoint_load(path, &back, err, sizeof(err)), 0);
    assert_string_equal(back.source, st.source);
    assert_int_equal(back.offset, 123456);
    assert_int_equal(back.line, 1000);
    assert_int_equal(back.items, 1004);
    assert_int_equal(back.done, 990);
    assert_int_equal(back.malformed, 9);
    /* The temporary file was renamed away. */
    char tmp[160];
    struct stat sb;
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    assert_int_not_equal(stat(tmp, &sb), 0);
}

static void a_file_that_is_not_a_checkpoint_is_refused_with_its_line(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "hello\n",
        "hcwarm-checkpoint 1\nsource x\noffset -1\n",
        "hcwarm-checkpoint 1\nsource x\nitems 12x\n",
        "hcwarm-checkpoint 1\nsource x\nspeed 3\n",
        "hcwarm-checkpoint 1\noffset 3\n",
        "hcwarm-checkpoint 1\nsource x\noffset 99999999999999999999\n",
        /* parts of items that are more than the items */
        "hcwarm-checkpoint 1\nsource x\nitems 3\ndone 4\n",
        "hcwarm-checkpoint 1\nsource x\nitems 3\nmalformed 4\n",
        "hcwarm-checkpoint 1\nsource x\nitems 3\ndone 2\nmalformed 2\n",
        "hcwarm-checkpoint 1\nsource x\ndone 18446744073709551615\nmalformed 1\n",
        /* a NUL byte: what follows it would be ignored */
        "hcwarm-checkpoint 1\nsource x\nitems 3\n\0offset x\n",
    };
    static const size_t lens[] = {[10] = 47}; /* the NUL case: its bytes past the NUL too */
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        size_t n = i < HC_ARRAY_LEN(lens) && lens[i] > 0 ? lens[i] : strlen(bad[i]);
        assert_int_equal(fwrite(bad[i], 1, n, f), n);
        fclose(f);
        struct checkpoint_state st;
        char err[300] = "";
        assert_int_equal(checkpoint_load(path, &st, err, sizeof(err)), HC_ESYNTAX);
        assert_non_null(strstr(err, path));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(no_file_is_a_fresh_start, setup, teardown),
        cmocka_unit_test_setup_teardown(a_saved_checkpoint_reads_back_the_same, setup, teardown),
        cmocka_unit_test_setup_teardown(a_file_that_is_not_a_checkpoint_is_refused_with_its_line,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
