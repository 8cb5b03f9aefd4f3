/*
 * tmpl.c: template compilation and rendering.
 *
 * Why compile: a load generator renders the same few templates hundreds of thousands of times a
 * second, and scanning for "{{" and looking names up each time would cost more than the request
 * itself. The compiler does the scanning and the name lookups once and leaves an array of parts:
 * a literal run (an offset and a length into one private copy of the text, with the
 * environment values already spliced in) or a hole with its operands resolved to indexes. A
 * render is then a loop over the parts with one switch, appending into the caller's buffer;
 * numbers are written with hc_dec_u64 rather than printf, and a UUID from two PRNG words.
 *
 * Escaping happens at render time for variable and CSV values (they come from the response and
 * the data file, so they can hold anything) and at compile time for environment values.
 */
#include "hc/tmpl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/limits.h"

enum tmpl_kind {
    TMPL_LIT,     /* text[off, off + len) */
    TMPL_SEQ,     /* ctx->seq */
    TMPL_UUID,    /* a v4 UUID from ctx->rng */
    TMPL_RANDINT, /* lo..hi from ctx->rng */
    TMPL_NOW_MS,  /* ctx->now_ms */
    TMPL_VAR,     /* ctx->vars[off] */
    TMPL_CSV,     /* ctx->rows[off][len] */
};

struct tmpl_part {
    enum tmpl_kind kind;
    size_t off;     /* LIT: offset into text; VAR: variable index; CSV: feeder index */
    size_t len;     /* LIT: bytes; CSV: column index */
    int64_t lo, hi; /* RANDINT bounds, inclusive */
};

struct hc_tmpl {
    struct tmpl_part *parts; /* nparts parts, in order */
    size_t nparts;
    size_t nholes;           /* parts that are not TMPL_LIT */
    char *text;              /* the literal runs back to back, NUL-terminated */
    size_t text_len;         /* bytes of text */
    uint64_t vars_mask;      /* bit i: uses variable i */
    uint64_t feeds_mask;     /* bit i: reads feeder i */
    enum hc_tmpl_escape esc; /* how values are escaped */
};

/* ---- PRNG ---------------------------------------------------------------------------- */

/* GCC and clang have 128-bit integers; __extension__ keeps -Wpedantic quiet about them. */
__extension__ typedef unsigned __int128 tmpl_u128;

static uint64_t tmpl_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void hc_tmpl_rng_seed(struct hc_tmpl_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = tmpl_splitmix(&seed);
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 1;
}

static uint64_t tmpl_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t hc_tmpl_rng_next(struct hc_tmpl_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = tmpl_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = tmpl_rotl(s[3], 45);
    return result;
}

