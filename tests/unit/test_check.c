/* test_check.c: response checks and extractions (common/check.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "hc/check.h"

#define HDR(n, v)                                                                                  \
    {                                                                                              \
        (n), sizeof(n) - 1, (v), sizeof(v) - 1                                                     \
    }

static const struct hc_check_header headers[] = {
    HDR("Content-Type", "application/json"),
    HDR("x-cache", "L2"),
    HDR("ETag", "\"v7\""),
};

static const char body[] = "{\"id\":\"ord-17\",\"status\":\"PENDING\",\"qty\":1,\"price\":4.5,"
                           "\"paid\":false,\"note\":null,\"items\":[{\"sku\":\"sku-3\"},"
                           "{\"sku\":\"sku-9\"}],\"token\":\"t=abc123;\"}";

static struct hc_check_response response(int status)
{
    return (struct hc_check_response){status, headers, HC_ARRAY_LEN(headers), body,
                                      sizeof(body) - 1};
}

/* Evaluates a set holding one check on r; returns whether it passed, reason into out. */
static bool one(struct hc_check_set *s, const struct hc_check_response *r, char *reason)
{
    assert_int_equal(hc_check_count(s) + hc_check_extract_count(s), 1);
    struct hc_check_result res[1];
    size_t failed = hc_check_eval(s, r, res, NULL);
    assert_int_equal(failed, res[0].pass ? 0 : 1);
    assert_int_equal(hc_check_eval(s, r, NULL, NULL), failed); /* without results too */
    strcpy(reason, res[0].reason);
    hc_check_set_free(s);
    return res[0].pass;
}

static struct hc_check_set *status_set(const char *spec)
{
    struct hc_check_set *s = hc_check_set_new();
    char err[128];
    assert_int_equal(hc_check_add_status(s, spec, err, sizeof(err)), 0);
    return s;
}

static void status_checks_take_codes_sets_and_ranges(void **state)
{
    (void)state;
    char why[HC_CHECK_REASON_BYTES];
    struct hc_check_response r201 = response(201);
    struct hc_check_response r404 = response(404);
    assert_true(one(status_set("201"), &r201, why));
    assert_false(one(status_set("201"), &r404, why));
    assert_string_equal(why, "status 404, expected 201");
    assert_true(one(status_set("200-299"), &r201, why));
    assert_false(one(status_set("200-299"), &r404, why));
    assert_string_equal(why, "status 404, expected 200-299");
    assert_true(one(status_set("200, 404,500-599"), &r404, why));
    assert_false(one(status_set("200,500-599"), &r404, why));
    static const char *const bad[] = {"", "20", "2000", "abc", "600", "299-200", "200-", "1xx"};
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        struct hc_check_set *s = hc_check_set_new();
        char err[128] = "";
        int rc = hc_check_add_status(s, bad[i], err, sizeof(err));
        if (rc >= 0 || strstr(err, "status \"") != err)
            fail_msg("\"%s\": %d %s", bad[i], rc, err);
        assert_int_equal(hc_check_count(s), 0);
        hc_check_set_free(s);
    }
}

static void status_expected_answers_only_for_a_set_with_a_status_check(void **state)
{
    (void)state;
    struct hc_check_set *none = hc_check_set_new();
    char err[128];
    assert_int_equal(hc_check_add_body(none, HC_CHECK_CONTAINS, "x", err, sizeof(err)), 0);
    assert_int_equal(hc_check_status_expected(none, 500), -1);
    hc_check_set_free(none);
    struct hc_check_set *s = status_set("200-299,404");
    assert_int_equal(hc_check_status_expected(s, 404), 1);
    assert_int_equal(hc_check_status_expected(s, 204), 1);
    assert_int_equal(hc_check_status_expected(s, 500), 0);
    hc_check_set_free(s);
}

