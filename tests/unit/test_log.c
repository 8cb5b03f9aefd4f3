/* test_log.c: program diagnostics, one whole line per write() (common/log.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc/log.h"

/* 2024-05-01T12:34:56.789Z, as nanoseconds since the epoch. */
#define FIXED_NS (1714566896789LL * HC_NSEC_PER_MSEC + 123456)

static int64_t fixed_clock(void)
{
    return FIXED_NS;
}

/* Captured output: a temporary file the logger writes to, read back whole. */
struct capture {
    FILE *file;
};

static int setup(void **state)
{
    struct capture *c = calloc(1, sizeof(*c));
    c->file = tmpfile();
    if (c->file == NULL)
        return -1;
    hc_log_set_fd(fileno(c->file));
    hc_log_set_clock(fixed_clock);
    hc_log_set_program("hctest");
    hc_log_set_level(HC_LOG_LEVEL_INFO);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    struct capture *c = *state;
    hc_log_set_fd(2);
    hc_log_set_clock(NULL);
    hc_log_set_program(NULL);
    fclose(c->file);
    free(c);
    return 0;
}

/* Everything written so far, as a malloc'd string. */
static char *captured(struct capture *c)
{
    long len = lseek(fileno(c->file), 0, SEEK_END);
    assert_true(len >= 0);
    char *text = malloc((size_t)len + 1);
    assert_int_equal(pread(fileno(c->file), text, (size_t)len, 0), len);
    text[len] = '\0';
    return text;
}

static void a_line_has_utc_time_program_level_and_message(void **state)
{
    struct capture *c = *state;
    hc_log(HC_LOG_LEVEL_WARN, "%d connections reset by %s", 3, "127.0.0.1:8080");
    HC_LOG_ERROR("giving up");
    char *text = captured(c);
    assert_string_equal(text, "2024-05-01T12:34:56.789Z hctest warn: 3 connections reset by "
                              "127.0.0.1:8080\n"
                              "2024-05-01T12:34:56.789Z hctest error: giving up\n");
    free(text);
}

static int evaluated;

static int count_evaluation(void)
{
    return ++evaluated;
}

static void levels_below_the_threshold_are_dropped_unevaluated(void **state)
{
    struct capture *c = *state;
    evaluated = 0;
    HC_LOG_DEBUG("debug %d", count_evaluation());
    HC_LOG_INFO("info %d", count_evaluation());
    hc_log_set_level(HC_LOG_LEVEL_WARN);
    HC_LOG_INFO("info again %d", count_evaluation());
    hc_log(HC_LOG_LEVEL_INFO, "direct info");
    HC_LOG_WARN("warn %d", count_evaluation());
    hc_log_set_level(HC_LOG_LEVEL_DEBUG);
    HC_LOG_DEBUG("debug %d", count_evaluation());
    assert_int_equal(evaluated, 3);
    assert_false(hc_log_enabled(HC_LOG_LEVEL_DEBUG + 1));
    assert_int_equal(hc_log_get_level(), HC_LOG_LEVEL_DEBUG);
    char *text = captured(c);
    assert_string_equal(text, "2024-05-01T12:34:56.789Z hctest info: info 1\n"
                              "2024-05-01T12:34:56.789Z hctest warn: warn 2\n"
                              "2024-05-01T12:34:56.789Z hctest debug: debug 3\n");
    free(text);
}

