/*
 * core.c: error messages, allocation that cannot fail, and hc_panic.
 *
 * Allocation failure in a load generator or a server under memory pressure has no useful
 * recovery at the call site, so hc aborts with a message instead of threading -ENOMEM through
 * every caller (the same choice as Redis's zmalloc).
 */
#include "hc/core.h"

#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const hc_messages[] = {
    [0] = "unknown hc error",
    [1] = "input exceeds a configured limit",
    [2] = "syntax error",
    [3] = "value out of range",
    [4] = "unknown name",
    [5] = "encoded data does not decode",
    [6] = "protocol error from peer",
};

const char *hc_strerror(int err)
{
    if (err >= 0)
        return "success";
    if (err <= -HC_EGAI_BASE && err > -(HC_EGAI_BASE + HC_EGAI_SPAN))
        return gai_strerror(HC_EGAI_BASE + err);
    if (err <= -HC_EBASE) {
        int idx = -err - HC_EBASE;
        if (idx > 0 && (size_t)idx < HC_ARRAY_LEN(hc_messages))
            return hc_messages[idx];
        return hc_messages[0];
    }
    /* strerror() may use a static buffer for unknown codes; every errno we return is known. */
    return strerror(-err);
}

static HC_NORETURN void hc_oom(size_t size)
{
    fprintf(stderr, "hc: fatal: out of memory allocating %zu bytes\n", size);
    abort();
}

void *hc_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL)
        hc_oom(size);
    return p;
}

void *hc_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL)
        hc_oom(count * size);
    return p;
}

void *hc_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (p == NULL)
        hc_oom(size);
    return p;
}

char *hc_xstrdup(const char *s)
{
    return hc_xstrndup(s, strlen(s));
}

char *hc_dec_u64(char buf[HC_DEC_MAX], uint64_t v)
{
    char *p = buf + HC_DEC_MAX;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return p;
}

char *hc_dec_i64(char buf[HC_DEC_MAX], int64_t v)
{
    /* The magnitude as unsigned, so INT64_MIN has one too. */
    char *p = hc_dec_u64(buf, v < 0 ? -(uint64_t)v : (uint64_t)v);
    if (v < 0)
        *--p = '-';
    return p;
}

char *hc_xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = hc_xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void hc_panic(const char *fmt, ...)
{
    va_list ap;
    fputs("hc: fatal: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

/* Levenshtein distance, capped: names longer than the row are never "close". */
static size_t core_distance(const char *a, const char *b)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);
    size_t row[65];
    if (la >= HC_ARRAY_LEN(row) || lb >= HC_ARRAY_LEN(row))
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = HC_MIN(HC_MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
            diag = up;
        }
    }
    return row[lb];
}

const char *hc_nearest_name(const char *name, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t d = core_distance(name, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    /* Two edits catch a typo or a swapped pair; more than a third of the name is a guess. */
    size_t len = strlen(name);
    if (best_d > 2 || best_d * 3 > len)
        return NULL;
    return best;
}