static struct hc_check_set *header_set(const char *name, enum hc_check_op op, const char *v)
{
    struct hc_check_set *s = hc_check_set_new();
    char err[128];
    assert_int_equal(hc_check_add_header(s, name, op, v, err, sizeof(err)), 0);
    assert_int_equal(hc_check_needs(s), HC_CHECK_NEED_HEADERS);
    return s;
}

static void header_checks_match_whole_values_case_blind_names(void **state)
{
    (void)state;
    char why[HC_CHECK_REASON_BYTES];
    struct hc_check_response r = response(200);
    assert_true(one(header_set("X-Cache", HC_CHECK_MATCHES, "L1|L2|DB"), &r, why));
    assert_false(one(header_set("X-Cache", HC_CHECK_MATCHES, "L1|DB"), &r, why));
    assert_string_equal(why, "X-Cache is \"L2\", expected ~ L1|DB");
    assert_false(one(header_set("X-Cache", HC_CHECK_MATCHES, "L"), &r, why)); /* whole value */
    assert_true(one(header_set("etag", HC_CHECK_EQUALS, "\"v7\""), &r, why));
    assert_false(one(header_set("ETag", HC_CHECK_EQUALS, "v7"), &r, why));
    assert_true(one(header_set("Content-Type", HC_CHECK_EXISTS, NULL), &r, why));
    assert_false(one(header_set("Location", HC_CHECK_EXISTS, NULL), &r, why));
    assert_string_equal(why, "no Location header");
    assert_true(one(header_set("Location", HC_CHECK_ABSENT, NULL), &r, why));
    assert_false(one(header_set("ETag", HC_CHECK_ABSENT, NULL), &r, why));
    assert_string_equal(why, "a ETag header: \"\"v7\"\"");
    assert_false(one(header_set("Location", HC_CHECK_MATCHES, ".*"), &r, why));

    struct hc_check_set *s = hc_check_set_new();
    char err[128];
    assert_int_equal(hc_check_add_header(s, "Bad Name", HC_CHECK_EXISTS, NULL, err, sizeof(err)),
                     HC_ESYNTAX);
    assert_int_equal(hc_check_add_header(s, "X", HC_CHECK_MATCHES, "(", err, sizeof(err)),
                     HC_ESYNTAX);
    assert_non_null(strstr(err, "bad regular expression \"(\""));
    hc_check_set_free(s);
}

static struct hc_check_set *body_set(enum hc_check_op op, const char *v)
{
    struct hc_check_set *s = hc_check_set_new();
    char err[128];
    assert_int_equal(hc_check_add_body(s, op, v, err, sizeof(err)), 0);
    assert_int_equal(hc_check_needs(s), HC_CHECK_NEED_BODY);
    assert_false(hc_check_uses_json(s));
    return s;
}

static void body_checks_search_the_body(void **state)
{
    (void)state;
    char why[HC_CHECK_REASON_BYTES];
    struct hc_check_response r = response(200);
    assert_true(one(body_set(HC_CHECK_CONTAINS, "\"PENDING\""), &r, why));
    assert_false(one(body_set(HC_CHECK_CONTAINS, "CONFIRMED"), &r, why));
    assert_string_equal(why, "body does not contain \"CONFIRMED\"; it starts "
                             "\"{\"id\":\"ord-17\",\"status\":\"PENDING\",\"qty\":1,\"price\":"
                             "4.5,\"paid\"...\"");
    assert_true(one(body_set(HC_CHECK_MATCHES, "sku-[0-9]+"), &r, why));
    assert_false(one(body_set(HC_CHECK_MATCHES, "^\\["), &r, why));
    struct hc_check_response empty = {200, NULL, 0, NULL, 0};
    assert_false(one(body_set(HC_CHECK_CONTAINS, "x"), &empty, why));
    assert_true(one(body_set(HC_CHECK_MATCHES, "^$"), &empty, why));
}

