/*
 * tests/hcserver/test_jsonmem.c: jansson's memory while a request is handled comes from the
 * request's arena, and from malloc outside a request or past the arena's cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "hc/buf.h"
#include "api/jsonmem.h"
#include "domain/order.h"

static const char order_body[] =
    "{\"user_id\":7,\"sku\":\"pizza\",\"qty\":2,\"amount_cents\":1999}";

static int install(void **state)
{
    (void)state;
    jsonmem_install();
    return 0;
}

static void a_parse_in_a_scope_lives_in_the_arena_and_reuses_its_block(void **state)
{
    struct hc_arena a, *prev;
    json_error_t jerr;
    json_t *root;
    size_t used;

    (void)state;
    hc_arena_init(&a, 8192, 1 << 20);
    prev = jsonmem_enter(&a);
    assert_null(prev);
    root = json_loadb(order_body, strlen(order_body), 0, &jerr);
    assert_non_null(root);
    assert_true(hc_arena_owns(&a, root));
    assert_true(hc_arena_owns(&a, json_string_value(json_object_get(root, "sku"))));
    assert_int_equal(json_integer_value(json_object_get(root, "amount_cents")), 1999);
    json_decref(root); /* frees nothing: the arena's reset does */
    used = a.used;
    assert_true(used > 0 && used <= 8192);
    jsonmem_leave(prev);

    for (int i = 0; i < 100; i++) {
        struct order o;
        const char *why = NULL;
        hc_arena_reset(&a);
        prev = jsonmem_enter(&a);
        assert_int_equal(order_from_json(order_body, strlen(order_body), &o, &why), 0);
        jsonmem_leave(prev);
        assert_string_equal(o.sku, "pizza");
        assert_int_equal(a.used, used);
    }
    assert_int_equal(a.block_allocs, 1);
    hc_arena_destroy(&a);
}

static void outside_a_scope_jansson_uses_malloc(void **state)
{
    struct hc_arena a;
    json_error_t jerr;
    json_t *root;

    (void)state;
    hc_arena_init(&a, 8192, 1 << 20);
    root = json_loadb(order_body, strlen(order_body), 0, &jerr);
    assert_non_null(root);
    assert_int_equal(a.used, 0);
    assert_false(hc_arena_owns(&a, root));
    /* Freed inside a scope all the same (a leak here fails the sanitizer build). */
    jsonmem_leave(jsonmem_enter(&a));
    {
        struct hc_arena *prev = jsonmem_enter(&a);
        json_decref(root);
        jsonmem_leave(prev);
    }
    assert_int_equal(a.used, 0);
    hc_arena_destroy(&a);
}

static void past_the_cap_jansson_falls_back_to_malloc_and_frees_it(void **state)
{
    struct hc_arena a, *prev;
    struct hc_buf doc;
    json_error_t jerr;
    json_t *root;
    unsigned long before = jsonmem_fallbacks();

    (void)state;
    hc_buf_init(&doc, 0);
    hc_buf_append_str(&doc, "{");
    for (int i = 0; i < 200; i++)
        hc_buf_appendf(&doc, "%s\"key-%d\":\"value number %d\"", i ? "," : "", i, i);
    hc_buf_append_str(&doc, "}");
    hc_arena_init(&a, 1024, 2048);
    prev = jsonmem_enter(&a);
    root = json_loadb(doc.data, doc.len, 0, &jerr);
    assert_non_null(root);
    assert_true(jsonmem_fallbacks() > before);
    assert_int_equal(a.held, 2048);
    assert_int_equal(json_object_size(root), 200);
    assert_string_equal(json_string_value(json_object_get(root, "key-199")), "value number 199");
    json_decref(root); /* frees the malloc'd part */
    jsonmem_leave(prev);
    hc_arena_destroy(&a);
    hc_buf_destroy(&doc);
}

static void dumped_text_is_released_with_jsonmem_free_in_or_out_of_a_scope(void **state)
{
    struct hc_arena a, *prev;
    json_t *doc = json_pack("{s:i,s:s}", "loaded", 3, "state", "ok");
    char *text;

    (void)state;
    hc_arena_init(&a, 8192, 1 << 20);
    text = json_dumps(doc, JSON_COMPACT);
    assert_string_equal(text, "{\"loaded\":3,\"state\":\"ok\"}");
    jsonmem_free(text);

    prev = jsonmem_enter(&a);
    text = json_dumps(doc, JSON_COMPACT);
    assert_true(hc_arena_owns(&a, text));
    assert_string_equal(text, "{\"loaded\":3,\"state\":\"ok\"}");
    jsonmem_free(text);
    json_decref(doc); /* made outside the scope: really freed */
    jsonmem_leave(prev);
    jsonmem_free(NULL);
    hc_arena_destroy(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_parse_in_a_scope_lives_in_the_arena_and_reuses_its_block),
        cmocka_unit_test(outside_a_scope_jansson_uses_malloc),
        cmocka_unit_test(past_the_cap_jansson_falls_back_to_malloc_and_frees_it),
        cmocka_unit_test(dumped_text_is_released_with_jsonmem_free_in_or_out_of_a_scope),
    };
    return cmocka_run_group_tests(tests, install, NULL);
}