uint64_t hc_tmpl_rng_below(struct hc_tmpl_rng *r, uint64_t n)
{
    tmpl_u128 m = (tmpl_u128)hc_tmpl_rng_next(r) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            m = (tmpl_u128)hc_tmpl_rng_next(r) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double hc_tmpl_rng_unit(struct hc_tmpl_rng *r)
{
    return (double)(hc_tmpl_rng_next(r) >> 11) * 0x1.0p-53;
}

/* ---- compiling ----------------------------------------------------------------------- */

struct tmpl_build {
    struct hc_tmpl *t;
    size_t cap_parts;
    struct hc_buf text;
    char *err;
    size_t errlen;
    size_t *err_col;
};

static int tmpl_fail(struct tmpl_build *b, int rc, size_t col, const char *fmt, ...)
    HC_PRINTF(4, 5);

static int tmpl_fail(struct tmpl_build *b, int rc, size_t col, const char *fmt, ...)
{
    if (b->err_col != NULL)
        *b->err_col = col;
    if (b->err != NULL && b->errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(b->err, b->errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static struct tmpl_part *tmpl_add_part(struct tmpl_build *b, enum tmpl_kind kind)
{
    struct hc_tmpl *t = b->t;
    if (t->nparts == b->cap_parts) {
        b->cap_parts = b->cap_parts ? b->cap_parts * 2 : 8;
        t->parts = hc_xrealloc(t->parts, b->cap_parts * sizeof(*t->parts));
    }
    struct tmpl_part *p = &t->parts[t->nparts++];
    memset(p, 0, sizeof(*p));
    p->kind = kind;
    if (kind != TMPL_LIT)
        t->nholes++;
    return p;
}

/* Appends literal bytes, merging with a literal run just before. */
static void tmpl_add_lit(struct tmpl_build *b, const char *s, size_t n)
{
    if (n == 0)
        return;
    struct hc_tmpl *t = b->t;
    size_t off = b->text.len;
    /* Cannot fail: the text's cap is four times HC_TMPL_MAX_BYTES, and the environment values
     * (up to three bytes each once escaped) are checked against it before they come here. */
    hc_buf_append(&b->text, s, n);
    if (t->nparts > 0 && t->parts[t->nparts - 1].kind == TMPL_LIT) {
        t->parts[t->nparts - 1].len += n;
        return;
    }
    struct tmpl_part *p = tmpl_add_part(b, TMPL_LIT);
    p->off = off;
    p->len = n;
}

static bool tmpl_is_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

static bool tmpl_needs_escape(enum hc_tmpl_escape esc, unsigned char c)
{
    switch (esc) {
    case HC_TMPL_PATH:
        return !tmpl_is_unreserved(c);
    case HC_TMPL_HEADER:
        return (c < 0x20 && c != '\t') || c == 0x7f;
    case HC_TMPL_RAW:
        break;
    }
    return false;
}

static const char tmpl_hex[] = "0123456789ABCDEF";

static bool tmpl_is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool tmpl_is_ident(char c)
{
    return tmpl_is_ident_start(c) || (c >= '0' && c <= '9') || c == '-';
}

/* Whether s[0, n) is one identifier. */
static bool tmpl_ident_ok(const char *s, size_t n)
{
    if (n == 0 || !tmpl_is_ident_start(s[0]))
        return false;
    for (size_t i = 1; i < n; i++) {
        if (!tmpl_is_ident(s[i]))
            return false;
    }
    return true;
}

static bool tmpl_word_is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* Parses a signed decimal 64-bit integer from s[0, n). */
static bool tmpl_parse_i64(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+')) {
        neg = s[i] == '-';
        i++;
    }
    if (i == n)
        return false;
    uint64_t v = 0;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg)
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    else
        *out = (int64_t)v;
    return true;
}

/* The word starting at s[*i] (up to a space or the end), advancing *i past it. */
static size_t tmpl_word(const char *s, size_t n, size_t *i)
{
    size_t start = *i;
    while (*i < n && s[*i] != ' ' && s[*i] != '\t')
        (*i)++;
    return *i - start;
}

static void tmpl_skip_space(const char *s, size_t n, size_t *i)
{
    while (*i < n && (s[*i] == ' ' || s[*i] == '\t'))
        (*i)++;
}

/* Formats at most 40 bytes of s for a message (non-printing bytes as '?'). */
static const char *tmpl_show(const char *s, size_t n, char *tmp, size_t tmplen)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < tmplen && i < 40; i++)
        tmp[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (n > 40 && k + 4 < tmplen) {
        memcpy(tmp + k, "...", 3);
        k += 3;
    }
    tmp[k] = '\0';
    return tmp;
}

/* Compiles the hole whose inside is s[0, n), which starts at column col (1-based). */
static int tmpl_hole(struct tmpl_build *b, const struct hc_tmpl_scope *scope, const char *s,
                     size_t n, size_t col, size_t open_col)
{
    char show[64];
    size_t i = 0;
    tmpl_skip_space(s, n, &i);
    size_t end = n;
    while (end > i && (s[end - 1] == ' ' || s[end - 1] == '\t'))
        end--;
    if (i == end)
        return tmpl_fail(b, HC_ESYNTAX, open_col, "empty hole \"{{}}\"");
    size_t wstart = i;
    size_t wlen = tmpl_word(s, end, &i);
    const char *w = s + wstart;
    size_t wcol = col + wstart;
    if (tmpl_word_is(w, wlen, "randint")) {
        int64_t bound[2];
        for (int k = 0; k < 2; k++) {
            tmpl_skip_space(s, end, &i);
            size_t astart = i;
            size_t alen = tmpl_word(s, end, &i);
            if (alen == 0)
                return tmpl_fail(b, HC_ESYNTAX, col + astart,
                                 "randint: expected two integers, as in {{randint 1 100}}");
            if (!tmpl_parse_i64(s + astart, alen, &bound[k]))
                return tmpl_fail(b, HC_ERANGE, col + astart,
                                 "randint: \"%s\" is not a 64-bit integer",
                                 tmpl_show(s + astart, alen, show, sizeof(show)));
        }
        tmpl_skip_space(s, end, &i);
        if (i != end)
            return tmpl_fail(b, HC_ESYNTAX, col + i,
                             "randint: expected two integers, got more: \"%s\"",
                             tmpl_show(s + i, end - i, show, sizeof(show)));
        if (bound[0] > bound[1])
            return tmpl_fail(b, HC_ERANGE, wcol,
                             "randint: the low bound %lld is above the high bound %lld",
                             (long long)bound[0], (long long)bound[1]);
        struct tmpl_part *p = tmpl_add_part(b, TMPL_RANDINT);
        p->lo = bound[0];
        p->hi = bound[1];
        return 0;
    }
    tmpl_skip_space(s, end, &i);
    if (i != end)
        return tmpl_fail(b, HC_ESYNTAX, col + i, "unexpected \"%s\" after \"%s\"",
                         tmpl_show(s + i, end - i, show, sizeof(show)),
                         tmpl_show(w, wlen, show + 32, 32));
    if (wlen > HC_TMPL_MAX_NAME_BYTES)
        return tmpl_fail(b, HC_ETOOLARGE, wcol, "a name longer than %d bytes",
                         HC_TMPL_MAX_NAME_BYTES);
    if (tmpl_word_is(w, wlen, "seq")) {
        tmpl_add_part(b, TMPL_SEQ);
        return 0;
    }
    if (tmpl_word_is(w, wlen, "uuid")) {
        tmpl_add_part(b, TMPL_UUID);
        return 0;
    }
    if (tmpl_word_is(w, wlen, "now_ms")) {
        tmpl_add_part(b, TMPL_NOW_MS);
        return 0;
    }
    if (wlen > 4 && memcmp(w, "env.", 4) == 0) {
        char name[HC_TMPL_MAX_NAME_BYTES + 1];
        size_t nlen = wlen - 4;
        if (!tmpl_ident_ok(w + 4, nlen) || memchr(w + 4, '-', nlen) != NULL)
            return tmpl_fail(b, HC_ESYNTAX, wcol + 4, "\"%s\" is not an environment variable name",
                             tmpl_show(w + 4, nlen, show, sizeof(show)));
        memcpy(name, w + 4, nlen);
        name[nlen] = '\0';
        const char *v = getenv(name);
        if (v == NULL)
            return tmpl_fail(b, HC_EUNKNOWN, wcol, "environment variable %s is not set", name);
        size_t vlen = strlen(v);
        if (vlen > HC_TMPL_MAX_BYTES || b->text.len + 3 * vlen > 4 * (size_t)HC_TMPL_MAX_BYTES)
            return tmpl_fail(b, HC_ETOOLARGE, wcol, "environment variable %s is too long", name);
        for (size_t k = 0; k < vlen; k++) {
            unsigned char c = (unsigned char)v[k];
            if (tmpl_needs_escape(b->t->esc, c)) {
                char enc[3] = {'%', tmpl_hex[c >> 4], tmpl_hex[c & 15]};
                tmpl_add_lit(b, enc, 3);
            } else {
                tmpl_add_lit(b, (const char *)&v[k], 1);
            }
        }
        return 0;
    }
    if (wlen > 4 && memcmp(w, "csv.", 4) == 0) {
        const char *f = w + 4;
        const char *dot = memchr(f, '.', wlen - 4);
        if (dot == NULL || dot == f || dot + 1 == w + wlen)
            return tmpl_fail(b, HC_ESYNTAX, wcol, "expected csv.FEEDER.COLUMN, got \"%s\"",
                             tmpl_show(w, wlen, show, sizeof(show)));
        size_t flen = (size_t)(dot - f);
        const char *c = dot + 1;
        size_t clen = (size_t)(w + wlen - c);
        size_t nfeeds = scope != NULL ? scope->nfeeds : 0;
        for (size_t k = 0; k < nfeeds; k++) {
            const struct hc_tmpl_feed *fd = &scope->feeds[k];
            if (!tmpl_word_is(f, flen, fd->name))
                continue;
            for (size_t j = 0; j < fd->ncolumns; j++) {
                if (tmpl_word_is(c, clen, fd->columns[j])) {
                    struct tmpl_part *p = tmpl_add_part(b, TMPL_CSV);
                    p->off = k;
                    p->len = j;
                    b->t->feeds_mask |= (uint64_t)1 << k;
                    return 0;
                }
            }
            return tmpl_fail(b, HC_EUNKNOWN, wcol + 4 + flen + 1,
                             "feeder \"%s\" has no column \"%s\"", fd->name,
                             tmpl_show(c, clen, show, sizeof(show)));
        }
        return tmpl_fail(b, HC_EUNKNOWN, wcol + 4, "no feeder named \"%s\" under data:",
                         tmpl_show(f, flen, show, sizeof(show)));
    }
    if (!tmpl_ident_ok(w, wlen))
        return tmpl_fail(b, HC_ESYNTAX, wcol, "\"%s\" is not a name",
                         tmpl_show(w, wlen, show, sizeof(show)));
    size_t nvars = scope != NULL ? scope->nvars : 0;
    for (size_t k = 0; k < nvars; k++) {
        if (tmpl_word_is(w, wlen, scope->vars[k])) {
            struct tmpl_part *p = tmpl_add_part(b, TMPL_VAR);
            p->off = k;
            b->t->vars_mask |= (uint64_t)1 << k;
            return 0;
        }
    }
    return tmpl_fail(b, HC_EUNKNOWN, wcol,
                     "unknown name \"%s\" (expected seq, uuid, randint A B, now_ms, env.NAME, "
                     "csv.FEEDER.COLUMN or a variable an extract sets)",
                     tmpl_show(w, wlen, show, sizeof(show)));
}

int hc_tmpl_compile(const char *text, size_t len, const struct hc_tmpl_scope *scope,
                    enum hc_tmpl_escape esc, struct hc_tmpl **out, size_t *err_col, char *err,
                    size_t errlen)
{
    if (out != NULL)
        *out = NULL;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (err_col != NULL)
        *err_col = 0;
    if (out == NULL || (text == NULL && len > 0))
        return -EINVAL;
    if (scope != NULL && (scope->nvars > HC_TMPL_MAX_VARS || scope->nfeeds > HC_TMPL_MAX_FEEDS))
        return -EINVAL;
    struct tmpl_build b = {.err = err, .errlen = errlen, .err_col = err_col};
    if (len > HC_TMPL_MAX_BYTES)
        return tmpl_fail(&b, HC_ETOOLARGE, 1, "a template longer than %d bytes", HC_TMPL_MAX_BYTES);
    b.t = hc_xcalloc(1, sizeof(*b.t));
    b.t->esc = esc;
    hc_buf_init(&b.text, 4 * (size_t)HC_TMPL_MAX_BYTES);
    int rc = 0;
    size_t i = 0;
    while (i < len) {
        const char *open = NULL;
        for (size_t k = i; k + 1 < len; k++) {
            if (text[k] == '{' && text[k + 1] == '{') {
                open = text + k;
                break;
            }
        }
        if (open == NULL) {
            tmpl_add_lit(&b, text + i, len - i);
            break;
        }
        size_t at = (size_t)(open - text);
        tmpl_add_lit(&b, text + i, at - i);
        size_t inner = at + 2;
        size_t close = inner;
        while (close + 1 < len && !(text[close] == '}' && text[close + 1] == '}')) {
            if (text[close] == '{' && text[close + 1] == '{')
                break;
            close++;
        }
        if (close + 1 >= len || text[close] != '}') {
            rc = tmpl_fail(&b, HC_ESYNTAX, at + 1, "\"{{\" without a closing \"}}\"");
            goto out;
        }
        if (b.t->nholes >= HC_TMPL_MAX_HOLES) {
            rc = tmpl_fail(&b, HC_ETOOLARGE, at + 1, "more than %d holes", HC_TMPL_MAX_HOLES);
            goto out;
        }
        rc = tmpl_hole(&b, scope, text + inner, close - inner, inner + 1, at + 1);
        if (rc != 0)
            goto out;
        i = close + 2;
    }
    b.t->text_len = b.text.len;
    b.t->text = hc_buf_take(&b.text, NULL);
    *out = b.t;
    b.t = NULL;
out:
    hc_buf_destroy(&b.text);
    hc_tmpl_free(b.t);
    return rc;
}

void hc_tmpl_free(struct hc_tmpl *t)
{
    if (t == NULL)
        return;
    free(t->parts);
    free(t->text);
    free(t);
}

/* ---- rendering ----------------------------------------------------------------------- */

static int tmpl_put_uuid(struct hc_tmpl_rng *rng, struct hc_buf *out)
{
    uint64_t hi = hc_tmpl_rng_next(rng);
    uint64_t lo = hc_tmpl_rng_next(rng);
    hi = (hi & ~(uint64_t)0xf000) | 0x4000;                 /* version 4 */
    lo = (lo & ~((uint64_t)3 << 62)) | ((uint64_t)2 << 62); /* variant 10xx */
    static const char lower[] = "0123456789abcdef";
    char s[36];
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        uint64_t word = i < 8 ? hi : lo;
        int shift = 56 - 8 * (i & 7);
        unsigned byte = (unsigned)(word >> shift) & 0xff;
        if (i == 4 || i == 6 || i == 8 || i == 10)
            s[k++] = '-';
        s[k++] = lower[byte >> 4];
        s[k++] = lower[byte & 15];
    }
    return hc_buf_append(out, s, sizeof(s));
}