static struct hc_check_set *json_set(const char *path, enum hc_check_op op, const char *v)
{
    struct hc_check_set *s = hc_check_set_new();
    char err[128];
    int rc = hc_check_add_json(s, path, op, v, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s: %s", path, err);
    assert_true(hc_check_uses_json(s));
    return s;
}

static void json_checks_compare_as_the_field_type(void **state)
{
    (void)state;
    char why[HC_CHECK_REASON_BYTES];
    struct hc_check_response r = response(201);
    assert_true(one(json_set("status", HC_CHECK_EQUALS, "PENDING"), &r, why));
    assert_false(one(json_set("status", HC_CHECK_EQUALS, "CONFIRMED"), &r, why));
    assert_string_equal(why, "json status is \"PENDING\", expected = CONFIRMED");
    assert_true(one(json_set("qty", HC_CHECK_EQUALS, "1"), &r, why));
    assert_true(one(json_set("qty", HC_CHECK_EQUALS, "1.0"), &r, why));
    assert_false(one(json_set("qty", HC_CHECK_EQUALS, "2"), &r, why));
    assert_string_equal(why, "json qty is 1, expected = 2");
    assert_false(one(json_set("qty", HC_CHECK_EQUALS, "one"), &r, why));
    assert_true(one(json_set("price", HC_CHECK_EQUALS, "4.5"), &r, why));
    assert_true(one(json_set("paid", HC_CHECK_EQUALS, "false"), &r, why));
    assert_false(one(json_set("paid", HC_CHECK_EQUALS, "true"), &r, why));
    assert_true(one(json_set("note", HC_CHECK_EQUALS, "null"), &r, why));
    assert_true(one(json_set("items.1.sku", HC_CHECK_EQUALS, "sku-9"), &r, why));
    assert_true(one(json_set("items[0].sku", HC_CHECK_MATCHES, "sku-[0-9]"), &r, why));
    assert_false(one(json_set("items[0].sku", HC_CHECK_MATCHES, "sku"), &r, why));
    assert_true(one(json_set("id", HC_CHECK_EXISTS, NULL), &r, why));
    assert_false(one(json_set("items.2", HC_CHECK_EXISTS, NULL), &r, why));
    assert_string_equal(why, "json items.2 is missing");
    assert_true(one(json_set("error", HC_CHECK_ABSENT, NULL), &r, why));
    assert_false(one(json_set("id", HC_CHECK_ABSENT, NULL), &r, why));
    assert_false(one(json_set("items", HC_CHECK_EQUALS, "x"), &r, why));
    struct hc_check_response html = {200, NULL, 0, "<html>", 6};
    assert_false(one(json_set("id", HC_CHECK_EXISTS, NULL), &html, why));
    assert_non_null(strstr(why, "json id: the body is not JSON ("));

    static const char *const bad[] = {"", "a..b", "a.", "a[x]", "a[1", ".a", "a[]"};
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        struct hc_check_set *s = hc_check_set_new();
        char err[128] = "";
        if (hc_check_add_json(s, bad[i], HC_CHECK_EXISTS, NULL, err, sizeof(err)) != HC_ESYNTAX)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_non_null(strstr(err, "JSON path"));
        hc_check_set_free(s);
    }
}

