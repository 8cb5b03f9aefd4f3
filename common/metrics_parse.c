/*
 * metrics_parse.c: a parser for Prometheus text exposition pages and the queries hcmon runs
 * on the result.
 *
 * hcmon scrapes endpoints it does not control, so the parser is strict where a mistake would
 * mislead (a value or label that cannot be read exactly, a second TYPE for a family) and
 * tolerant where real exporters differ harmlessly (CRLF, trailing blanks, "{}", a trailing
 * comma, comments that are neither HELP nor TYPE). Every rejection names its line.
 *
 * Memory is bounded by limits.h: the page, each line, the labels of a sample, the samples and
 * the families of a page all have caps, so a hostile endpoint costs at most a known multiple
 * of HC_METRICS_MAX_PAGE_BYTES. Strings and label arrays go into a chunked arena owned by the
 * page: one free releases everything, and the many small strings cost no malloc each.
 *
 * Family lookup uses a small open-addressing hash table so a page with many families parses in
 * linear time; samples attach to the family named exactly, or, for _bucket / _sum / _count,
 * to the histogram or summary family they belong to.
 */
#include "hc/metrics.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/limits.h"

/* ---- arena ------------------------------------------------------------------------------- */

#define ARENA_CHUNK_BYTES (64 * 1024)

struct arena_chunk {
    struct arena_chunk *next;
    size_t used;
    size_t cap;
    max_align_t data[]; /* cap bytes */
};

struct arena {
    struct arena_chunk *head; /* the chunk being filled; older ones follow */
};

