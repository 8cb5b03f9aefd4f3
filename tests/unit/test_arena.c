/* test_arena.c: the request arena of common/arena.c (bump allocation, reset, growth, cap). */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hc/arena.h"
#include "hc/limits.h"

#define ALIGN alignof(max_align_t)

static bool aligned(const void *p)
{
    return (uintptr_t)p % ALIGN == 0;
}

static void every_pointer_is_aligned_for_any_type_and_none_overlap(void **state)
{
    (void)state;
    struct hc_arena a;
    unsigned char *p[200];

    hc_arena_init(&a, 1024, 0);
    for (size_t i = 0; i < 200; i++) {
        p[i] = hc_arena_alloc(&a, i % 37 + 1);
        assert_non_null(p[i]);
        assert_true(aligned(p[i]));
        memset(p[i], (int)i, i % 37 + 1);
    }
    /* Each allocation still holds its own pattern: none was handed out twice. */
    for (size_t i = 0; i < 200; i++) {
        for (size_t k = 0; k < i % 37 + 1; k++)
            assert_int_equal(p[i][k], (unsigned char)i);
    }
    assert_int_equal(a.used % ALIGN, 0);
    hc_arena_destroy(&a);
}

static void zero_byte_allocations_are_distinct(void **state)
{
    (void)state;
    struct hc_arena a;

    hc_arena_init(&a, 0, 0);
    void *x = hc_arena_alloc(&a, 0);
    void *y = hc_arena_alloc(&a, 0);
    assert_non_null(x);
    assert_non_null(y);
    assert_ptr_not_equal(x, y);
    assert_int_equal(a.used, 2 * ALIGN);
    hc_arena_destroy(&a);
}

static void an_arena_allocates_nothing_before_its_first_use(void **state)
{
    (void)state;
    struct hc_arena a;

    hc_arena_init(&a, 0, 0);
    assert_int_equal(a.block_bytes, HC_ARENA_BLOCK_BYTES_DEFAULT);
    assert_int_equal(a.max_bytes, HC_ARENA_MAX_BYTES_DEFAULT);
    assert_int_equal(a.nblocks, 0);
    assert_int_equal(a.held, 0);
    hc_arena_reset(&a); /* nothing to reset */
    assert_int_equal(a.block_allocs, 0);
    hc_arena_destroy(&a);
}

static void reset_reuses_the_first_block_without_allocating_another(void **state)
{
    (void)state;
    struct hc_arena a;
    void *first[10];

    hc_arena_init(&a, 4096, 0);
    for (int i = 0; i < 10; i++)
        first[i] = hc_arena_alloc(&a, 100);
    assert_int_equal(a.block_allocs, 1);
    assert_int_equal(a.nblocks, 1);
    assert_int_equal(a.held, 4096);
    for (int round = 0; round < 1000; round++) {
        hc_arena_reset(&a);
        assert_int_equal(a.used, 0);
        for (int i = 0; i < 10; i++)
            assert_ptr_equal(hc_arena_alloc(&a, 100), first[i]);
    }
    assert_int_equal(a.block_allocs, 1);
    assert_int_equal(a.nblocks, 1);
    hc_arena_destroy(&a);
}

static void growth_adds_blocks_and_reset_keeps_only_the_first(void **state)
{
    (void)state;
    struct hc_arena a;
    void *p0;

    hc_arena_init(&a, 1024, 0);
    p0 = hc_arena_alloc(&a, 200);
    for (int i = 0; i < 19; i++)
        assert_non_null(hc_arena_alloc(&a, 200)); /* 208 each: four fit in a block */
    assert_int_equal(a.nblocks, 5);
    assert_int_equal(a.block_allocs, 5);
    assert_int_equal(a.held, 5 * 1024);
    assert_int_equal(a.used, 20 * 208);

    hc_arena_reset(&a);
    assert_int_equal(a.nblocks, 1);
    assert_int_equal(a.held, 1024);
    assert_ptr_equal(hc_arena_alloc(&a, 200), p0);
    /* Growing again takes new blocks (the freed ones were not kept). */
    for (int i = 0; i < 4; i++)
        hc_arena_alloc(&a, 200);
    assert_int_equal(a.nblocks, 2);
    assert_int_equal(a.block_allocs, 6);
    hc_arena_destroy(&a);
    assert_int_equal(a.nblocks, 0);
    assert_int_equal(a.held, 0);
}

static void a_large_allocation_gets_its_own_block_and_the_current_one_keeps_filling(void **state)
{
    (void)state;
    struct hc_arena a;
    unsigned char *small1, *small2, *big;

    hc_arena_init(&a, 1024, 0);
    small1 = hc_arena_alloc(&a, 16);
    big = hc_arena_alloc(&a, 100000);
    small2 = hc_arena_alloc(&a, 16);
    assert_non_null(big);
    assert_true(aligned(big));
    memset(big, 0xab, 100000);
    assert_int_equal(a.nblocks, 2);
    assert_int_equal(a.held, 1024 + (100000 + ALIGN - 1) / ALIGN * ALIGN);
    /* The small allocations are neighbours in the first block. */
    assert_ptr_equal(small2, small1 + 16);
    assert_int_equal(big[99999], 0xab);

    hc_arena_reset(&a);
    assert_int_equal(a.nblocks, 1);
    assert_int_equal(a.held, 1024);
    assert_false(hc_arena_owns(&a, big));
    hc_arena_destroy(&a);
}