static void extractions_copy_values_into_the_iteration_variables(void **state)
{
    (void)state;
    struct hc_check_set *s = hc_check_set_new();
    char err[128];
    assert_int_equal(hc_check_add_status(s, "201", err, sizeof(err)), 0);
    assert_int_equal(hc_check_add_extract(s, 0, HC_CHECK_FROM_JSON, "id", -1, err, sizeof(err)), 0);
    assert_int_equal(hc_check_add_extract(s, 1, HC_CHECK_FROM_HEADER, "etag", -1, err, sizeof(err)),
                     0);
    assert_int_equal(
        hc_check_add_extract(s, 2, HC_CHECK_FROM_REGEX, "t=([a-z0-9]+);", -1, err, sizeof(err)), 0);
    assert_int_equal(
        hc_check_add_extract(s, 3, HC_CHECK_FROM_JSON, "items.1", -1, err, sizeof(err)), 0);
    assert_int_equal(hc_check_add_extract(s, 4, HC_CHECK_FROM_JSON, "qty", -1, err, sizeof(err)),
                     0);
    assert_int_equal(
        hc_check_add_extract(s, 5, HC_CHECK_FROM_REGEX, "sku-[0-9]", 0, err, sizeof(err)), 0);
    assert_int_equal(hc_check_count(s), 1);
    assert_int_equal(hc_check_extract_count(s), 6);
    assert_int_equal(hc_check_extract_var(s, 2), 2);
    assert_int_equal(hc_check_needs(s), HC_CHECK_NEED_HEADERS | HC_CHECK_NEED_BODY);
    assert_string_equal(hc_check_label(s, 1), "extract 0 <- json id");
    struct hc_check_vars vars;
    hc_check_vars_init(&vars, 6);
    struct hc_check_response r = response(201);
    struct hc_check_result res[7];
    assert_int_equal(hc_check_eval(s, &r, res, &vars), 0);
    const char *want[] = {"ord-17", "\"v7\"", "abc123", "{\"sku\":\"sku-9\"}", "1", "sku-3"};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(vars.values[i].len, strlen(want[i]));
        assert_memory_equal(vars.values[i].ptr, want[i], vars.values[i].len);
    }
    hc_check_vars_reset(&vars);
    assert_null(vars.values[0].ptr);

    struct hc_check_response other = {201, NULL, 0, "{\"x\":1}", 7};
    assert_int_equal(hc_check_eval(s, &other, res, &vars), 6);
    assert_true(res[0].pass);
    assert_string_equal(res[1].reason, "extract id: no such field");
    assert_string_equal(res[2].reason, "extract etag: no such header");
    assert_string_equal(res[3].reason, "extract t=([a-z0-9]+);: no match in the body");
    assert_null(vars.values[0].ptr);
    hc_check_vars_destroy(&vars);

    assert_int_equal(hc_check_add_extract(s, 0, HC_CHECK_FROM_REGEX, "abc", 1, err, sizeof(err)),
                     HC_ERANGE);
    assert_string_equal(err, "regex \"abc\" has 0 groups, not group 1");
    hc_check_set_free(s);
}

static void values_past_the_bound_fail_their_extraction(void **state)
{
    (void)state;
    static char big[HC_CHECK_MAX_VAR_BYTES + 40];
    memcpy(big, "{\"v\":\"", 6);
    memset(big + 6, 'x', HC_CHECK_MAX_VAR_BYTES + 1);
    memcpy(big + 6 + HC_CHECK_MAX_VAR_BYTES + 1, "\"}", 3);
    struct hc_check_set *s = hc_check_set_new();
    char err[128];
    assert_int_equal(hc_check_add_extract(s, 0, HC_CHECK_FROM_JSON, "v", -1, err, sizeof(err)), 0);
    struct hc_check_vars vars;
    hc_check_vars_init(&vars, 1);
    struct hc_check_response r = {200, NULL, 0, big, strlen(big)};
    struct hc_check_result res[1];
    assert_int_equal(hc_check_eval(s, &r, res, &vars), 1);
    assert_string_equal(res[0].reason, "extract v: the value is longer than 1024 bytes");
    assert_int_equal(hc_check_vars_set(&vars, 1, "x", 1), -EINVAL);
    assert_int_equal(hc_check_vars_set(&vars, 0, big, HC_CHECK_MAX_VAR_BYTES + 1), HC_ETOOLARGE);
    hc_check_vars_destroy(&vars);
    hc_check_set_free(s);
}