static void *arena_alloc(struct arena *a, size_t n)
{
    size_t align = sizeof(max_align_t);
    n = (n + align - 1) / align * align;
    struct arena_chunk *c = a->head;
    if (c == NULL || c->cap - c->used < n) {
        size_t cap = HC_MAX((size_t)ARENA_CHUNK_BYTES, n);
        c = hc_xmalloc(sizeof(*c) + cap);
        c->used = 0;
        c->cap = cap;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

static char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void arena_free(struct arena *a)
{
    if (a == NULL)
        return;
    struct arena_chunk *c = a->head;
    while (c != NULL) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

/* ---- numbers ----------------------------------------------------------------------------- */

/* strtod follows LC_NUMERIC; a page always uses '.', whatever locale the program runs in. */
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void c_locale_init(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static bool token_is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/*
 * A sample value as Go's ParseFloat reads it, minus hex floats: [+-] then Inf / Infinity / NaN
 * (any case) or decimal digits with an optional point and exponent. 0 or -EBADMSG.
 */
static int parse_double(const char *s, size_t n, double *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    if (token_is(s + i, n - i, "inf") || token_is(s + i, n - i, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return 0;
    }
    if (token_is(s + i, n - i, "nan")) {
        *out = NAN;
        return 0;
    }
    size_t digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        i++;
        digits++;
    }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return -EBADMSG;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t exp_digits = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
            exp_digits++;
        }
        if (exp_digits == 0)
            return -EBADMSG;
    }
    if (i != n)
        return -EBADMSG;
    /* The token is checked, so strtod reads all of it; it needs a NUL-terminated copy. */
    char small[128];
    char *copy = n < sizeof(small) ? small : hc_xmalloc(n + 1);
    memcpy(copy, s, n);
    copy[n] = '\0';
    pthread_once(&c_locale_once, c_locale_init);
    *out = strtod_l(copy, NULL, c_locale);
    if (copy != small)
        free(copy);
    return 0;
}

/* A timestamp: [+-]digits fitting int64 (milliseconds). 0 or -EBADMSG. */
static int parse_int64(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    if (i == n)
        return -EBADMSG;
    uint64_t v = 0;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EBADMSG;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (limit - d) / 10)
            return -EBADMSG;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

/* ---- parser state ------------------------------------------------------------------------ */

/* What the parser remembers about a family beyond what the page shows. */
struct family_state {
    bool has_help;
    bool has_type;
    bool has_samples;
};

struct parser {
    struct hc_metrics_page *page;
    struct arena *arena;
    size_t line; /* the line being parsed, 1-based */
    char *err;   /* the caller's error buffer, or NULL */
    size_t errlen;
    char *scratch;               /* HC_METRICS_MAX_LINE_BYTES + 1 bytes for unescaping */
    struct family_state *fstate; /* parallel to page->families */
    size_t families_cap;
    size_t samples_cap;
    size_t *hash;    /* open addressing: family index or SIZE_MAX */
    size_t hash_cap; /* a power of two, at least twice nfamilies */
};

static int fail(struct parser *ps, int rc, const char *fmt, ...) HC_PRINTF(3, 4);

static int fail(struct parser *ps, int rc, const char *fmt, ...)
{
    if (ps->err == NULL || ps->errlen == 0)
        return rc;
    int n = snprintf(ps->err, ps->errlen, "line %zu: ", ps->line);
    if (n >= 0 && (size_t)n < ps->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_name_char(char c, bool first, bool colon)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
        return true;
    if (c == ':')
        return colon;
    return !first && c >= '0' && c <= '9';
}

/* The length of the metric name (colon) or label name at s, 0 when none starts there. */
static size_t name_len(const char *s, size_t n, bool colon)
{
    size_t i = 0;
    while (i < n && is_name_char(s[i], i == 0, colon))
        i++;
    return i;
}

static uint64_t hash_name(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static size_t family_find(const struct parser *ps, const char *name, size_t n)
{
    if (ps->hash_cap == 0)
        return SIZE_MAX;
    size_t mask = ps->hash_cap - 1;
    for (size_t i = hash_name(name, n) & mask;; i = (i + 1) & mask) {
        size_t idx = ps->hash[i];
        if (idx == SIZE_MAX)
            return SIZE_MAX;
        const char *fname = ps->page->families[idx].name;
        if (strncmp(fname, name, n) == 0 && fname[n] == '\0')
            return idx;
    }
}

static void hash_insert(struct parser *ps, size_t idx)
{
    const char *name = ps->page->families[idx].name;
    size_t mask = ps->hash_cap - 1;
    size_t i = hash_name(name, strlen(name)) & mask;
    while (ps->hash[i] != SIZE_MAX)
        i = (i + 1) & mask;
    ps->hash[i] = idx;
}

/* The family named name, created (untyped, no help) when the page has not named it yet. */
static int family_get(struct parser *ps, const char *name, size_t n, size_t *out)
{
    size_t idx = family_find(ps, name, n);
    if (idx != SIZE_MAX) {
        *out = idx;
        return 0;
    }
    struct hc_metrics_page *page = ps->page;
    if (page->nfamilies == HC_METRICS_MAX_PAGE_FAMILIES)
        return fail(ps, HC_ETOOLARGE, "more than %d families", HC_METRICS_MAX_PAGE_FAMILIES);
    if (page->nfamilies == ps->families_cap) {
        ps->families_cap = ps->families_cap ? ps->families_cap * 2 : 64;
        page->families = hc_xrealloc(page->families, ps->families_cap * sizeof(*page->families));
        ps->fstate = hc_xrealloc(ps->fstate, ps->families_cap * sizeof(*ps->fstate));
    }
    idx = page->nfamilies++;
    page->families[idx].name = arena_strndup(ps->arena, name, n);
    page->families[idx].help = NULL;
    page->families[idx].type = HC_METRICS_UNTYPED;
    ps->fstate[idx] = (struct family_state){0};
    if (page->nfamilies * 2 > ps->hash_cap) {
        free(ps->hash);
        ps->hash_cap = ps->hash_cap ? ps->hash_cap * 2 : 128;
        ps->hash = hc_xmalloc(ps->hash_cap * sizeof(*ps->hash));
        for (size_t i = 0; i < ps->hash_cap; i++)
            ps->hash[i] = SIZE_MAX;
        for (size_t i = 0; i < page->nfamilies; i++)
            hash_insert(ps, i);
    } else {
        hash_insert(ps, idx);
    }
    *out = idx;
    return 0;
}

/*
 * Unescapes s[0..n) into the scratch buffer: \\ and \n always, \" when quote is set. Stops at
 * an unescaped '"' when quote is set. Returns the bytes of s consumed (the closing quote
 * included), -EBADMSG for a bad escape, -EAGAIN when quote is set and no closing quote comes.
 * *outlen gets the unescaped length.
 */
static long unescape(struct parser *ps, const char *s, size_t n, bool quote, size_t *outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (quote && c == '"') {
            *outlen = o;
            return (long)(i + 1);
        }
        if (c == '\\') {
            if (i + 1 == n)
                return -EBADMSG;
            char e = s[++i];
            if (e == '\\')
                c = '\\';
            else if (e == 'n')
                c = '\n';
            else if (e == '"' && quote)
                c = '"';
            else
                return -EBADMSG;
        }
        ps->scratch[o++] = c;
    }
    *outlen = o;
    return quote ? -EAGAIN : (long)n;
}

/* ---- lines ------------------------------------------------------------------------------- */

static size_t skip_blanks(const char *s, size_t i, size_t n)
{
    while (i < n && is_blank(s[i]))
        i++;
    return i;
}

static size_t token_end(const char *s, size_t i, size_t n)
{
    while (i < n && !is_blank(s[i]))
        i++;
    return i;
}

static int parse_type_word(const char *s, size_t n, enum hc_metrics_type *out)
{
    static const enum hc_metrics_type types[] = {HC_METRICS_COUNTER, HC_METRICS_GAUGE,
                                                 HC_METRICS_HISTOGRAM, HC_METRICS_SUMMARY,
                                                 HC_METRICS_UNTYPED};
    for (size_t i = 0; i < HC_ARRAY_LEN(types); i++) {
        const char *name = hc_metrics_type_name(types[i]);
        if (strlen(name) == n && memcmp(name, s, n) == 0) {
            *out = types[i];
            return 0;
        }
    }
    return -EBADMSG;
}

/*
 * True when samples named name_bucket / _sum / _count (those a histogram or summary of this
 * name would own) came already: they went to families of their own, and a TYPE now would make
 * one sample name belong to two families on one page.
 */
static bool suffix_has_samples(const struct parser *ps, const char *name, enum hc_metrics_type t)
{
    static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
    size_t len = strlen(name);
    char *full = hc_xmalloc(len + sizeof("_bucket"));
    memcpy(full, name, len);
    bool found = false;
    for (size_t i = t == HC_METRICS_HISTOGRAM ? 0 : 1; i < HC_ARRAY_LEN(suffixes); i++) {
        size_t sl = strlen(suffixes[i]);
        memcpy(full + len, suffixes[i], sl);
        size_t idx = family_find(ps, full, len + sl);
        if (idx != SIZE_MAX && ps->fstate[idx].has_samples)
            found = true;
    }
    free(full);
    return found;
}

/* A comment line, s[0] being '#'. Only # HELP and # TYPE lines mean anything. */
static int parse_comment(struct parser *ps, const char *s, size_t n)
{
    size_t i = skip_blanks(s, 1, n);
    size_t kw = token_end(s, i, n);
    bool help = kw - i == 4 && memcmp(s + i, "HELP", 4) == 0;
    bool type = kw - i == 4 && memcmp(s + i, "TYPE", 4) == 0;
    if (!help && !type)
        return 0;
    i = skip_blanks(s, kw, n);
    size_t nlen = name_len(s + i, n - i, true);
    if (nlen == 0 || (i + nlen < n && !is_blank(s[i + nlen])))
        return fail(ps, -EBADMSG, "bad metric name in # %s", help ? "HELP" : "TYPE");
    size_t fidx;
    int rc = family_get(ps, s + i, nlen, &fidx);
    if (rc != 0)
        return rc;
    struct family_state *st = &ps->fstate[fidx];
    struct hc_metrics_page_family *fam = &ps->page->families[fidx];
    i = skip_blanks(s, i + nlen, n);
    if (help) {
        if (st->has_help)
            return fail(ps, -EBADMSG, "second # HELP for %s", fam->name);
        /* Trailing blanks (and a stray CR of a CR CR LF ending) are not part of the text. */
        size_t end = n;
        while (end > i && (is_blank(s[end - 1]) || s[end - 1] == '\r'))
            end--;
        size_t outlen;
        if (unescape(ps, s + i, end - i, false, &outlen) < 0)
            return fail(ps, -EBADMSG, "bad escape in # HELP (only \\\\ and \\n)");
        if (!hc_metrics_valid_utf8(ps->scratch, outlen))
            return fail(ps, -EBADMSG, "# HELP text is not valid UTF-8");
        fam->help = arena_strndup(ps->arena, ps->scratch, outlen);
        st->has_help = true;
        return 0;
    }
    if (st->has_type)
        return fail(ps, -EBADMSG, "second # TYPE for %s", fam->name);
    if (st->has_samples)
        return fail(ps, -EBADMSG, "# TYPE for %s after its samples", fam->name);
    size_t tend = token_end(s, i, n);
    enum hc_metrics_type t;
    if (parse_type_word(s + i, tend - i, &t) != 0)
        return fail(ps, -EBADMSG, "unknown metric type \"%.*s\"", (int)HC_MIN(tend - i, 32), s + i);
    if (skip_blanks(s, tend, n) != n)
        return fail(ps, -EBADMSG, "garbage after the type in # TYPE");
    if ((t == HC_METRICS_HISTOGRAM || t == HC_METRICS_SUMMARY) &&
        suffix_has_samples(ps, fam->name, t))
        return fail(ps, -EBADMSG, "# TYPE for %s after its samples", fam->name);
    fam->type = t;
    st->has_type = true;
    return 0;
}

/* The family a sample belongs to: its histogram / summary for a suffixed name, else exact. */
static size_t family_of_sample(const struct parser *ps, const char *name, size_t n)
{
    static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
    for (size_t i = 0; i < HC_ARRAY_LEN(suffixes); i++) {
        size_t sl = strlen(suffixes[i]);
        if (n <= sl || memcmp(name + n - sl, suffixes[i], sl) != 0)
            continue;
        size_t idx = family_find(ps, name, n - sl);
        if (idx == SIZE_MAX)
            continue;
        enum hc_metrics_type t = ps->page->families[idx].type;
        if (t == HC_METRICS_HISTOGRAM || (t == HC_METRICS_SUMMARY && i > 0))
            return idx;
    }
    return family_find(ps, name, n);
}

static const char *label_value(const struct hc_metrics_label *labels, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(labels[i].name, name) == 0)
            return labels[i].value;
    }
    return NULL;
}

/* Parses {name="value",...} at s[*pos] into labels; *pos moves past the '}'. */
static int parse_labels(struct parser *ps, const char *s, size_t n, size_t *pos,
                        struct hc_metrics_label *labels, size_t *nlabels)
{
    size_t i = *pos + 1;
    size_t count = 0;
    for (;;) {
        i = skip_blanks(s, i, n);
        if (i < n && s[i] == '}')
            break;
        size_t ln = name_len(s + i, n - i, false);
        if (ln == 0)
            return fail(ps, -EBADMSG, "bad label name");
        const char *lname = s + i;
        i = skip_blanks(s, i + ln, n);
        if (i == n || s[i] != '=')
            return fail(ps, -EBADMSG, "expected '=' after label name %.*s", (int)ln, lname);
        i = skip_blanks(s, i + 1, n);
        if (i == n || s[i] != '"')
            return fail(ps, -EBADMSG, "expected '\"' to open the value of label %.*s", (int)ln,
                        lname);
        i++;
        size_t vlen;
        long used = unescape(ps, s + i, n - i, true, &vlen);
        if (used == -EAGAIN)
            return fail(ps, -EBADMSG, "unterminated label value");
        if (used < 0)
            return fail(ps, -EBADMSG, "bad escape in the value of label %.*s", (int)ln, lname);
        i += (size_t)used;
        if (!hc_metrics_valid_utf8(ps->scratch, vlen))
            return fail(ps, -EBADMSG, "the value of label %.*s is not valid UTF-8", (int)ln, lname);
        if (count == HC_METRICS_MAX_LABELS)
            return fail(ps, HC_ETOOLARGE, "more than %d labels", HC_METRICS_MAX_LABELS);
        for (size_t k = 0; k < count; k++) {
            if (strncmp(labels[k].name, lname, ln) == 0 && labels[k].name[ln] == '\0')
                return fail(ps, -EBADMSG, "label %.*s given twice", (int)ln, lname);
        }
        labels[count].name = arena_strndup(ps->arena, lname, ln);
        labels[count].value = arena_strndup(ps->arena, ps->scratch, vlen);
        count++;
        i = skip_blanks(s, i, n);
        if (i < n && s[i] == ',') {
            i++;
            continue;
        }
        if (i < n && s[i] == '}')
            break;
        return fail(ps, -EBADMSG, "expected ',' or '}' after a label value");
    }
    *pos = i + 1;
    *nlabels = count;
    return 0;
}

static int parse_sample(struct parser *ps, const char *s, size_t n)
{
    struct hc_metrics_page *page = ps->page;
    size_t nlen = name_len(s, n, true);
    if (nlen == 0)
        return fail(ps, -EBADMSG, "bad metric name");
    size_t i = nlen;
    if (i < n && !is_blank(s[i]) && s[i] != '{')
        return fail(ps, -EBADMSG, "bad character '%c' in metric name", s[i]);
    i = skip_blanks(s, i, n);
    struct hc_metrics_label labels[HC_METRICS_MAX_LABELS];
    size_t nlabels = 0;
    if (i < n && s[i] == '{') {
        int rc = parse_labels(ps, s, n, &i, labels, &nlabels);
        if (rc != 0)
            return rc;
        i = skip_blanks(s, i, n);
    }
    if (i == n)
        return fail(ps, -EBADMSG, "missing value");
    size_t vend = token_end(s, i, n);
    double value;
    if (parse_double(s + i, vend - i, &value) != 0)
        return fail(ps, -EBADMSG, "bad value \"%.*s\"", (int)HC_MIN(vend - i, 32), s + i);
    i = skip_blanks(s, vend, n);
    int64_t ts = 0;
    bool has_ts = false;
    if (i < n) {
        size_t tend = token_end(s, i, n);
        if (parse_int64(s + i, tend - i, &ts) != 0)
            return fail(ps, -EBADMSG, "garbage after value: \"%.*s\"", (int)HC_MIN(tend - i, 32),
                        s + i);
        has_ts = true;
        i = skip_blanks(s, tend, n);
        if (i < n)
            return fail(ps, -EBADMSG, "garbage after timestamp");
    }

    /* A sample no HELP / TYPE announced gets an untyped family of its own name, as in
     * Prometheus, so a TYPE for that name later on is recognised as coming after samples. */
    size_t fidx = family_of_sample(ps, s, nlen);
    if (fidx == SIZE_MAX) {
        int rc = family_get(ps, s, nlen, &fidx);
        if (rc != 0)
            return rc;
    }
    {
        const struct hc_metrics_page_family *fam = &page->families[fidx];
        size_t flen = strlen(fam->name);
        bool bucket = fam->type == HC_METRICS_HISTOGRAM && nlen == flen + 7;
        bool quantile = fam->type == HC_METRICS_SUMMARY && nlen == flen;
        const char *le = label_value(labels, nlabels, "le");
        const char *q = label_value(labels, nlabels, "quantile");
        double bound;
        if (bucket && (le == NULL || parse_double(le, strlen(le), &bound) != 0))
            return fail(ps, -EBADMSG, "histogram bucket without a numeric le label");
        if (quantile && (q == NULL || parse_double(q, strlen(q), &bound) != 0))
            return fail(ps, -EBADMSG, "summary sample without a numeric quantile label");
        ps->fstate[fidx].has_samples = true;
    }

    if (page->nsamples == HC_METRICS_MAX_PAGE_SAMPLES)
        return fail(ps, HC_ETOOLARGE, "more than %d samples", HC_METRICS_MAX_PAGE_SAMPLES);
    if (page->nsamples == ps->samples_cap) {
        ps->samples_cap = ps->samples_cap ? ps->samples_cap * 2 : 256;
        page->samples = hc_xrealloc(page->samples, ps->samples_cap * sizeof(*page->samples));
    }
    struct hc_metrics_sample *sm = &page->samples[page->nsamples++];
    sm->name = arena_strndup(ps->arena, s, nlen);
    struct hc_metrics_label *copy = NULL;
    if (nlabels > 0) {
        copy = arena_alloc(ps->arena, nlabels * sizeof(*copy));
        memcpy(copy, labels, nlabels * sizeof(*copy));
    }
    sm->labels = copy;
    sm->nlabels = nlabels;
    sm->value = value;
    sm->timestamp_ms = ts;
    sm->has_timestamp = has_ts;
    sm->family = fidx;
    sm->line = ps->line;
    return 0;
}

static int parse_line(struct parser *ps, const char *s, size_t n)
{
    if (memchr(s, '\0', n) != NULL)
        return fail(ps, -EBADMSG, "NUL byte");
    size_t i = skip_blanks(s, 0, n);
    if (i == n)
        return 0;
    if (s[i] == '#')
        return parse_comment(ps, s + i, n - i);
    return parse_sample(ps, s + i, n - i);
}

void hc_metrics_page_free(struct hc_metrics_page *p)
{
    if (p == NULL)
        return;
    arena_free(p->arena);
    free(p->families);
    free(p->samples);
    free(p);
}

int hc_metrics_parse(const char *text, size_t len, struct hc_metrics_page **out, char *err,
                     size_t errlen)
{
    *out = NULL;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    struct parser ps = {.err = err, .errlen = errlen};
    if (len > HC_METRICS_MAX_PAGE_BYTES)
        return fail(&ps, HC_ETOOLARGE, "page of %zu bytes is over the %zu-byte limit", len,
                    HC_METRICS_MAX_PAGE_BYTES);
    ps.page = hc_xcalloc(1, sizeof(*ps.page));
    ps.arena = hc_xcalloc(1, sizeof(*ps.arena));
    ps.page->arena = ps.arena;
    ps.scratch = hc_xmalloc(HC_METRICS_MAX_LINE_BYTES + 1);
    int rc = 0;
    size_t pos = 0;
    while (pos < len && rc == 0) {
        ps.line++;
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - start) : len - pos;
        pos += n + (nl != NULL);
        if (n > HC_METRICS_MAX_LINE_BYTES) {
            rc = fail(&ps, HC_ETOOLARGE, "longer than %d bytes", HC_METRICS_MAX_LINE_BYTES);
            break;
        }
        if (n > 0 && start[n - 1] == '\r')
            n--;
        rc = parse_line(&ps, start, n);
    }
    free(ps.scratch);
    free(ps.fstate);
    free(ps.hash);
    if (rc != 0) {
        hc_metrics_page_free(ps.page);
        return rc;
    }
    *out = ps.page;
    return (int)len;
}

