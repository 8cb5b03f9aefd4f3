/* test_feed.c: CSV feeders, their parsing and their row orders (common/feed.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hc/feed.h"
#include "hc/limits.h"

static struct hc_feed *parse_ok(const char *text, enum hc_feed_order order, enum hc_feed_end end)
{
    struct hc_feed *f = NULL;
    char err[256];
    int rc = hc_feed_parse("t.csv", text, strlen(text), order, end, &f, err, sizeof(err));
    if (rc != 0)
        fail_msg("parse: %s (%d)", err, rc);
    return f;
}

static void assert_field(const struct hc_tmpl_value *v, const char *want)
{
    assert_int_equal(v->len, strlen(want));
    assert_memory_equal(v->ptr, want, v->len);
    assert_int_equal(v->ptr[v->len], '\0');
}

static void rfc4180_quoting_and_line_ends_parse(void **state)
{
    (void)state;
    struct hc_feed *f = parse_ok("\xef\xbb\xbfid,name,note\r\n"
                                 "1,alice,plain\r\n"
                                 "\n"
                                 "2,\"bob, jr\",\"says \"\"hi\"\"\"\n"
                                 "3,\"two\nlines\",\n"
                                 "4,,\"\"",
                                 HC_FEED_SEQUENTIAL, HC_FEED_RECYCLE);
    assert_int_equal(hc_feed_rows(f), 4);
    assert_int_equal(hc_feed_columns(f), 3);
    assert_string_equal(hc_feed_column_names(f)[0], "id");
    assert_string_equal(hc_feed_column_names(f)[2], "note");
    assert_int_equal(hc_feed_column(f, "name"), 1);
    assert_int_equal(hc_feed_column(f, "email"), HC_EUNKNOWN);
    assert_field(&hc_feed_row(f, 0)[1], "alice");
    assert_field(&hc_feed_row(f, 1)[1], "bob, jr");
    assert_field(&hc_feed_row(f, 1)[2], "says \"hi\"");
    assert_field(&hc_feed_row(f, 2)[1], "two\nlines");
    assert_field(&hc_feed_row(f, 2)[2], "");
    assert_field(&hc_feed_row(f, 3)[0], "4");
    assert_field(&hc_feed_row(f, 3)[1], "");
    assert_field(&hc_feed_row(f, 3)[2], "");
    hc_feed_free(f);
}

struct bad_case {
    const char *text;
    int rc;
    const char *msg;
};

static void malformed_files_name_the_line(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"", HC_ESYNTAX, "t.csv:1: no header row"},
        {"\n\n", HC_ESYNTAX, "t.csv:3: no header row"},
        {"id\n", HC_ESYNTAX, "t.csv:2: no data rows"},
        {"id,name\n1,a\n2\n", HC_ESYNTAX, "t.csv:3: 1 field, the header has 2"},
        {"id,name\n1,a,x\n", HC_ESYNTAX, "t.csv:2: 3 fields, the header has 2"},
        {"id,\n1,2\n", HC_ESYNTAX, "t.csv:1: column 2 has no name"},
        {"id,id\n1,2\n", HC_ESYNTAX, "t.csv:1: column \"id\" named twice"},
        {"id\n1\n\"open\nstill\n", HC_ESYNTAX, "t.csv:3: a quoted field without its closing"},
        {"id\n1\nab\"c\n", HC_ESYNTAX, "t.csv:3: a quote inside an unquoted field"},
        {"id\n\"a\"b\n", HC_ESYNTAX, "t.csv:2: text after a closing quote"},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(cases); i++) {
        struct hc_feed *f = (struct hc_feed *)1;
        char err[256] = "";
        int rc = hc_feed_parse("t.csv", cases[i].text, strlen(cases[i].text), HC_FEED_SEQUENTIAL,
                               HC_FEED_RECYCLE, &f, err, sizeof(err));
        if (rc != cases[i].rc || strstr(err, cases[i].msg) != err)
            fail_msg("case %zu: rc %d \"%s\", want \"%s\"", i, rc, err, cases[i].msg);
        assert_null(f);
    }
    /* A name is looked up as a C string, so "a\0b" would answer to "a": refused. */
    static const char nul_name[] = "id,a\0b\n1,2\n";
    struct hc_feed *f = (struct hc_feed *)1;
    char err[256] = "";
    assert_int_equal(hc_feed_parse("t.csv", nul_name, sizeof(nul_name) - 1, HC_FEED_SEQUENTIAL,
                                   HC_FEED_RECYCLE, &f, err, sizeof(err)),
                     HC_ESYNTAX);
    assert_string_equal(err, "t.csv:1: column 2's name holds a NUL byte");
    assert_null(f);
}

