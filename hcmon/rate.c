/*
 * rate.c: counter increases and interval quantiles between two scrapes.
 *
 * The index is an open-addressing hash table of sample pointers keyed by a hash of the name
 * and the label pairs combined order-independently (a sum of per-pair hashes), so a page
 * whose exporter writes labels in another order still matches. Collisions are settled by
 * comparing the series exactly. It is built once per scrape, when a page becomes the
 * previous one, and costs two pointers per sample.
 */
#include "rate.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"
#include "hc/limits.h"

struct rate_index {
    const struct hc_metrics_page *page;     /* the indexed page, or NULL */
    const struct hc_metrics_sample **slots; /* nslots entries, NULL for empty */
    size_t nslots;                          /* a power of two, at least twice the samples */
};

static uint64_t rate_fnv(const char *s, uint64_t h)
{
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t rate_hash(const struct hc_metrics_sample *s)
{
    uint64_t h = rate_fnv(s->name, 14695981039346656037ull);
    uint64_t sum = 0;
    for (size_t i = 0; i < s->nlabels; i++) {
        uint64_t lh = rate_fnv(s->labels[i].name, 14695981039346656037ull);
        lh = rate_fnv("=", lh);
        lh = rate_fnv(s->labels[i].value, lh);
        sum += lh * 0x9E3779B97F4A7C15ull;
    }
    return h ^ sum ^ (sum >> 29);
}

static bool rate_same_series(const struct hc_metrics_sample *a, const struct hc_metrics_sample *b)
{
    if (a->nlabels != b->nlabels || strcmp(a->name, b->name) != 0)
        return false;
    for (size_t i = 0; i < a->nlabels; i++) {
        bool found = false;
        for (size_t j = 0; j < b->nlabels && !found; j++) {
            found = strcmp(a->labels[i].name, b->labels[j].name) == 0 &&
                    strcmp(a->labels[i].value, b->labels[j].value) == 0;
        }
        if (!found)
            return false;
    }
    return true;
}

double rate_increase(double prev, double cur)
{
    if (isnan(prev) || isnan(cur))
        return NAN;
    return cur >= prev ? cur - prev : cur;
}

struct rate_index *rate_index_new(const struct hc_metrics_page *p)
{
    struct rate_index *ix = hc_xcalloc(1, sizeof(*ix));
    ix->page = p;
    if (p == NULL || p->nsamples == 0)
        return ix;
    size_t n = 16;
    while (n < p->nsamples * 2)
        n <<= 1;
    ix->nslots = n;
    ix->slots = hc_xcalloc(n, sizeof(*ix->slots));
    for (size_t i = 0; i < p->nsamples; i++) {
        const struct hc_metrics_sample *s = &p->samples[i];
        size_t at = (size_t)rate_hash(s) & (n - 1);
        while (ix->slots[at] != NULL) {
            if (rate_same_series(ix->slots[at], s))
                break; /* a duplicate series: the first one stands */
            at = (at + 1) & (n - 1);
        }
        if (ix->slots[at] == NULL)
            ix->slots[at] = s;
    }
    return ix;
}

void rate_index_free(struct rate_index *ix)
{
    if (ix == NULL)
        return;
    free(ix->slots);
    free(ix);
}

const struct hc_metrics_page *rate_index_page(const struct rate_index *ix)
{
    return ix != NULL ? ix->page : NULL;
}

const struct hc_metrics_sample *rate_index_find(const struct rate_index *ix,
                                                const struct hc_metrics_sample *s)
{
    if (ix == NULL || ix->nslots == 0)
        return NULL;
    size_t at = (size_t)rate_hash(s) & (ix->nslots - 1);
    while (ix->slots[at] != NULL) {
        if (rate_same_series(ix->slots[at], s))
            return ix->slots[at];
        at = (at + 1) & (ix->nslots - 1);
    }
    return NULL;
}

/* Whether s has every name, value pair of match. */
static bool rate_matches(const struct hc_metrics_sample *s, const char *const *match)
{
    if (match == NULL)
        return true;
    for (size_t m = 0; match[m] != NULL && match[m + 1] != NULL; m += 2) {
        bool found = false;
        for (size_t i = 0; i < s->nlabels && !found; i++) {
            found = strcmp(s->labels[i].name, match[m]) == 0 &&
                    strcmp(s->labels[i].value, match[m + 1]) == 0;
        }
        if (!found)
            return false;
    }
    return true;
}

double rate_family_increase(const struct rate_index *prev, const struct hc_metrics_page *cur,
                            const char *name, const char *const *match)
{
    if (prev == NULL || prev->page == NULL || cur == NULL)
        return NAN;
    double sum = 0;
    for (size_t i = 0; i < cur->nsamples; i++) {
        const struct hc_metrics_sample *s = &cur->samples[i];
        if (strcmp(s->name, name) != 0 || !rate_matches(s, match))
            continue;
        const struct hc_metrics_sample *p = rate_index_find(prev, s);
        double d = p != NULL ? rate_increase(p->value, s->value) : s->value;
        if (!isnan(d))
            sum += d;
    }
    return sum;
}

double rate_family_rate(const struct rate_index *prev, const struct hc_metrics_page *cur,
                        const char *name, const char *const *match, double dt_s)
{
    if (!(dt_s > 0))
        return NAN;
    double inc = rate_family_increase(prev, cur, name, match);
    return isnan(inc) ? NAN : inc / dt_s;
}

/* The buckets of histogram name on page p, in fresh arrays; returns how many. */
static size_t rate_buckets(const struct hc_metrics_page *p, const char *name,
                           const char *const *match, double **bounds, double **counts)
{
    *bounds = NULL;
    *counts = NULL;
    if (p == NULL)
        return 0;
    size_t cap = 64;
    for (;;) {
        *bounds = hc_xrealloc(*bounds, cap * sizeof(double));
        *counts = hc_xrealloc(*counts, cap * sizeof(double));
        size_t n = hc_metrics_page_buckets(p, name, match, *bounds, *counts, cap);
        if (n <= cap)
            return n;
        cap = n;
    }
}

double rate_quantile(const struct rate_index *prev, const struct hc_metrics_page *cur,
                     const char *name, const char *const *match, double q, double *count)
{
    double *cb;
    double *cc;
    size_t n = rate_buckets(cur, name, match, &cb, &cc);
    double *pb = NULL;
    double *pc = NULL;
    size_t pn = rate_buckets(rate_index_page(prev), name, match, &pb, &pc);
    if (pn == n && n > 0) {
        bool same = true;
        for (size_t i = 0; i < n && same; i++)
            same = pb[i] == cb[i] && pc[i] <= cc[i];
        if (same) {
            for (size_t i = 0; i < n; i++)
                cc[i] -= pc[i];
        }
    }
    double v = NAN;
    if (count != NULL)
        *count = n > 0 ? cc[n - 1] : 0;
    if (n >= 2 && cc[n - 1] > 0)
        v = hc_metrics_bucket_quantile(q, cb, cc, n);
    free(cb);
    free(cc);
    free(pb);
    free(pc);
    return v;
}