/* ---- queries ----------------------------------------------------------------------------- */

static bool sample_matches(const struct hc_metrics_sample *s, const char *name,
                           const char *const *match)
{
    if (strcmp(s->name, name) != 0)
        return false;
    for (size_t i = 0; match != NULL && match[i] != NULL && match[i + 1] != NULL; i += 2) {
        const char *v = label_value(s->labels, s->nlabels, match[i]);
        if (v == NULL || strcmp(v, match[i + 1]) != 0)
            return false;
    }
    return true;
}

const struct hc_metrics_sample *hc_metrics_page_find(const struct hc_metrics_page *p,
                                                     const char *name, const char *const *match)
{
    for (size_t i = 0; i < p->nsamples; i++) {
        if (sample_matches(&p->samples[i], name, match))
            return &p->samples[i];
    }
    return NULL;
}

double hc_metrics_page_sum(const struct hc_metrics_page *p, const char *name,
                           const char *const *match, size_t *count)
{
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < p->nsamples; i++) {
        if (sample_matches(&p->samples[i], name, match)) {
            sum += p->samples[i].value;
            n++;
        }
    }
    if (count != NULL)
        *count = n;
    return sum;
}

struct bucket {
    double bound;
    double count;
};

static int bucket_cmp(const void *a, const void *b)
{
    double x = ((const struct bucket *)a)->bound;
    double y = ((const struct bucket *)b)->bound;
    return (x > y) - (x < y);
}