static void a_large_first_block_is_not_kept_by_reset(void **state)
{
    (void)state;
    struct hc_arena a;

    hc_arena_init(&a, 1024, 0);
    assert_non_null(hc_arena_alloc(&a, 5000));
    assert_non_null(hc_arena_alloc(&a, 10)); /* an ordinary block after it */
    assert_int_equal(a.nblocks, 2);
    hc_arena_reset(&a);
    assert_int_equal(a.nblocks, 0);
    assert_int_equal(a.held, 0);
    assert_null(a.first);
    /* Used again, it starts an ordinary first block, which reset keeps. */
    assert_non_null(hc_arena_alloc(&a, 10));
    hc_arena_reset(&a);
    assert_int_equal(a.nblocks, 1);
    assert_int_equal(a.held, 1024);
    hc_arena_destroy(&a);
}

static void the_cap_refuses_an_allocation_and_changes_nothing(void **state)
{
    (void)state;
    struct hc_arena a;

    hc_arena_init(&a, 1024, 2048);
    assert_non_null(hc_arena_alloc(&a, 1024));
    assert_non_null(hc_arena_alloc(&a, 1000));
    assert_int_equal(a.held, 2048);
    assert_int_equal(a.used, 1024 + 1008);
    assert_null(hc_arena_alloc(&a, 100)); /* the second block has 16 left */
    assert_null(hc_arena_alloc(&a, 2049));
    assert_null(hc_arena_alloc(&a, SIZE_MAX));
    assert_int_equal(a.held, 2048);
    assert_int_equal(a.nblocks, 2);
    assert_int_equal(a.used, 1024 + 1008);
    assert_non_null(hc_arena_alloc(&a, 16)); /* what fits still fits */

    hc_arena_reset(&a);
    assert_non_null(hc_arena_alloc(&a, 1000));
    hc_arena_destroy(&a);
}

static void a_block_larger_than_the_cap_is_cut_to_the_cap(void **state)
{
    (void)state;
    struct hc_arena a;

    hc_arena_init(&a, 1 << 20, 4096);
    assert_int_equal(a.block_bytes, 4096);
    assert_non_null(hc_arena_alloc(&a, 4096));
    assert_null(hc_arena_alloc(&a, 1));
    hc_arena_destroy(&a);
}

static void owns_tells_arena_memory_from_other_memory(void **state)
{
    (void)state;
    struct hc_arena a;
    int local = 0;
    void *heap = malloc(64);
    char *p, *big;

    hc_arena_init(&a, 1024, 0);
    assert_false(hc_arena_owns(&a, heap)); /* no block yet */
    p = hc_arena_alloc(&a, 100);
    big = hc_arena_alloc(&a, 4000);
    assert_true(hc_arena_owns(&a, p));
    assert_true(hc_arena_owns(&a, p + 99));
    assert_true(hc_arena_owns(&a, p + 1023)); /* the block, not only what was handed out */
    assert_true(hc_arena_owns(&a, big + 3999));
    assert_false(hc_arena_owns(&a, p + 1024));
    assert_false(hc_arena_owns(&a, &local));
    assert_false(hc_arena_owns(&a, heap));
    assert_false(hc_arena_owns(&a, NULL));
    free(heap);
    hc_arena_destroy(&a);
    assert_false(hc_arena_owns(&a, p));
}

static void destroy_accepts_null_and_leaves_the_arena_usable(void **state)
{
    (void)state;
    struct hc_arena a;

    hc_arena_destroy(NULL);
    hc_arena_init(&a, 512, 0);
    hc_arena_alloc(&a, 10);
    hc_arena_destroy(&a);
    hc_arena_destroy(&a);
    assert_non_null(hc_arena_alloc(&a, 10));
    assert_int_equal(a.nblocks, 1);
    assert_int_equal(a.block_allocs, 2);
    hc_arena_destroy(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_pointer_is_aligned_for_any_type_and_none_overlap),
        cmocka_unit_test(zero_byte_allocations_are_distinct),
        cmocka_unit_test(an_arena_allocates_nothing_before_its_first_use),
        cmocka_unit_test(reset_reuses_the_first_block_without_allocating_another),
        cmocka_unit_test(growth_adds_blocks_and_reset_keeps_only_the_first),
        cmocka_unit_test(a_large_allocation_gets_its_own_block_and_the_current_one_keeps_filling),
        cmocka_unit_test(a_large_first_block_is_not_kept_by_reset),
        cmocka_unit_test(the_cap_refuses_an_allocation_and_changes_nothing),
        cmocka_unit_test(a_block_larger_than_the_cap_is_cut_to_the_cap),
        cmocka_unit_test(owns_tells_arena_memory_from_other_memory),
        cmocka_unit_test(destroy_accepts_null_and_leaves_the_arena_usable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
