/* test_jtl.c: the JMeter CSV writer (hcload/jtl.c): quoting, the rows its callbacks write,
 * the callbacks it chains to, --jtl-sample, and rows of many threads never mixing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jtl.h"

static void fields_are_quoted_as_jmeter_writes_them(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\r", "\"cr\r\""},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct hc_buf b;
        hc_buf_init(&b, 0);
        assert_int_equal(jtl_quote(&b, cases[i].in, strlen(cases[i].in)), 0);
        assert_string_equal(hc_buf_cstr(&b), cases[i].out);
        hc_buf_destroy(&b);
    }
}

/* A set of two named requests, one with a comma in its name. */
static void two_requests(struct hc_client_reqset *set)
{
    hc_client_reqset_init(set);
    struct hc_client_request_spec a = {.name = "create",
                                       .method = "POST",
                                       .url = "http://127.0.0.1:8080/api/orders",
                                       .target = "/api/orders",
                                       .host = "127.0.0.1:8080",
                                       .body = "{}",
                                       .body_len = 2};
    struct hc_client_request_spec b = {.name = "list, \"all\"",
                                       .method = "GET",
                                       .url = "http://127.0.0.1:8080/a?x=1,2",
                                       .target = "/a?x=1,2",
                                       .host = "127.0.0.1:8080"};
    assert_int_equal(hc_client_reqset_add(set, &a), 0);
    assert_int_equal(hc_client_reqset_add(set, &b), 0);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[8 << 20];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static int chained_responses, chained_failures;
static void next_response(void *ctx, const struct hc_client_response *r)
{
    (void)r;
    assert_ptr_equal(ctx, &chained_responses);
    chained_responses++;
}
static void next_failure(void *ctx, const struct hc_client_failure *f)
{
    (void)f;
    assert_ptr_equal(ctx, &chained_responses);
    chained_failures++;
}

static void rows_carry_every_column_and_chain_the_callbacks(void **state)
{
    (void)state;
    char path[] = "/tmp/test_jtl_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct hc_client_reqset set;
    two_requests(&set);
    struct jtl *j = NULL;
    char err[256];
    assert_int_equal(jtl_new(path, 2, 64, 1, &set, &j, err, sizeof(err)), 0);
    struct hc_client_config cc = {
        .on_response = next_response, .on_failure = next_failure, .cb_ctx = &chained_responses};
    jtl_attach(j, &cc);
    int64_t t0 = hc_now_ns();
    struct hc_client_response r = {.thread = 1,
                                   .req = 0,
                                   .status = 201,
                                   .due_ns = t0,
                                   .sent_ns = t0 + 2 * HC_NSEC_PER_MSEC,
                                   .done_ns = t0 + 7 * HC_NSEC_PER_MSEC,
                                   .bytes = 212};
    cc.on_response(cc.cb_ctx, &r);
    r.req = 1;
    r.status = 503;
    r.thread = 0;
    cc.on_response(cc.cb_ctx, &r);
    struct hc_client_failure f = {.thread = 0,
                                  .req = HC_CLIENT_NO_REQUEST,
                                  .kind = HC_CLIENT_ERR_CONNECT,
                                  .done_ns = t0,
                                  .detail = "Connection refused"};
    cc.on_failure(cc.cb_ctx, &f);
    assert_int_equal(chained_responses, 2);
    assert_int_equal(chained_failures, 1);
    assert_int_equal(jtl_close(j), 3);
    jtl_free(j);

    char *text = slurp(path);
    char *line = strtok(text, "\n");
    assert_string_equal(line, JTL_HEADER);
    /* Rows come thread by thread at the close: thread 0's two, then thread 1's one. */
    line = strtok(NULL, "\n");
    char *comma = strchr(line, ',');
    assert_non_null(comma);
    char want[512];
    snprintf(
        want, sizeof(want),
        ",7,\"list, \"\"all\"\"\",503,Service Unavailable,hcload 1-1,text,false,,212,%zu,64,64,"
        "\"http://127.0.0.1:8080/a?x=1,2\",5,0,0",
        set.reqs[1].wire.len);
    assert_string_equal(comma, want);
    line = strtok(NULL, "\n");
    assert_string_equal(strchr(line, ','),
                        ",0,connect,Non HTTP response code: connect,Non HTTP response message: "
                        "connect: Connection refused,hcload 1-1,text,false,Non HTTP response "
                        "message: connect: Connection refused,0,0,64,64,"
                        "http://127.0.0.1:8080/api/orders,0,0,0");
    line = strtok(NULL, "\n");
    snprintf(want, sizeof(want),
             ",7,create,201,Created,hcload 1-2,text,true,,212,%zu,64,64,"
             "http://127.0.0.1:8080/api/orders,5,0,0",
             set.reqs[0].wire.len);
    assert_string_equal(strchr(line, ','), want);
    /* timeStamp is the due time in epoch milliseconds. */
    long long ts = atoll(line);
    long long now_ms = (long long)(hc_wall_ns() / HC_NSEC_PER_MSEC);
    assert_true(ts <= now_ms && ts > now_ms - 60000);
    assert_null(strtok(NULL, "\n"));
    hc_client_reqset_destroy(&set);
    unlink(path);
}

static void a_sample_keeps_one_row_in_n_and_full_buffers_hold_whole_rows(void **state)
{
    (void)state;
    char path[] = "/tmp/test_jtl_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct hc_client_reqset set;
    two_requests(&set);
    struct jtl *j = NULL;
    char err[256];
    assert_int_equal(jtl_new(path, 2, 4, 3, &set, &j, err, sizeof(err)), 0);
    struct hc_client_config cc = {0};
    jtl_attach(j, &cc);
    /* Enough rows to fill each thread's buffer many times over. */
    int64_t t0 = hc_now_ns();
    for (int i = 0; i < 90000; i++) {
        struct hc_client_response r = {.thread = (unsigned)(i % 2),
                                       .req = (uint32_t)(i % 2),
                                       .status = 200,
                                       .due_ns = t0,
                                       .sent_ns = t0,
                                       .done_ns = t0 + i,
                                       .bytes = 100};
        cc.on_response(cc.cb_ctx, &r);
    }
    assert_int_equal(jtl_close(j), 30000);
    jtl_free(j);
    char *text = slurp(path);
    size_t lines = 0, create = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        lines++;
        if (lines == 1)
            continue;
        /* Every line is one whole row of 17 columns ending in ",0,0". */
        size_t len = strlen(line);
        assert_true(len > 4 && strcmp(line + len - 4, ",0,0") == 0);
        if (strstr(line, ",create,200,OK,hcload 1-1,") != NULL)
            create++;
    }
    assert_int_equal(lines, 30001);
    assert_int_equal(create, 15000); /* thread 0 saw 45000 creates and kept one in 3 */
    hc_client_reqset_destroy(&set);
    unlink(path);
}

static void an_unwritable_path_fails_with_its_name(void **state)
{
    (void)state;
    struct hc_client_reqset set;
    two_requests(&set);
    struct jtl *j = NULL;
    char err[256] = "";
    assert_true(jtl_new("/nonexistent/dir/x.jtl", 1, 1, 1, &set, &j, err, sizeof(err)) < 0);
    assert_null(j);
    assert_non_null(strstr(err, "--jtl /nonexistent/dir/x.jtl"));
    hc_client_reqset_destroy(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_are_quoted_as_jmeter_writes_them),
        cmocka_unit_test(rows_carry_every_column_and_chain_the_callbacks),
        cmocka_unit_test(a_sample_keeps_one_row_in_n_and_full_buffers_hold_whole_rows),
        cmocka_unit_test(an_unwritable_path_fails_with_its_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