static int tmpl_put_value(enum hc_tmpl_escape esc, const struct hc_tmpl_value *v,
                          struct hc_buf *out)
{
    if (v->ptr == NULL)
        return -ENOENT;
    if (esc == HC_TMPL_RAW)
        return hc_buf_append(out, v->ptr, v->len);
    size_t start = 0;
    for (size_t i = 0; i < v->len; i++) {
        unsigned char c = (unsigned char)v->ptr[i];
        if (!tmpl_needs_escape(esc, c))
            continue;
        if (hc_buf_append(out, v->ptr + start, i - start) != 0)
            return HC_ETOOLARGE;
        char enc[3] = {'%', tmpl_hex[c >> 4], tmpl_hex[c & 15]};
        if (hc_buf_append(out, enc, 3) != 0)
            return HC_ETOOLARGE;
        start = i + 1;
    }
    return hc_buf_append(out, v->ptr + start, v->len - start);
}

static int tmpl_put_part(const struct hc_tmpl *t, const struct tmpl_part *p,
                         const struct hc_tmpl_ctx *ctx, struct hc_buf *out)
{
    char dec[HC_DEC_MAX];
    char *d;
    switch (p->kind) {
    case TMPL_LIT:
        return hc_buf_append(out, t->text + p->off, p->len);
    case TMPL_SEQ:
        d = hc_dec_u64(dec, ctx->seq);
        return hc_buf_append(out, d, (size_t)(dec + HC_DEC_MAX - d));
    case TMPL_NOW_MS:
        d = hc_dec_i64(dec, ctx->now_ms);
        return hc_buf_append(out, d, (size_t)(dec + HC_DEC_MAX - d));
    case TMPL_UUID:
        return tmpl_put_uuid(ctx->rng, out);
    case TMPL_RANDINT: {
        uint64_t span = (uint64_t)p->hi - (uint64_t)p->lo + 1;
        uint64_t r = span == 0 ? hc_tmpl_rng_next(ctx->rng) : hc_tmpl_rng_below(ctx->rng, span);
        d = hc_dec_i64(dec, (int64_t)((uint64_t)p->lo + r));
        return hc_buf_append(out, d, (size_t)(dec + HC_DEC_MAX - d));
    }
    case TMPL_VAR:
        if (ctx->vars == NULL)
            return -ENOENT;
        return tmpl_put_value(t->esc, &ctx->vars[p->off], out);
    case TMPL_CSV:
        if (ctx->rows == NULL || ctx->rows[p->off] == NULL)
            return -ENOENT;
        return tmpl_put_value(t->esc, &ctx->rows[p->off][p->len], out);
    }
    return -EINVAL;
}