static void level_names_parse_in_any_case(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int rc;
        enum hc_log_level level;
    } cases[] = {
        {"error", 0, HC_LOG_LEVEL_ERROR},      {"WARN", 0, HC_LOG_LEVEL_WARN},
        {"Warning", 0, HC_LOG_LEVEL_WARN},     {"info", 0, HC_LOG_LEVEL_INFO},
        {"debug", 0, HC_LOG_LEVEL_DEBUG},      {"trace", HC_EUNKNOWN, HC_LOG_LEVEL_ERROR},
        {"", HC_EUNKNOWN, HC_LOG_LEVEL_ERROR}, {"info ", HC_EUNKNOWN, HC_LOG_LEVEL_ERROR},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(cases); i++) {
        enum hc_log_level level = HC_LOG_LEVEL_ERROR;
        assert_int_equal(hc_log_parse_level(cases[i].name, &level), cases[i].rc);
        assert_int_equal(level, cases[i].level);
    }
    assert_int_equal(hc_log_parse_level(NULL, NULL), -EINVAL);
    assert_string_equal(hc_log_level_name(HC_LOG_LEVEL_WARN), "warn");
    assert_string_equal(hc_log_level_name((enum hc_log_level)7), "?");
}

static void the_program_name_is_the_last_path_component(void **state)
{
    struct capture *c = *state;
    hc_log_set_program("/usr/local/bin/hcload");
    HC_LOG_INFO("a");
    hc_log_set_program("");
    HC_LOG_INFO("b");
    char longname[200];
    memset(longname, 'p', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    hc_log_set_program(longname);
    HC_LOG_INFO("c");
    char *text = captured(c);
    char want[512];
    snprintf(want, sizeof(want),
             "2024-05-01T12:34:56.789Z hcload info: a\n"
             "2024-05-01T12:34:56.789Z hc info: b\n"
             "2024-05-01T12:34:56.789Z %.*s info: c\n",
             HC_LOG_MAX_PROGRAM_BYTES, longname);
    assert_string_equal(text, want);
    free(text);
}

static void newlines_and_controls_never_split_a_line(void **state)
{
    struct capture *c = *state;
    HC_LOG_INFO("trailing newline dropped\n");
    HC_LOG_INFO("two\nlines\r\x1b[2Jand\ttab");
    HC_LOG_INFO("%s", "");
    char *text = captured(c);
    assert_string_equal(text, "2024-05-01T12:34:56.789Z hctest info: trailing newline dropped\n"
                              "2024-05-01T12:34:56.789Z hctest info: two lines  [2Jand\ttab\n"
                              "2024-05-01T12:34:56.789Z hctest info: \n");
    free(text);
}

static void long_messages_are_cut_with_a_marker_at_the_line_limit(void **state)
{
    struct capture *c = *state;
    size_t big = 3 * HC_LOG_MAX_LINE_BYTES;
    char *msg = malloc(big + 1);
    memset(msg, 'x', big);
    msg[big] = '\0';
    HC_LOG_INFO("%s", msg);
    /* A message that fits exactly is not cut. */
    const char *head = "2024-05-01T12:34:56.789Z hctest info: ";
    size_t fit = HC_LOG_MAX_LINE_BYTES - strlen(head) - 1;
    msg[fit] = '\0';
    HC_LOG_INFO("%s", msg);
    /* A cut never splits a UTF-8 character: 'é' is two bytes. */
    for (size_t i = 0; i + 1 < big; i += 2)
        memcpy(msg + i, "\xc3\xa9", 2);
    msg[big - 1] = '\0';
    HC_LOG_INFO("x%s", msg); /* the odd 'x' puts a boundary mid-character at the cut */
    char *text = captured(c);

    char *line1 = text;
    char *line2 = strchr(line1, '\n') + 1;
    char *line3 = strchr(line2, '\n') + 1;
    size_t len1 = (size_t)(line2 - line1);
    size_t len2 = (size_t)(line3 - line2);
    size_t len3 = strlen(line3);
    assert_int_equal(len1, HC_LOG_MAX_LINE_BYTES);
    assert_memory_equal(line1 + len1 - 1 - strlen(HC_LOG_TRUNCATED), HC_LOG_TRUNCATED "\n",
                        strlen(HC_LOG_TRUNCATED) + 1);
    assert_int_equal(line1[len1 - 2 - strlen(HC_LOG_TRUNCATED)], 'x');
    assert_int_equal(len2, HC_LOG_MAX_LINE_BYTES);
    assert_null(memmem(line2, len2, HC_LOG_TRUNCATED, strlen(HC_LOG_TRUNCATED)));
    assert_true(len3 <= HC_LOG_MAX_LINE_BYTES && len3 >= HC_LOG_MAX_LINE_BYTES - 1);
    const char *marker = line3 + len3 - 1 - strlen(HC_LOG_TRUNCATED);
    assert_memory_equal(marker, HC_LOG_TRUNCATED, strlen(HC_LOG_TRUNCATED));
    assert_memory_equal(marker - 2, "\xc3\xa9", 2);
    free(text);
    free(msg);
}

static void errno_is_preserved(void **state)
{
    (void)state;
    errno = ENOENT;
    HC_LOG_INFO("something");
    assert_int_equal(errno, ENOENT);
    hc_log_set_fd(-1); /* a failing write is ignored, and errno still survives */
    errno = EAGAIN;
    HC_LOG_ERROR("lost");
    assert_int_equal(errno, EAGAIN);
}

#define THREADS          4
#define LINES_PER_THREAD 500

static void *log_many(void *arg)
{
    int id = (int)(intptr_t)arg;
    char pad[3000];
    memset(pad, 'a' + id, sizeof(pad) - 1);
    pad[sizeof(pad) - 1] = '\0';
    for (int i = 0; i < LINES_PER_THREAD; i++)
        HC_LOG_INFO("t%d %d %s", id, i, pad);
    return NULL;
}

static void lines_from_threads_never_interleave(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    hc_log_set_fd(fds[1]);
    pthread_t threads[THREADS];
    FILE *out = tmpfile();
    /* A reader drains the pipe while the writers run, so writes stay whole without blocking. */
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&threads[t], NULL, log_many, (void *)(intptr_t)t), 0);
    int done = 0;
    char chunk[65536];
    size_t total = 0;
    size_t expected = 0;
    for (int t = 0; t < THREADS; t++) {
        for (int i = 0; i < LINES_PER_THREAD; i++) {
            char prefix[64];
            expected += 38 + (size_t)snprintf(prefix, sizeof(prefix), "t%d %d ", t, i) + 2999 + 1;
        }
    }
    while (total < expected) {
        ssize_t n = read(fds[0], chunk, sizeof(chunk));
        assert_true(n > 0);
        fwrite(chunk, 1, (size_t)n, out);
        total += (size_t)n;
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);
    close(fds[0]);
    close(fds[1]);
    assert_int_equal(total, expected);

    rewind(out);
    static char line[8192];
    int seen[THREADS] = {0};
    while (fgets(line, sizeof(line), out) != NULL) {
        int id, i;
        assert_int_equal(sscanf(line, "2024-05-01T12:34:56.789Z hctest info: t%d %d ", &id, &i), 2);
        assert_true(id >= 0 && id < THREADS);
        assert_int_equal(i, seen[id]); /* each thread's lines in order, none lost */
        seen[id]++;
        char *pad = strrchr(line, ' ') + 1;
        assert_int_equal(strspn(pad, (char[]){(char)('a' + id), '\0'}), 2999);
        assert_string_equal(pad + 2999, "\n");
        done++;
    }
    assert_int_equal(done, THREADS * LINES_PER_THREAD);
    fclose(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_line_has_utc_time_program_level_and_message, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(levels_below_the_threshold_are_dropped_unevaluated, setup,
                                        teardown),
        cmocka_unit_test(level_names_parse_in_any_case),
        cmocka_unit_test_setup_teardown(the_program_name_is_the_last_path_component, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(newlines_and_controls_never_split_a_line, setup, teardown),
        cmocka_unit_test_setup_teardown(long_messages_are_cut_with_a_marker_at_the_line_limit,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(errno_is_preserved, setup, teardown),
        cmocka_unit_test_setup_teardown(lines_from_threads_never_interleave, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