static void a_missing_file_names_the_path(void **state)
{
    (void)state;
    struct hc_feed *f;
    char err[256];
    assert_int_equal(
        hc_feed_load("/nonexistent/users.csv", HC_FEED_UNIQUE, HC_FEED_STOP, &f, err, sizeof(err)),
        -ENOENT);
    assert_string_equal(err, "/nonexistent/users.csv: No such file or directory");
    assert_int_equal(hc_feed_load("/dev/null", HC_FEED_UNIQUE, HC_FEED_STOP, &f, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "/dev/null: not a regular file");
    assert_int_equal(hc_feed_load(HC_TEST_DATA "/plan/users.csv", HC_FEED_UNIQUE, HC_FEED_STOP, &f,
                                  err, sizeof(err)),
                     0);
    assert_int_equal(hc_feed_column(f, "id"), 0);
    assert_true(hc_feed_rows(f) >= 10);
    hc_feed_free(f);
}

static const char *three = "id\na\nb\nc\n";

static char claim_one(struct hc_feed *f, uint64_t *cursor, struct hc_tmpl_rng *rng)
{
    const struct hc_tmpl_value *row = NULL;
    int rc = hc_feed_claim(f, cursor, rng, &row);
    if (rc == -ENODATA)
        return '-';
    assert_int_equal(rc, 0);
    return row[0].ptr[0];
}

static void sequential_walks_each_cursor_in_file_order(void **state)
{
    (void)state;
    struct hc_feed *f = parse_ok(three, HC_FEED_SEQUENTIAL, HC_FEED_RECYCLE);
    uint64_t c1 = 0;
    uint64_t c2 = 0;
    char got[16] = "";
    for (int i = 0; i < 7; i++)
        got[i] = claim_one(f, &c1, NULL);
    assert_string_equal(got, "abcabca");
    assert_int_equal(claim_one(f, &c2, NULL), 'a'); /* another thread starts at the top */
    hc_feed_free(f);

    f = parse_ok(three, HC_FEED_SEQUENTIAL, HC_FEED_STOP);
    c1 = 0;
    memset(got, 0, sizeof(got));
    for (int i = 0; i < 5; i++)
        got[i] = claim_one(f, &c1, NULL);
    assert_string_equal(got, "abc--");
    hc_feed_free(f);
}

static void a_share_keeps_every_nth_row_from_the_agents_index(void **state)
{
    (void)state;
    static const char seven[] = "name\na\nb\nc\nd\ne\nf\ng\n";
    const char *want[] = {"adg", "be", "cf"};
    for (size_t i = 0; i < 3; i++) {
        struct hc_feed *f = parse_ok(seven, HC_FEED_SEQUENTIAL, HC_FEED_STOP);
        assert_int_equal(hc_feed_share(f, i, 3), 0);
        assert_int_equal(hc_feed_rows(f), strlen(want[i]));
        uint64_t c = 0;
        char got[8] = "";
        for (size_t k = 0; k < strlen(want[i]); k++) {
            got[k] = hc_feed_row(f, k)[0].ptr[0];
            assert_int_equal(claim_one(f, &c, NULL), want[i][k]);
        }
        assert_string_equal(got, want[i]);
        assert_int_equal(claim_one(f, &c, NULL), '-');
        hc_feed_free(f);
    }
    struct hc_feed *f = parse_ok(seven, HC_FEED_SEQUENTIAL, HC_FEED_STOP);
    assert_int_equal(hc_feed_share(f, 0, 1), 0); /* one agent keeps everything */
    assert_int_equal(hc_feed_rows(f), 7);
    assert_int_equal(hc_feed_share(f, 7, 8), -ENODATA); /* more agents than rows */
    assert_int_equal(hc_feed_rows(f), 7);
    hc_feed_free(f);
}

static void unique_hands_each_row_out_once_then_recycles_or_stops(void **state)
{
    (void)state;
    struct hc_feed *f = parse_ok(three, HC_FEED_UNIQUE, HC_FEED_STOP);
    uint64_t c1 = 0;
    uint64_t c2 = 0;
    char got[8] = "";
    got[0] = claim_one(f, &c1, NULL);
    got[1] = claim_one(f, &c2, NULL); /* cursors do not matter: the counter is shared */
    got[2] = claim_one(f, &c1, NULL);
    got[3] = claim_one(f, &c2, NULL);
    got[4] = claim_one(f, &c1, NULL);
    assert_string_equal(got, "abc--");
    hc_feed_free(f);
    f = parse_ok(three, HC_FEED_UNIQUE, HC_FEED_RECYCLE);
    memset(got, 0, sizeof(got));
    for (int i = 0; i < 5; i++)
        got[i] = claim_one(f, &c1, NULL);
    assert_string_equal(got, "abcab");
    hc_feed_free(f);
}

struct claimer {
    struct hc_feed *f;
    int *seen; /* per row, how many claims got it */
    int claims;
};

static void *claim_until_empty(void *arg)
{
    struct claimer *c = arg;
    uint64_t cursor = 0;
    const struct hc_tmpl_value *row;
    while (hc_feed_claim(c->f, &cursor, NULL, &row) == 0) {
        long id = strtol(row[0].ptr, NULL, 10);
        __atomic_fetch_add(&c->seen[id], 1, __ATOMIC_RELAXED);
        c->claims++;
    }
    return NULL;
}

static void unique_rows_go_to_one_thread_each(void **state)
{
    (void)state;
    enum { ROWS = 20000, THREADS = 4 };
    struct hc_buf text;
    hc_buf_init(&text, 0);
    hc_buf_append_str(&text, "id\n");
    for (int i = 0; i < ROWS; i++)
        hc_buf_appendf(&text, "%d\n", i);
    struct hc_feed *f = parse_ok(hc_buf_cstr(&text), HC_FEED_UNIQUE, HC_FEED_STOP);
    int *seen = calloc(ROWS, sizeof(int));
    struct claimer cl[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        cl[i] = (struct claimer){f, seen, 0};
        pthread_create(&th[i], NULL, claim_until_empty, &cl[i]);
    }
    int total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        total += cl[i].claims;
    }
    assert_int_equal(total, ROWS);
    for (int i = 0; i < ROWS; i++)
        assert_int_equal(seen[i], 1);
    free(seen);
    hc_feed_free(f);
    hc_buf_destroy(&text);
}

