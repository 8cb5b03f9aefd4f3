/*
 * fuzz_tmpl_compile.c: arbitrary bytes as a template (common/tmpl.c), compiled and rendered.
 *
 * The first byte picks the escaping (raw, path, header); the rest is the template, compiled
 * against a scope of two variables and one feeder. A rejected template must leave no template,
 * a reason, and a column inside the text. An accepted one is rendered twice from the same seed
 * (the same bytes both times, no longer than hc_tmpl_max_len says); a constant one renders its
 * constant text; and a render into a buffer too small fails leaving the buffer as it was.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc/tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static const char *const vars[] = {"order", "token"};
static const char *const cols[] = {"id", "name"};
static const struct hc_tmpl_feed feeds[] = {{"users", cols, 2}};
static const struct hc_tmpl_scope scope = {vars, 2, feeds, 1};

static void render(const struct hc_tmpl *t, uint64_t seed, struct hc_buf *b)
{
    struct hc_tmpl_rng rng;
    hc_tmpl_rng_seed(&rng, seed);
    static const struct hc_tmpl_value values[2] = {{"17", 2}, {"a b\r\n\x01/%", 8}};
    static const struct hc_tmpl_value row[2] = {{"7", 1}, {"Zo\xc3\xab", 4}};
    const struct hc_tmpl_value *rows[1] = {row};
    struct hc_tmpl_ctx ctx = {.rng = &rng, .seq = seed, .now_ms = 1, .vars = values, .rows = rows};
    check(hc_tmpl_render(t, &ctx, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    enum hc_tmpl_escape esc = (enum hc_tmpl_escape)(data[0] % 3);
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    struct hc_tmpl *t = (struct hc_tmpl *)1;
    char err[256] = "";
    size_t col = 0;
    int rc = hc_tmpl_compile(text, len, &scope, esc, &t, &col, err, sizeof(err));
    if (rc != 0) {
        check(rc < 0 && t == NULL && err[0] != '\0');
        check(col >= 1 && col <= len + 1);
        return 0;
    }
    struct hc_buf a;
    struct hc_buf b;
    hc_buf_init(&a, 0);
    hc_buf_init(&b, 0);
    render(t, 42, &a);
    render(t, 42, &b);
    check(a.len == b.len && memcmp(a.data ? a.data : "", b.data ? b.data : "", a.len) == 0);
    check(a.len <= hc_tmpl_max_len(t, 8));
    if (hc_tmpl_is_const(t)) {
        size_t clen;
        const char *c = hc_tmpl_const_text(t, &clen);
        check(c != NULL && clen == a.len && memcmp(c, a.data ? a.data : "", clen) == 0);
        check(hc_tmpl_holes(t) == 0);
    } else {
        check(hc_tmpl_const_text(t, NULL) == NULL && hc_tmpl_holes(t) > 0);
    }
    if (a.len > 0) {
        struct hc_buf small;
        hc_buf_init(&small, a.len - 1);
        hc_buf_append(&small, "x", a.len > 1 ? 1 : 0);
        size_t before = small.len;
        struct hc_tmpl_rng rng;
        hc_tmpl_rng_seed(&rng, 1);
        static const struct hc_tmpl_value values[2] = {{"17", 2}, {"a", 1}};
        static const struct hc_tmpl_value row[2] = {{"7", 1}, {"n", 1}};
        const struct hc_tmpl_value *rows[1] = {row};
        struct hc_tmpl_ctx ctx = {.rng = &rng, .vars = values, .rows = rows};
        rc = hc_tmpl_render(t, &ctx, &small);
        check(rc == 0 || (rc == HC_ETOOLARGE && small.len == before));
        hc_buf_destroy(&small);
    }
    hc_buf_destroy(&a);
    hc_buf_destroy(&b);
    hc_tmpl_free(t);
    return 0;
}
