/* test_source.c: hcwarm's sources: position, fraction read and the estimate of their size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source.h"

/* A kv file of n lines of one length ("k:00000\tvalue 00000"); its path in path. */
static void write_keys(char *path, size_t pathlen, int n)
{
    snprintf(path, pathlen, "/tmp/hc-test-source-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    for (int i = 0; i < n; i++)
        fprintf(f, "k:%05d\tvalue %05d\n", i, i);
    assert_int_equal(fclose(f), 0);
}

static void a_files_estimate_counts_the_items_handed_out_not_those_answered(void **state)
{
    (void)state;
    char path[64], err[256];
    struct source *s = NULL;
    struct input_item it;
    write_keys(path, sizeof(path), 6000);
    assert_int_equal(source_file_open(path, INPUT_KV, &s, err, sizeof(err)), 0);
    assert_int_equal(source_estimate(s), 0); /* nothing read yet: unknown */
    for (int i = 0; i < 1500; i++)
        assert_int_equal(source_next(s, &it, err, sizeof(err)), SOURCE_ITEM);
    /* Lines of one length: a quarter read is exactly a quarter of the items. */
    assert_true(source_fraction(s) > 0.249 && source_fraction(s) < 0.251);
    assert_int_equal(source_estimate(s), 6000);
    for (int i = 1500; i < 6000; i++)
        assert_int_equal(source_next(s, &it, err, sizeof(err)), SOURCE_ITEM);
    assert_int_equal(source_estimate(s), 6000);
    source_close(s);
    unlink(path);
}

static void a_lists_estimate_is_its_count(void **state)
{
    (void)state;
    struct source *s = source_list_new("list:test", "test");
    source_list_add(s, "a", 1, "1", 1);
    source_list_add(s, "b", 1, "2", 1);
    source_list_add(s, "c", 1, "3", 1);
    assert_int_equal(source_estimate(s), 3);
    source_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_files_estimate_counts_the_items_handed_out_not_those_answered),
        cmocka_unit_test(a_lists_estimate_is_its_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
