/*
 * signals.c: goals, verdicts and the ramp (see signals.h). Pure functions: the unit tests in
 * tests/hcwarm/test_signals.c call them with made-up windows and pages.
 */
#include "signals.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hc/core.h"
#include "hc/units.h"

void goals_off(struct goals *g)
{
    g->p99_ns = 0;
    g->max_errors = -1;
    g->min_hit_ratio = -1;
}

/* Appends "; " and the text to why. */
static void why_add(char *why, size_t whylen, size_t *at, const char *fmt, ...) HC_PRINTF(4, 5);

static void why_add(char *why, size_t whylen, size_t *at, const char *fmt, ...)
{
    if (*at >= whylen)
        return;
    if (*at > 0) {
        int n = snprintf(why + *at, whylen - *at, "; ");
        *at += n > 0 ? (size_t)n : 0;
        if (*at >= whylen)
            return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(why + *at, whylen - *at, fmt, ap);
    va_end(ap);
    *at += n > 0 ? (size_t)n : 0;
}

bool signals_check(const struct goals *g, const struct signals *s, char *why, size_t whylen)
{
    size_t at = 0;
    if (whylen > 0)
        why[0] = '\0';
    if (s->requests == 0) {
        why_add(why, whylen, &at, "no responses");
        return false;
    }
    if (g->p99_ns > 0 && (s->responses == 0 || s->p99_ns >= g->p99_ns)) {
        char got[HC_UNITS_FMT_MAX], want[HC_UNITS_FMT_MAX];
        hc_units_format_duration(s->p99_ns, got, sizeof(got));
        hc_units_format_duration(g->p99_ns, want, sizeof(want));
        if (s->responses == 0)
            why_add(why, whylen, &at, "p99 unknown (no responses), goal below %s", want);
        else
            why_add(why, whylen, &at, "p99 %s, goal below %s", got, want);
    }
    if (g->max_errors >= 0 && !(s->error_rate < g->max_errors || s->errors == 0))
        why_add(why, whylen, &at, "error rate %.2f%% (%llu of %llu), goal below %.2f%%",
                s->error_rate * 100, (unsigned long long)s->errors, (unsigned long long)s->requests,
                g->max_errors * 100);
    if (g->min_hit_ratio >= 0) {
        if (!s->hit_known)
            why_add(why, whylen, &at,
                    "hit ratio unknown (no response said hit or miss), goal "
                    "at least %.3g",
                    g->min_hit_ratio);
        else if (s->hit_ratio < g->min_hit_ratio)
            why_add(why, whylen, &at, "hit ratio %.3f, goal at least %.3g", s->hit_ratio,
                    g->min_hit_ratio);
    }
    return at == 0;
}

void signals_format(const struct signals *s, char *buf, size_t len)
{
    char p99[HC_UNITS_FMT_MAX] = "-";
    if (s->responses > 0)
        hc_units_format_duration(s->p99_ns, p99, sizeof(p99));
    if (s->hit_known)
        snprintf(buf, len, "p99 %s  errors %.2f%%  hit %.3f", p99, s->error_rate * 100,
                 s->hit_ratio);
    else
        snprintf(buf, len, "p99 %s  errors %.2f%%  hit -", p99, s->error_rate * 100);
}

static bool prefix_ci(const char *v, size_t len, const char *word)
{
    size_t n = strlen(word);
    return len >= n && strncasecmp(v, word, n) == 0;
}

int signals_x_cache(const char *value, size_t len)
{
    while (len > 0 && (*value == ' ' || *value == '\t')) {
        value++;
        len--;
    }
    if ((len == 2 && (prefix_ci(value, len, "L1") || prefix_ci(value, len, "L2"))) ||
        prefix_ci(value, len, "HIT"))
        return 1;
    if ((len == 2 && prefix_ci(value, len, "DB")) || prefix_ci(value, len, "MISS") ||
        prefix_ci(value, len, "EXPIRED") || prefix_ci(value, len, "PASS") ||
        prefix_ci(value, len, "BYPASS"))
        return -1;
    return 0;
}

int signals_metrics_counts(const struct hc_metrics_page *page, double *hits, double *misses)
{
    size_t n = 0;
    *hits = hc_metrics_page_sum(page, "hc_cache_hits_total", NULL, &n);
    *misses = 0;
    if (n == 0)
        return -ENOENT;
    /* The fewest misses of any level: the reads that fell through every cache. */
    bool any = false;
    for (size_t i = 0; i < page->nsamples; i++) {
        const struct hc_metrics_sample *s = &page->samples[i];
        if (strcmp(s->name, "hc_cache_misses_total") != 0)
            continue;
        if (!any || s->value < *misses)
            *misses = s->value;
        any = true;
    }
    return 0;
}

int signals_parse_ratio(const char *text, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text)
        return HC_ESYNTAX;
    if (*end == '%') {
        v /= 100;
        end++;
    }
    if (*end != '\0' || !isfinite(v))
        return HC_ESYNTAX;
    if (v < 0 || v > 1)
        return HC_ERANGE;
    *out = v;
    return 0;
}

int signals_parse_curve(const char *text, double *a)
{
    if (strcmp(text, "linear") == 0) {
        *a = 1;
        return 0;
    }
    static const char pre[] = "aggression:";
    if (strncmp(text, pre, sizeof(pre) - 1) != 0)
        return HC_ESYNTAX;
    char *end;
    const char *num = text + sizeof(pre) - 1;
    double v = strtod(num, &end);
    if (end == num || *end != '\0' || !(v > 0) || v > 100)
        return HC_ESYNTAX;
    *a = v;
    return 0;
}

double ramp_rate(double from, double to, unsigned i, unsigned n, double a)
{
    if (n <= 1 || i + 1 >= n)
        return to;
    double f = (double)i / (double)(n - 1);
    return from + (to - from) * pow(f, 1 / a);
}