size_t hc_metrics_page_buckets(const struct hc_metrics_page *p, const char *name,
                               const char *const *match, double *bounds, double *counts, size_t cap)
{
    size_t nlen = strlen(name);
    char *bname = hc_xmalloc(nlen + sizeof("_bucket"));
    memcpy(bname, name, nlen);
    memcpy(bname + nlen, "_bucket", sizeof("_bucket"));
    struct bucket *b = NULL;
    size_t n = 0;
    size_t bcap = 0;
    for (size_t i = 0; i < p->nsamples; i++) {
        const struct hc_metrics_sample *s = &p->samples[i];
        if (!sample_matches(s, bname, match))
            continue;
        const char *le = label_value(s->labels, s->nlabels, "le");
        double bound;
        if (le == NULL || parse_double(le, strlen(le), &bound) != 0 || bound != bound)
            continue;
        if (n == bcap) {
            bcap = bcap ? bcap * 2 : 32;
            b = hc_xrealloc(b, bcap * sizeof(*b));
        }
        b[n].bound = bound;
        b[n].count = s->value;
        n++;
    }
    free(bname);
    if (n > 1)
        qsort(b, n, sizeof(*b), bucket_cmp);
    /* Series that differ only in labels outside the matcher add up, bucket by bucket. */
    size_t merged = 0;
    for (size_t i = 0; i < n; i++) {
        if (merged > 0 && b[merged - 1].bound == b[i].bound)
            b[merged - 1].count += b[i].count;
        else
            b[merged++] = b[i];
    }
    for (size_t i = 0; i < merged && i < cap; i++) {
        bounds[i] = b[i].bound;
        counts[i] = b[i].count;
    }
    free(b);
    return merged;
}