int hc_tmpl_render(const struct hc_tmpl *t, const struct hc_tmpl_ctx *ctx, struct hc_buf *out)
{
    size_t start = out->len;
    for (size_t i = 0; i < t->nparts; i++) {
        int rc = tmpl_put_part(t, &t->parts[i], ctx, out);
        if (HC_UNLIKELY(rc != 0)) {
            /* Back to the length on entry: the data is ours to cut, the NUL slot always there. */
            if (out->data != NULL) {
                out->len = start;
                out->data[start] = '\0';
            }
            return rc;
        }
    }
    return 0;
}

bool hc_tmpl_is_const(const struct hc_tmpl *t)
{
    return t->nholes == 0;
}

const char *hc_tmpl_const_text(const struct hc_tmpl *t, size_t *len)
{
    if (t->nholes != 0)
        return NULL;
    if (len != NULL)
        *len = t->text_len;
    return t->text;
}

size_t hc_tmpl_holes(const struct hc_tmpl *t)
{
    return t->nholes;
}

uint64_t hc_tmpl_vars_used(const struct hc_tmpl *t)
{
    return t->vars_mask;
}

uint64_t hc_tmpl_feeds_used(const struct hc_tmpl *t)
{
    return t->feeds_mask;
}

size_t hc_tmpl_max_len(const struct hc_tmpl *t, size_t max_value)
{
    size_t n = t->text_len;
    size_t grow = t->esc == HC_TMPL_RAW ? 1 : 3;
    for (size_t i = 0; i < t->nparts; i++) {
        switch (t->parts[i].kind) {
        case TMPL_LIT:
            break;
        case TMPL_SEQ:
        case TMPL_NOW_MS:
        case TMPL_RANDINT:
            n += HC_DEC_MAX;
            break;
        case TMPL_UUID:
            n += 36;
            break;
        case TMPL_VAR:
        case TMPL_CSV:
            n += grow * max_value;
            break;
        }
    }
    return n;
}