static void random_picks_every_row_about_evenly_and_never_ends(void **state)
{
    (void)state;
    struct hc_feed *f = parse_ok(three, HC_FEED_RANDOM, HC_FEED_STOP);
    struct hc_tmpl_rng rng;
    hc_tmpl_rng_seed(&rng, 11);
    int counts[3] = {0};
    for (int i = 0; i < 9000; i++) {
        char c = claim_one(f, NULL, &rng);
        assert_true(c >= 'a' && c <= 'c');
        counts[c - 'a']++;
    }
    for (int i = 0; i < 3; i++)
        assert_true(counts[i] > 2800 && counts[i] < 3200);
    hc_feed_free(f);
}

static void the_hash_follows_the_bytes(void **state)
{
    (void)state;
    struct hc_feed *a = parse_ok(three, HC_FEED_RANDOM, HC_FEED_STOP);
    struct hc_feed *b = parse_ok(three, HC_FEED_UNIQUE, HC_FEED_RECYCLE);
    struct hc_feed *c = parse_ok("id\na\nb\nd\n", HC_FEED_RANDOM, HC_FEED_STOP);
    assert_true(hc_feed_hash(a) == hc_feed_hash(b));
    assert_true(hc_feed_hash(a) != hc_feed_hash(c));
    hc_feed_free(a);
    hc_feed_free(b);
    hc_feed_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc4180_quoting_and_line_ends_parse),
        cmocka_unit_test(malformed_files_name_the_line),
        cmocka_unit_test(a_missing_file_names_the_path),
        cmocka_unit_test(sequential_walks_each_cursor_in_file_order),
        cmocka_unit_test(a_share_keeps_every_nth_row_from_the_agents_index),
        cmocka_unit_test(unique_hands_each_row_out_once_then_recycles_or_stops),
        cmocka_unit_test(unique_rows_go_to_one_thread_each),
        cmocka_unit_test(random_picks_every_row_about_evenly_and_never_ends),
        cmocka_unit_test(the_hash_follows_the_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
