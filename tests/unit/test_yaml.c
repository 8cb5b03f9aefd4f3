/* test_yaml.c: reading YAML documents: messages at FILE:LINE:COL, mappings against their
 * known keys, scalars, key paths (common/yaml.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "hc/yaml.h"

struct doc {
    struct hc_yaml y;
    char err[300];
};

static void load(struct doc *d, const char *text)
{
    memset(d, 0, sizeof(*d));
    d->y.file = "t.yaml";
    d->y.err = d->err;
    d->y.errlen = sizeof(d->err);
    if (hc_yaml_load(&d->y, text, strlen(text)) != 0)
        fail_msg("load: %s", d->err);
}

static yaml_node_t *root(struct doc *d)
{
    return yaml_document_get_root_node(&d->y.doc);
}

static void malformed_yaml_names_the_place(void **state)
{
    (void)state;
    struct doc d = {.y = {.file = "t.yaml", .err = d.err, .errlen = sizeof(d.err)}};
    const char *text = "a: [1,\n";
    assert_int_equal(hc_yaml_load(&d.y, text, strlen(text)), HC_ESYNTAX);
    assert_non_null(strstr(d.err, "t.yaml:2:1: YAML: "));
    /* Without a place for messages the code still comes back. */
    struct hc_yaml quiet = {.file = "q.yaml"};
    assert_int_equal(hc_yaml_load(&quiet, text, strlen(text)), HC_ESYNTAX);
}

static void mapping_keys_are_checked_with_a_suggestion(void **state)
{
    (void)state;
    static const char *const keys[] = {"target", "load", "requests", NULL};
    struct doc d;
    load(&d, "target: x\nlod: {}\n");
    assert_int_equal(hc_yaml_mapping(&d.y, root(&d), "", keys, "a mapping", 10), HC_EUNKNOWN);
    assert_string_equal(d.err, "t.yaml:2:1: unknown key \"lod\" (did you mean \"load\"?)");
    hc_yaml_destroy(&d.y);

    load(&d, "top:\n  zzzzzzzz: 1\n");
    yaml_node_t *top = hc_yaml_get(&d.y, root(&d), "top");
    assert_non_null(top);
    assert_int_equal(hc_yaml_mapping(&d.y, top, "top", keys, "a mapping", 10), HC_EUNKNOWN);
    assert_string_equal(d.err, "t.yaml:2:3: top: unknown key \"zzzzzzzz\"");
    hc_yaml_destroy(&d.y);

    load(&d, "target: x\nload: {}\ntarget: y\n");
    assert_int_equal(hc_yaml_mapping(&d.y, root(&d), "", keys, "a mapping", 10), HC_ESYNTAX);
    assert_string_equal(d.err, "t.yaml:3:1: key \"target\" given twice (first at line 1)");
    hc_yaml_destroy(&d.y);

    /* Any name (keys NULL): still each once. */
    load(&d, "r:\n  a: 1\n  b: 2\n  a: 3\n");
    yaml_node_t *r = hc_yaml_get(&d.y, root(&d), "r");
    assert_int_equal(hc_yaml_mapping(&d.y, r, "r", NULL, "a mapping", 10), HC_ESYNTAX);
    assert_string_equal(d.err, "t.yaml:4:3: r: name \"a\" given twice (first at line 2)");
    assert_int_equal(hc_yaml_mapping(&d.y, r, "r", NULL, "a mapping", 2), HC_ETOOLARGE);
    assert_string_equal(d.err, "t.yaml:2:3: r: more than 2 entries");
    hc_yaml_destroy(&d.y);

    load(&d, "target: x\nload: {}\n");
    assert_int_equal(hc_yaml_mapping(&d.y, root(&d), "", keys, "a mapping", 10), 0);
    hc_yaml_destroy(&d.y);
}

static void a_node_of_another_kind_is_shown(void **state)
{
    (void)state;
    struct doc d;
    load(&d, "load: [1, 2]\nname: \"a\\tb\"\n");
    yaml_node_t *l = hc_yaml_get(&d.y, root(&d), "load");
    assert_string_equal(hc_yaml_kind_name(l), "a list");
    assert_int_equal(hc_yaml_mapping(&d.y, l, "load", NULL, "a mapping", 10), HC_ESYNTAX);
    assert_string_equal(d.err, "t.yaml:1:7: load: expected a mapping, got a list");
    const char *out = NULL;
    assert_int_equal(hc_yaml_text(&d.y, l, "load", "a value", &out), HC_ESYNTAX);
    assert_string_equal(d.err, "t.yaml:1:7: load: expected a value, got a list");
    assert_null(hc_yaml_scalar(l));
    /* A scalar is quoted, control bytes as '?'. */
    yaml_node_t *n = hc_yaml_get(&d.y, root(&d), "name");
    char show[64];
    assert_string_equal(hc_yaml_show(n, show, sizeof(show)), "\"a?b\"");
    assert_int_equal(hc_yaml_text(&d.y, n, "name", "a name", &out), 0);
    assert_string_equal(out, "a\tb");
    assert_null(hc_yaml_get(&d.y, root(&d), "nothing"));
    hc_yaml_destroy(&d.y);

    /* Long scalars are cut at 48 bytes. */
    load(&d, "k: 0123456789012345678901234567890123456789012345678901234567890\n");
    n = hc_yaml_get(&d.y, root(&d), "k");
    assert_string_equal(hc_yaml_show(n, show, sizeof(show)),
                        "\"012345678901234567890123456789012345678901234567...\"");
    hc_yaml_destroy(&d.y);
}

static void a_nul_byte_is_refused(void **state)
{
    (void)state;
    struct doc d;
    load(&d, "k: \"a\\0b\"\n");
    yaml_node_t *n = hc_yaml_get(&d.y, root(&d), "k");
    assert_null(hc_yaml_scalar(n));
    const char *out = NULL;
    assert_int_equal(hc_yaml_text(&d.y, n, "k", "a path", &out), HC_ESYNTAX);
    assert_string_equal(d.err, "t.yaml:1:4: k: expected a path without NUL bytes");
    hc_yaml_destroy(&d.y);
}

static void key_paths_join_and_stay_bounded(void **state)
{
    (void)state;
    char k[HC_YAML_KEYPATH_MAX];
    hc_yaml_keyf(k, "", "load");
    assert_string_equal(k, "load");
    hc_yaml_keyf(k, "load", "stages");
    assert_string_equal(k, "load.stages");
    char big[400];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    hc_yaml_keyf(k, big, big);
    assert_int_equal(strlen(k), 120 + 1 + 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malformed_yaml_names_the_place),
        cmocka_unit_test(mapping_keys_are_checked_with_a_suggestion),
        cmocka_unit_test(a_node_of_another_kind_is_shown),
        cmocka_unit_test(a_nul_byte_is_refused),
        cmocka_unit_test(key_paths_join_and_stay_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
