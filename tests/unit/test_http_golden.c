/*
 * test_http_golden.c: every message in tests/data/http/ parses the same whole, in 7-byte
 * pieces and one byte at a time, and the result matches its .expect file.
 *
 * File names say how to parse: req_* and badreq_* are requests, resp_* and badresp_* are
 * responses; a name containing "_head" answers HEAD requests. The summary lists each complete
 * message (start line, headers, trailers, framing, keep-alive, body and the offset where the
 * message ended), then how the input ended: the error, the upgrade and the bytes left, or what
 * end-of-stream said. Run with HC_HTTP_BLESS=1 to rewrite the .expect files after a reviewed
 * change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/http.h"

#define DATA_DIR HC_TEST_DATA "/http"

static void put_escaped(struct hc_buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\')
            hc_buf_append_str(out, "\\\\");
        else if (c >= 0x20 && c < 0x7f)
            hc_buf_putc(out, (char)c);
        else
            hc_buf_appendf(out, "\\x%02x", c);
    }
}

static const char *err_name(int err)
{
    switch (err) {
    case -EBADMSG:
        return "EBADMSG";
    case HC_ETOOLARGE:
        return "ETOOLARGE";
    case HC_EPROTO:
        return "EPROTO";
    default:
        return "other";
    }
}

static void put_fields(struct hc_buf *out, const char *what, const struct hc_http_header *h,
                       size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hc_buf_appendf(out, "%s ", what);
        put_escaped(out, h[i].name, h[i].name_len);
        hc_buf_append_str(out, ": ");
        put_escaped(out, h[i].value, h[i].value_len);
        hc_buf_putc(out, '\n');
    }
}

static void put_msg(struct hc_buf *out, const struct hc_http_msg *m, size_t end)
{
    if (m->method != NULL) {
        hc_buf_appendf(out, "request %s ", m->method);
        put_escaped(out, m->target, m->target_len);
        hc_buf_appendf(out, " HTTP/%d.%d\n", m->version_major, m->version_minor);
    } else {
        hc_buf_appendf(out, "response HTTP/%d.%d %d ", m->version_major, m->version_minor,
                       m->status);
        put_escaped(out, m->reason, m->reason_len);
        hc_buf_putc(out, '\n');
    }
    put_fields(out, "header", m->headers, m->nheaders);
    put_fields(out, "trailer", m->trailers, m->ntrailers);
    if (m->has_content_length)
        hc_buf_appendf(out, "content-length %llu\n", (unsigned long long)m->content_length);
    hc_buf_appendf(out, "chunked %d keep-alive %d upgrade %d no-body %d\n", m->chunked,
                   m->keep_alive, m->upgrade, m->no_body);
    hc_buf_appendf(out, "body %llu ", (unsigned long long)m->body_bytes);
    put_escaped(out, m->body, m->body_len);
    hc_buf_appendf(out, "\nend %zu\n", end);
}

/* Parses data fed in pieces of step bytes and appends the summary to out. */
static void summarize(const char *name, const char *data, size_t len, size_t step,
                      struct hc_buf *out)
{
    bool request = strncmp(name, "req_", 4) == 0 || strncmp(name, "badreq_", 7) == 0;
    bool head = strstr(name, "_head") != NULL;
    struct hc_http_parser p;
    assert_int_equal(hc_http_parser_init(&p, request ? HC_HTTP_REQUEST : HC_HTTP_RESPONSE, NULL),
                     0);
    size_t off = 0;
    size_t piece_end = HC_MIN(len, step);
    if (head)
        hc_http_parser_expect_head(&p);
    while (off < len) {
        ssize_t n = hc_http_parse(&p, data + off, piece_end - off);
        if (n == -EAGAIN) {
            off = piece_end;
            piece_end = off + HC_MIN(len - off, step);
            continue;
        }
        if (n < 0) {
            hc_buf_appendf(out, "error %s\n", err_name((int)n));
            hc_http_parser_destroy(&p);
            return;
        }
        off += (size_t)n;
        put_msg(out, &p.msg, off);
        if (p.msg.upgrade) {
            hc_buf_appendf(out, "upgraded, %zu bytes follow\n", len - off);
            hc_http_parser_destroy(&p);
            return;
        }
        if (head)
            hc_http_parser_expect_head(&p);
        if (off == piece_end)
            piece_end = off + HC_MIN(len - off, step);
    }
    int rc = hc_http_parse_eof(&p);
    if (rc == 1) {
        hc_buf_append_str(out, "at eof: ");
        put_msg(out, &p.msg, off);
    } else if (rc == 0) {
        hc_buf_append_str(out, "eof between messages\n");
    } else {
        hc_buf_appendf(out, "eof error %s\n", err_name(rc));
    }
    hc_http_parser_destroy(&p);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        hc_buf_append(&b, tmp, n);
    fclose(f);
    return hc_buf_take(&b, len);
}

static int check_one(const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", DATA_DIR, name);
    size_t len;
    char *data = read_file(path, &len);
    assert_non_null(data);

    struct hc_buf whole, pieces, bytes;
    hc_buf_init(&whole, 0);
    hc_buf_init(&pieces, 0);
    hc_buf_init(&bytes, 0);
    summarize(name, data, len, SIZE_MAX, &whole);
    summarize(name, data, len, 7, &pieces);
    summarize(name, data, len, 1, &bytes);
    assert_string_equal(hc_buf_cstr(&pieces), hc_buf_cstr(&whole));
    assert_string_equal(hc_buf_cstr(&bytes), hc_buf_cstr(&whole));

    char expect_path[1100];
    snprintf(expect_path, sizeof(expect_path), "%.*s.expect", (int)(strlen(path) - 5), path);
    const char *bless = getenv("HC_HTTP_BLESS");
    if (bless != NULL && bless[0] == '1') {
        FILE *f = fopen(expect_path, "wb");
        assert_non_null(f);
        fwrite(whole.data, 1, whole.len, f);
        fclose(f);
    } else {
        size_t elen;
        char *expect = read_file(expect_path, &elen);
        if (expect == NULL)
            fail_msg("%s: no .expect file", name);
        if (strcmp(expect, hc_buf_cstr(&whole)) != 0)
            fail_msg("%s: got\n%s\nexpected\n%s", name, hc_buf_cstr(&whole), expect);
        free(expect);
    }
    free(data);
    hc_buf_destroy(&whole);
    hc_buf_destroy(&pieces);
    hc_buf_destroy(&bytes);
    return 0;
}

static void every_golden_message_parses_the_same_in_any_fragments(void **state)
{
    (void)state;
    DIR *dir = opendir(DATA_DIR);
    assert_non_null(dir);
    int checked = 0;
    int requests = 0;
    int responses = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".http") != 0)
            continue;
        check_one(de->d_name);
        checked++;
        if (strstr(de->d_name, "req_") != NULL)
            requests++;
        else
            responses++;
    }
    closedir(dir);
    /* The set is the test: losing files silently would leave it proving little. */
    assert_true(requests >= 20);
    assert_true(responses >= 15);
    assert_int_equal(checked, requests + responses);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_golden_message_parses_the_same_in_any_fragments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