double hc_metrics_bucket_quantile(double q, const double *bounds, const double *counts, size_t n)
{
    if (q != q)
        return NAN;
    if (q < 0)
        return -INFINITY;
    if (q > 1)
        return INFINITY;
    if (n < 2 || !(isinf(bounds[n - 1]) && bounds[n - 1] > 0))
        return NAN;
    /* Scrapes taken mid-update can dip; count each bucket as at least the one below it. */
    double *c = hc_xmalloc(n * sizeof(*c));
    for (size_t i = 0; i < n; i++)
        c[i] = i > 0 && counts[i] < c[i - 1] ? c[i - 1] : counts[i];
    double result;
    double total = c[n - 1];
    if (!(total > 0)) {
        result = NAN;
        goto out;
    }
    double rank = q * total;
    size_t b = 0;
    while (b < n - 1 && c[b] < rank)
        b++;
    if (b == n - 1) {
        result = bounds[n - 2];
        goto out;
    }
    if (b == 0 && bounds[0] <= 0) {
        result = bounds[0];
        goto out;
    }
    double start = 0;
    double in_bucket = c[b];
    if (b > 0) {
        start = bounds[b - 1];
        in_bucket -= c[b - 1];
        rank -= c[b - 1];
    }
    result = start + (bounds[b] - start) * (rank / in_bucket);
out:
    free(c);
    return result;
}

double hc_metrics_page_quantile(const struct hc_metrics_page *p, const char *name,
                                const char *const *match, double q)
{
    size_t n = hc_metrics_page_buckets(p, name, match, NULL, NULL, 0);
    if (n == 0)
        return NAN;
    double *bounds = hc_xmalloc(n * sizeof(*bounds));
    double *counts = hc_xmalloc(n * sizeof(*counts));
    hc_metrics_page_buckets(p, name, match, bounds, counts, n);
    double r = hc_metrics_bucket_quantile(q, bounds, counts, n);
    free(bounds);
    free(counts);
    return r;
}
