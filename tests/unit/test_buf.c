/* test_buf.c: the capped growable buffer of common/buf.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc/buf.h"
#include "hc/core.h"
#include "hc/limits.h"

static void appends_accumulate_and_stay_nul_terminated(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_string_equal(hc_buf_cstr(&b), "");
    assert_int_equal(hc_buf_append_str(&b, "hello"), 0);
    assert_int_equal(hc_buf_putc(&b, ' '), 0);
    assert_int_equal(hc_buf_appendf(&b, "%d-%s", 42, "x"), 0);
    assert_int_equal(b.len, 10);
    assert_string_equal(hc_buf_cstr(&b), "hello 42-x");
    hc_buf_destroy(&b);
}

static void append_past_the_cap_fails_and_changes_nothing(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 8);
    assert_int_equal(hc_buf_append_str(&b, "12345"), 0);
    assert_int_equal(hc_buf_append_str(&b, "6789"), HC_ETOOLARGE);
    assert_int_equal(b.len, 5);
    assert_string_equal(hc_buf_cstr(&b), "12345");
    assert_int_equal(hc_buf_appendf(&b, "%s", "abcd"), HC_ETOOLARGE);
    assert_int_equal(hc_buf_append_str(&b, "678"), 0);
    assert_string_equal(hc_buf_cstr(&b), "12345678");
    assert_true(b.cap <= 8);
    hc_buf_destroy(&b);
}

static void long_formatted_text_is_not_truncated(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    char big[1000];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(hc_buf_appendf(&b, "<%s>", big), 0);
    assert_int_equal(b.len, 1001);
    assert_int_equal(b.data[0], '<');
    assert_int_equal(b.data[1000], '>');
    assert_int_equal(b.data[1001], '\0');
    hc_buf_destroy(&b);
}

static void consume_drops_the_front(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    hc_buf_append_str(&b, "GET / HTTP/1.1\r\n");
    hc_buf_consume(&b, 4);
    assert_string_equal(hc_buf_cstr(&b), "/ HTTP/1.1\r\n");
    hc_buf_consume(&b, 1000);
    assert_int_equal(b.len, 0);
    assert_string_equal(hc_buf_cstr(&b), "");
    hc_buf_destroy(&b);
}

static void take_hands_over_the_bytes(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    size_t len = 99;
    char *empty = hc_buf_take(&b, &len);
    assert_int_equal(len, 0);
    assert_string_equal(empty, "");
    free(empty);
    hc_buf_append_str(&b, "owned");
    char *s = hc_buf_take(&b, &len);
    assert_int_equal(len, 5);
    assert_string_equal(s, "owned");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(s);
    hc_buf_destroy(&b);
    hc_buf_destroy(NULL);
}

/* A temporary file holding len bytes (byte i is 'a' + i % 26), opened for reading at 0. */
static int file_of(size_t len)
{
    char path[] = "/tmp/hc_test_buf_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    char *bytes = malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        bytes[i] = (char)('a' + i % 26);
    assert_int_equal(write(fd, bytes, len), (ssize_t)len);
    free(bytes);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

static void read_fd_reads_to_the_end_in_several_reads(void **state)
{
    (void)state;
    size_t len = 3 * HC_BUF_READ_CHUNK + 5;
    int fd = file_of(len);
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(hc_buf_append_str(&b, "head:"), 0);
    assert_int_equal(hc_buf_read_fd(&b, fd), 0);
    assert_int_equal(b.len, 5 + len);
    assert_memory_equal(b.data, "head:abc", 8);
    assert_int_equal(b.data[5 + len - 1], 'a' + (len - 1) % 26);
    assert_int_equal(b.data[b.len], '\0');
    close(fd);
    hc_buf_destroy(&b);
}

static void read_fd_takes_exactly_the_cap_and_refuses_one_more(void **state)
{
    (void)state;
    struct hc_buf b;
    int fd = file_of(100);
    hc_buf_init(&b, 100);
    assert_int_equal(hc_buf_read_fd(&b, fd), 0);
    assert_int_equal(b.len, 100);
    close(fd);
    hc_buf_destroy(&b);

    fd = file_of(101);
    hc_buf_init(&b, 100);
    assert_int_equal(hc_buf_read_fd(&b, fd), HC_ETOOLARGE);
    assert_int_equal(b.len, 100);
    close(fd);
    hc_buf_destroy(&b);
}

static void read_fd_reads_a_pipe_and_reports_read_errors(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "piped", 5), 5);
    close(p[1]);
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(hc_buf_read_fd(&b, p[0]), 0);
    assert_string_equal(hc_buf_cstr(&b), "piped");
    close(p[0]);
    assert_int_equal(hc_buf_read_fd(&b, p[0]), -EBADF);
    assert_string_equal(hc_buf_cstr(&b), "piped");
    hc_buf_destroy(&b);

    int fd = file_of(0);
    hc_buf_init(&b, 0);
    assert_int_equal(hc_buf_read_fd(&b, fd), 0);
    assert_int_equal(b.len, 0);
    assert_string_equal(hc_buf_cstr(&b), "");
    close(fd);
    hc_buf_destroy(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(appends_accumulate_and_stay_nul_terminated),
        cmocka_unit_test(append_past_the_cap_fails_and_changes_nothing),
        cmocka_unit_test(long_formatted_text_is_not_truncated),
        cmocka_unit_test(consume_drops_the_front),
        cmocka_unit_test(take_hands_over_the_bytes),
        cmocka_unit_test(read_fd_reads_to_the_end_in_several_reads),
        cmocka_unit_test(read_fd_takes_exactly_the_cap_and_refuses_one_more),
        cmocka_unit_test(read_fd_reads_a_pipe_and_reports_read_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
