/* test_input.c: hcwarm's source file readers, kv, jsonl and resp (hcwarm/input.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "input.h"

static void kv_lines_split_at_the_first_tab_or_space(void **state)
{
    (void)state;
    struct input_item it;
    const char *why = NULL;
    const char *line = "user:1\t{\"name\": \"a b\"}\r";
    assert_int_equal(input_kv_parse(line, strlen(line), &it, &why), 0);
    assert_int_equal(it.key_len, 6);
    assert_memory_equal(it.key, "user:1", 6);
    assert_int_equal(it.value_len, strlen("{\"name\": \"a b\"}"));
    assert_memory_equal(it.value, "{\"name\": \"a b\"}", it.value_len);
    assert_int_equal(input_kv_parse("k v w", 5, &it, &why), 0);
    assert_int_equal(it.key_len, 1);
    assert_int_equal(it.value_len, 3);
    assert_int_equal(input_kv_parse("k ", 2, &it, &why), 0);
    assert_int_equal(it.value_len, 0);
}

static void kv_lines_without_a_key_or_separator_are_malformed(void **state)
{
    (void)state;
    struct input_item it;
    static const char *const bad[] = {"novalue", " leading", "\tleading", "", "\r"};
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        const char *why = NULL;
        assert_int_equal(input_kv_parse(bad[i], strlen(bad[i]), &it, &why), HC_ESYNTAX);
        assert_non_null(why);
        assert_true(strstr(why, "expected") != NULL || strstr(why, "empty") != NULL);
    }
}

static void jsonl_lines_give_key_value_and_ttl(void **state)
{
    (void)state;
    struct hc_buf scratch;
    hc_buf_init(&scratch, 1 << 20);
    struct input_item it;
    char why[200];
    const char *a = "{\"key\":\"k1\",\"value\":\"v1\",\"ttl\":30}";
    assert_int_equal(input_jsonl_parse(a, strlen(a), &it, &scratch, why, sizeof(why)), 0);
    assert_int_equal(it.key_len, 2);
    assert_memory_equal(it.key, "k1", 2);
    assert_memory_equal(it.value, "v1", 2);
    assert_true(it.has_ttl);
    assert_int_equal(it.ttl_ns, 30 * HC_NSEC_PER_SEC);
    const char *b = "{\"key\":\"k2\",\"value\":{\"a\":[1,2]},\"ttl\":\"10m\"}";
    assert_int_equal(input_jsonl_parse(b, strlen(b), &it, &scratch, why, sizeof(why)), 0);
    assert_int_equal(it.value_len, strlen("{\"a\":[1,2]}"));
    assert_memory_equal(it.value, "{\"a\":[1,2]}", it.value_len);
    assert_int_equal(it.ttl_ns, 600 * HC_NSEC_PER_SEC);
    const char *c = "{\"key\":\"k3\",\"value\":\"x\\u0000y\"}";
    assert_int_equal(input_jsonl_parse(c, strlen(c), &it, &scratch, why, sizeof(why)), 0);
    assert_false(it.has_ttl);
    assert_int_equal(it.value_len, 3);
    assert_memory_equal(it.value, "x\0y", 3);
    hc_buf_destroy(&scratch);
}

static void jsonl_lines_name_what_was_expected(void **state)
{
    (void)state;
    struct hc_buf scratch;
    hc_buf_init(&scratch, 1 << 20);
    static const struct {
        const char *line;
        const char *why;
    } bad[] = {
        {"not json", "expected a JSON object"},
        {"[1,2]", "expected a JSON object"},
        {"{\"value\":\"v\"}", "\"key\""},
        {"{\"key\":\"\",\"value\":\"v\"}", "\"key\""},
        {"{\"key\":7,\"value\":\"v\"}", "\"key\""},
        {"{\"key\":\"k\"}", "\"value\""},
        {"{\"key\":\"k\",\"value\":\"v\",\"tll\":5}", "unexpected member \"tll\""},
        {"{\"key\":\"k\",\"value\":\"v\",\"ttl\":-1}", "\"ttl\""},
        {"{\"key\":\"k\",\"value\":\"v\",\"ttl\":\"soon\"}", "\"ttl\""},
        {"{\"key\":\"k\",\"key\":\"j\",\"value\":\"v\"}", "expected a JSON object"},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        struct input_item it;
        char why[200] = "";
        assert_int_equal(
            input_jsonl_parse(bad[i].line, strlen(bad[i].line), &it, &scratch, why, sizeof(why)),
            HC_ESYNTAX);
        if (strstr(why, bad[i].why) == NULL)
            fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].line, why, bad[i].why);
    }
    hc_buf_destroy(&scratch);
}

static void resp_commands_parse_whole_or_ask_for_more(void **state)
{
    (void)state;
    const char *argv[8];
    size_t lens[8];
    struct input_args args = {.argv = argv, .argvlen = lens, .cap = 8};
    struct input_item it;
    const char *why = NULL;
    const char cmd[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\nxy\r\n*1\r\n";
    long n = input_resp_parse(cmd, sizeof(cmd) - 1, &it, &args, &why);
    assert_int_equal(n, (long)strlen("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\nxy\r\n"));
    assert_int_equal(it.argc, 3);
    assert_int_equal(it.argvlen[2], 5);
    assert_memory_equal(it.argv[2], "v\r\nxy", 5);
    for (size_t cut = 0; cut < (size_t)n; cut++)
        assert_int_equal(input_resp_parse(cmd, cut, &it, &args, &why), -EAGAIN);
}

static void resp_that_is_not_an_array_of_bulks_is_malformed(void **state)
{
    (void)state;
    const char *argv[2];
    size_t lens[2];
    struct input_args args = {.argv = argv, .argvlen = lens, .cap = 2};
    static const char *const bad[] = {
        "SET k v\r\n",       "*0\r\n",     "*1\r\n:5\r\n",     "*x\r\n", "*1\r\n$3\r\nabcd\r\n",
        "*3\r\n$1\r\na\r\n", "*1\r\n$1\n", "*12345678901\r\n",
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        struct input_item it;
        const char *why = NULL;
        assert_int_equal(input_resp_parse(bad[i], strlen(bad[i]), &it, &args, &why), -EBADMSG);
        assert_non_null(why);
    }
}

/* Writes text to a new temporary file; its path in path. */
static void write_temp(char *path, size_t len, const char *text, size_t n)
{
    snprintf(path, len, "/tmp/hcwarm-test-input-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
}

static void a_file_reports_bad_lines_with_their_number_and_goes_on(void **state)
{
    (void)state;
    char path[64];
    const char text[] = "a 1\n\nbad\nb 2\r\n c\nlast 3";
    write_temp(path, sizeof(path), text, sizeof(text) - 1);
    struct input in;
    char err[300];
    assert_int_equal(input_open(&in, path, INPUT_KV, err, sizeof(err)), 0);
    struct input_item it;
    assert_int_equal(input_next(&in, &it, err, sizeof(err)), 1);
    assert_memory_equal(it.key, "a", 1);
    assert_int_equal(in.item_line, 1);
    assert_int_equal(input_next(&in, &it, err, sizeof(err)), HC_ESYNTAX);
    assert_int_equal(in.item_line, 3);
    char want[100];
    snprintf(want, sizeof(want), "%s:3: expected KEY", path);
    assert_non_null(strstr(err, want));
    assert_int_equal(input_next(&in, &it, err, sizeof(err)), 1);
    assert_memory_equal(it.key, "b", 1);
    assert_int_equal(it.value_len, 1);
    struct input_pos after_b = in.pos;
    assert_int_equal(after_b.line, 4);
    assert_int_equal(input_next(&in, &it, err, sizeof(err)), HC_ESYNTAX);
    assert_int_equal(in.item_line, 5);
    assert_int_equal(input_next(&in, &it, err, sizeof(err)), 1);
    assert_memory_equal(it.value, "3", 1);
    assert_int_equal(input_next(&in, &it, err, sizeof(err)), 0);
    assert_int_equal(in.pos.offset, sizeof(text) - 1);
    assert_int_equal(in.pos.line, 6);
    input_close(&in);

    /* A second reader seeks to where the first one was after "b". */
    assert_int_equal(input_open(&in, path, INPUT_KV, err, sizeof(err)), 0);
    assert_int_equal(input_seek(&in, &after_b), 0);
    assert_int_equal(input_next(&in, &it, err, sizeof(err)), HC_ESYNTAX);
    assert_int_equal(in.item_line, 5);
    assert_int_equal(input_next(&in, &it, err, sizeof(err)), 1);
    assert_memory_equal(it.key, "last", 4);
    input_close(&in);
    unlink(path);
}

static void a_line_past_the_bound_is_malformed_not_buffered(void **state)
{
    (void)state;
    size_t n = (size_t)HC_HCWARM_MAX_LINE_BYTES + 100;
    char *text = malloc(n + 20);
    assert_non_null(text);
    memset(text, 'x', n);
    memcpy(text + n, "\nk v\n", 5);
    char path[64];
    write_temp(path, sizeof(path), text, n + 5);
    free(text);
    struct input in;
    char err[300];
    assert_int_equal(input_open(&in, path, INPUT_KV, err, sizeof(err)), 0);
    struct input_item it;
    assert_int_equal(input_next(&in, &it, err, sizeof(err)), HC_ESYNTAX);
    assert_non_null(strstr(err, ":1: expected a line of at most 16 MiB"));
    assert_int_equal(input_next(&in, &it, err, sizeof(err)), 1);
    assert_memory_equal(it.key, "k", 1);
    assert_int_equal(in.item_line, 2);
    input_close(&in);
    unlink(path);
}

static void a_resp_file_resyncs_after_a_bad_command(void **state)
{
    (void)state;
    const char text[] = "*2\r\n$3\r\nGET\r\n$1\r\na\r\n"
                        "PING\r\n"
                        "*1\r\n$4\r\nPING\r\n"
                        "*2\r\n$3\r\nGET\r\n$9\r\nb\r\n";
    char path[64];
    write_temp(path, sizeof(path), text, sizeof(text) - 1);
    struct input in;
    char err[300];
    assert_int_equal(input_open(&in, path, INPUT_RESP, err, sizeof(err)), 0);
    struct input_item it;
    assert_int_equal(input_next(&in, &it, err, sizeof(err)), 1);
    assert_int_equal(it.argc, 2);
    assert_int_equal(in.item_line, 1);
    assert_int_equal(input_next(&in, &it, err, sizeof(err)), HC_ESYNTAX);
    assert_non_null(strstr(err, ":6: expected '*'"));
    assert_int_equal(input_next(&in, &it, err, sizeof(err)), 1);
    assert_int_equal(it.argc, 1);
    assert_int_equal(in.item_line, 7);
    assert_int_equal(input_next(&in, &it, err, sizeof(err)), HC_ESYNTAX);
    assert_non_null(strstr(err, ":10: expected the rest of the command"));
    assert_int_equal(input_next(&in, &it, err, sizeof(err)), 0);
    input_close(&in);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kv_lines_split_at_the_first_tab_or_space),
        cmocka_unit_test(kv_lines_without_a_key_or_separator_are_malformed),
        cmocka_unit_test(jsonl_lines_give_key_value_and_ttl),
        cmocka_unit_test(jsonl_lines_name_what_was_expected),
        cmocka_unit_test(resp_commands_parse_whole_or_ask_for_more),
        cmocka_unit_test(resp_that_is_not_an_array_of_bulks_is_malformed),
        cmocka_unit_test(a_file_reports_bad_lines_with_their_number_and_goes_on),
        cmocka_unit_test(a_line_past_the_bound_is_malformed_not_buffered),
        cmocka_unit_test(a_resp_file_resyncs_after_a_bad_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