static void regexes_that_would_blow_up_are_refused_at_compile_time(void **state)
{
    (void)state;
    static const char *const ok[] = {"L1|L2|DB",         "sku-[0-9]+",         "^(a|b)*c{2,5}$",
                                     "[]a-z{}+*]+x",     "[[:alpha:]]{1,100}", "\\(literal\\)+",
                                     "(ab){10}(cd){10}", "token=([a-z0-9]+);", "(a*)+b",
                                     "(x+)*|y?",         "a*b+c?d{2}"};
    for (size_t i = 0; i < HC_ARRAY_LEN(ok); i++) {
        struct hc_check_set *s = hc_check_set_new();
        char err[200] = "";
        if (hc_check_add_body(s, HC_CHECK_MATCHES, ok[i], err, sizeof(err)) != 0)
            fail_msg("\"%s\" refused: %s", ok[i], err);
        hc_check_set_free(s);
    }
    struct bad {
        const char *re;
        int rc;
        const char *msg;
    };
    static const struct bad bad[] = {
        {"csrf=++++++++++++++++++++++++++++++++([a-z0-9]+)", HC_ESYNTAX, "right after another"},
        {"csrf=(((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)([a-z0-9]+)", HC_ETOOLARGE,
         "too complex"},
        {"a**", HC_ESYNTAX, "right after another"},
        {"a+{2}", HC_ESYNTAX, "right after another"},
        {"x*******++++++++++ y", HC_ESYNTAX, "put the first in a group"},
        {"((a{100}){100}){100}", HC_ETOOLARGE, "too complex"},
        {"(((((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+", HC_ETOOLARGE, "too complex"},
        {"(a)\\1", HC_ESYNTAX, "back-references (\\1) are not supported"},
        {"((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))", HC_ETOOLARGE,
         "nested deeper than 32 groups"},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        struct hc_check_set *s = hc_check_set_new();
        char err[200] = "";
        int rc = hc_check_add_header(s, "X", HC_CHECK_MATCHES, bad[i].re, err, sizeof(err));
        if (rc != bad[i].rc || strstr(err, bad[i].msg) == NULL)
            fail_msg("\"%s\": %d %s", bad[i].re, rc, err);
        assert_int_equal(hc_check_count(s), 0);
        hc_check_set_free(s);
    }
    static char longest[HC_CHECK_MAX_REGEX_BYTES + 2];
    memset(longest, 'a', sizeof(longest) - 1);
    struct hc_check_set *s = hc_check_set_new();
    char err[200];
    assert_int_equal(hc_check_add_body(s, HC_CHECK_MATCHES, longest, err, sizeof(err)),
                     HC_ETOOLARGE);
    hc_check_set_free(s);
}

static void a_set_has_a_bound(void **state)
{
    (void)state;
    struct hc_check_set *s = hc_check_set_new();
    char err[128];
    for (int i = 0; i < HC_CHECK_MAX_PER_REQUEST; i++)
        assert_int_equal(hc_check_add_status(s, "200", err, sizeof(err)), 0);
    assert_int_equal(hc_check_add_status(s, "200", err, sizeof(err)), HC_ETOOLARGE);
    struct hc_check_response r = response(200);
    assert_int_equal(hc_check_eval(s, &r, NULL, NULL), 0);
    hc_check_set_free(s);
    hc_check_set_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_checks_take_codes_sets_and_ranges),
        cmocka_unit_test(status_expected_answers_only_for_a_set_with_a_status_check),
        cmocka_unit_test(header_checks_match_whole_values_case_blind_names),
        cmocka_unit_test(body_checks_search_the_body),
        cmocka_unit_test(json_checks_compare_as_the_field_type),
        cmocka_unit_test(extractions_copy_values_into_the_iteration_variables),
        cmocka_unit_test(values_past_the_bound_fail_their_extraction),
        cmocka_unit_test(regexes_that_would_blow_up_are_refused_at_compile_time),
        cmocka_unit_test(a_set_has_a_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
