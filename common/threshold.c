/*
 * threshold.c: k6-style thresholds, parsed and compared (see hc/threshold.h).
 *
 * Why k6's syntax: it is what CI users of load tests already write, and a plan moved from k6
 * to hcload should keep its gate. So the metric names, the aggregation names, the bare-number
 * unit of durations (milliseconds) and the operators are k6's; what k6 leaves loose is made
 * strict here, because a gate that silently accepts a typo passes every run: an unknown
 * metric, an aggregation the metric's kind has no meaning for (p(99) of a rate), a percentile
 * outside (0, 100], or anything after the value is an error with the nearest correct spelling.
 *
 * A duration value may carry a unit ("50ms", "1.5s"), which k6 does not take but every hc
 * option does; it is converted to milliseconds so both spellings compare the same.
 */
#include "hc/threshold.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"
#include "hc/units.h"

static const struct {
    const char *name;
    enum hc_threshold_kind kind;
} threshold_metrics[] = {
    {"http_req_duration", HC_THRESHOLD_TREND},
    {"http_req_duration_uncorrected", HC_THRESHOLD_TREND},
    {"iteration_duration", HC_THRESHOLD_TREND},
    {"http_req_failed", HC_THRESHOLD_RATE},
    {"checks", HC_THRESHOLD_RATE},
    {"http_reqs", HC_THRESHOLD_COUNTER},
    {"iterations", HC_THRESHOLD_COUNTER},
    {"data_received", HC_THRESHOLD_COUNTER},
    {"data_sent", HC_THRESHOLD_COUNTER},
};

/* The tag keys a sub-metric may narrow by. */
static const char *const threshold_tag_keys[] = {"name", "status", "flow", "method"};

static int threshold_err(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int threshold_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int hc_threshold_metric_kind(const char *metric, enum hc_threshold_kind *out)
{
    for (size_t i = 0; i < HC_ARRAY_LEN(threshold_metrics); i++) {
        if (strcmp(metric, threshold_metrics[i].name) == 0) {
            *out = threshold_metrics[i].kind;
            return 0;
        }
    }
    return HC_EUNKNOWN;
}

static const char *threshold_skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Copies [s, s+len) trimmed into dst (cap + 1 bytes). 0, or HC_ETOOLARGE / HC_ESYNTAX (empty). */
static int threshold_copy_word(char *dst, size_t cap, const char *s, size_t len)
{
    while (len > 0 && isspace((unsigned char)s[0])) {
        s++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    if (len == 0)
        return HC_ESYNTAX;
    if (len > cap)
        return HC_ETOOLARGE;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return 0;
}

static int threshold_tag_cmp(const void *a, const void *b)
{
    return strcmp(((const struct hc_threshold_tag *)a)->key,
                  ((const struct hc_threshold_tag *)b)->key);
}

/* "metric" or "metric{k:v,k:v}" into t's metric, kind and tags. */
static int threshold_parse_metric(const char *spec, struct hc_threshold *t, char *err,
                                  size_t errlen)
{
    const char *brace = strchr(spec, '{');
    size_t mlen = brace != NULL ? (size_t)(brace - spec) : strlen(spec);
    int rc = threshold_copy_word(t->metric, HC_THRESHOLD_NAME_MAX, spec, mlen);
    if (rc == HC_ESYNTAX)
        return threshold_err(err, errlen, rc, "a threshold needs a metric name");
    if (rc != 0)
        return threshold_err(err, errlen, rc, "metric name longer than %d bytes",
                             HC_THRESHOLD_NAME_MAX);
    if (hc_threshold_metric_kind(t->metric, &t->kind) != 0) {
        const char *names[HC_ARRAY_LEN(threshold_metrics)];
        for (size_t i = 0; i < HC_ARRAY_LEN(threshold_metrics); i++)
            names[i] = threshold_metrics[i].name;
        const char *near = hc_nearest_name(t->metric, names, HC_ARRAY_LEN(names));
        if (near != NULL)
            return threshold_err(err, errlen, HC_EUNKNOWN,
                                 "unknown metric \"%s\" (did you mean %s?)", t->metric, near);
        return threshold_err(err, errlen, HC_EUNKNOWN,
                             "unknown metric \"%s\" (known: http_req_duration, "
                             "http_req_duration_uncorrected, iteration_duration, http_req_failed, "
                             "checks, http_reqs, iterations, data_received, data_sent)",
                             t->metric);
    }
    t->ntags = 0;
    if (brace == NULL)
        return 0;
    const char *end = strchr(brace, '}');
    if (end == NULL || *threshold_skip_space(end + 1) != '\0')
        return threshold_err(err, errlen, HC_ESYNTAX,
                             "%s: a sub-metric's tags end with a single '}' at the end", spec);
    const char *s = brace + 1;
    while (s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *item_end = comma != NULL ? comma : end;
        const char *colon = memchr(s, ':', (size_t)(item_end - s));
        if (colon == NULL)
            return threshold_err(err, errlen, HC_ESYNTAX, "%s: a tag is written key:value", spec);
        if (t->ntags == HC_THRESHOLD_TAGS_MAX)
            return threshold_err(err, errlen, HC_ETOOLARGE, "%s: more than %d tags", spec,
                                 HC_THRESHOLD_TAGS_MAX);
        struct hc_threshold_tag *tag = &t->tags[t->ntags];
        if (threshold_copy_word(tag->key, HC_THRESHOLD_NAME_MAX, s, (size_t)(colon - s)) != 0 ||
            threshold_copy_word(tag->value, HC_THRESHOLD_NAME_MAX, colon + 1,
                                (size_t)(item_end - colon - 1)) != 0)
            return threshold_err(err, errlen, HC_ESYNTAX,
                                 "%s: a tag's key and value are each 1 to %d bytes", spec,
                                 HC_THRESHOLD_NAME_MAX);
        bool known = false;
        for (size_t i = 0; i < HC_ARRAY_LEN(threshold_tag_keys); i++)
            known = known || strcmp(tag->key, threshold_tag_keys[i]) == 0;
        if (!known) {
            const char *near =
                hc_nearest_name(tag->key, threshold_tag_keys, HC_ARRAY_LEN(threshold_tag_keys));
            return threshold_err(
                err, errlen, HC_EUNKNOWN, "%s: unknown tag \"%s\" (%s%s%s)", spec, tag->key,
                near != NULL ? "did you mean " : "known: name, status, flow, method",
                near != NULL ? near : "", near != NULL ? "?" : "");
        }
        for (size_t i = 0; i < t->ntags; i++) {
            if (strcmp(t->tags[i].key, tag->key) == 0)
                return threshold_err(err, errlen, HC_ESYNTAX, "%s: tag \"%s\" given twice", spec,
                                     tag->key);
        }
        t->ntags++;
        s = item_end + (comma != NULL ? 1 : 0);
        if (comma != NULL && s == end)
            return threshold_err(err, errlen, HC_ESYNTAX, "%s: a ',' with no tag after it", spec);
    }
    if (t->ntags == 0)
        return threshold_err(err, errlen, HC_ESYNTAX, "%s: empty braces: name a tag or drop them",
                             spec);
    qsort(t->tags, t->ntags, sizeof(t->tags[0]), threshold_tag_cmp);
    return 0;
}

/* The aggregation at *s, moving *s past it. */
static int threshold_parse_agg(const char **sp, struct hc_threshold *t, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        enum hc_threshold_agg agg;
    } aggs[] = {
        {"avg", HC_THRESHOLD_AVG}, {"min", HC_THRESHOLD_MIN},     {"max", HC_THRESHOLD_MAX},
        {"med", HC_THRESHOLD_MED}, {"count", HC_THRESHOLD_COUNT}, {"rate", HC_THRESHOLD_RATE_OF},
    };
    const char *s = *sp;
    if (s[0] == 'p' && s[1] == '(') {
        const char *close = strchr(s, ')');
        char num[32];
        if (close == NULL || (size_t)(close - s - 2) >= sizeof(num))
            return threshold_err(err, errlen, HC_ESYNTAX, "p(N): a percentile like p(99)");
        memcpy(num, s + 2, (size_t)(close - s - 2));
        num[close - s - 2] = '\0';
        double pct;
        if (hc_units_parse_rate(num, &pct) != 0 || strpbrk(num, "kKMGTPE/e") != NULL)
            return threshold_err(err, errlen, HC_ESYNTAX, "p(%s): a percentile is a number", num);
        if (!(pct > 0 && pct <= 100))
            return threshold_err(err, errlen, HC_ERANGE,
                                 "p(%s): a percentile is above 0 and at most 100", num);
        t->agg = HC_THRESHOLD_PCT;
        t->pct = pct;
        *sp = close + 1;
        return 0;
    }
    size_t len = 0;
    while (isalpha((unsigned char)s[len]))
        len++;
    for (size_t i = 0; i < HC_ARRAY_LEN(aggs); i++) {
        if (strlen(aggs[i].name) == len && strncmp(s, aggs[i].name, len) == 0) {
            t->agg = aggs[i].agg;
            *sp = s + len;
            return 0;
        }
    }
    return threshold_err(err, errlen, HC_EUNKNOWN,
                         "\"%.*s\": an aggregation is avg, min, max, med, p(N), count or rate",
                         (int)(len > 0 ? len : strcspn(s, "<>=!")), s);
}

/* Whether t's kind has a meaning for t's aggregation; an error naming the right ones if not. */
static int threshold_check_agg(const struct hc_threshold *t, char *err, size_t errlen)
{
    bool ok;
    const char *allowed;
    switch (t->kind) {
    case HC_THRESHOLD_TREND:
        ok = t->agg != HC_THRESHOLD_COUNT && t->agg != HC_THRESHOLD_RATE_OF;
        allowed = "avg, min, max, med or p(N)";
        break;
    case HC_THRESHOLD_RATE:
        ok = t->agg == HC_THRESHOLD_RATE_OF;
        allowed = "rate";
        break;
    default:
        ok = t->agg == HC_THRESHOLD_COUNT || t->agg == HC_THRESHOLD_RATE_OF;
        allowed = "count or rate";
        break;
    }
    if (ok)
        return 0;
    static const char *const kinds[] = {"a trend", "a rate", "a counter"};
    return threshold_err(err, errlen, HC_ESYNTAX, "%s is %s: its aggregations are %s", t->metric,
                         kinds[t->kind], allowed);
}

static int threshold_parse_op(const char **sp, struct hc_threshold *t, char *err, size_t errlen)
{
    static const struct {
        const char *text;
        enum hc_threshold_op op;
    } ops[] = {
        {"===", HC_THRESHOLD_EQ}, {"<=", HC_THRESHOLD_LE}, {">=", HC_THRESHOLD_GE},
        {"==", HC_THRESHOLD_EQ},  {"!=", HC_THRESHOLD_NE}, {"<", HC_THRESHOLD_LT},
        {">", HC_THRESHOLD_GT},
    };
    for (size_t i = 0; i < HC_ARRAY_LEN(ops); i++) {
        size_t n = strlen(ops[i].text);
        if (strncmp(*sp, ops[i].text, n) == 0) {
            t->op = ops[i].op;
            *sp += n;
            return 0;
        }
    }
    return threshold_err(err, errlen, HC_ESYNTAX,
                         "expected a comparison (<, <=, >, >=, ==, !=) after the aggregation");
}

/* The value: a duration (bare = ms) for a trend, a plain number for the others. */
static int threshold_parse_value(const char *s, struct hc_threshold *t, char *err, size_t errlen)
{
    char text[64];
    if (threshold_copy_word(text, sizeof(text) - 1, s, strlen(s)) != 0)
        return threshold_err(err, errlen, HC_ESYNTAX, "expected a value after the comparison");
    if (t->kind == HC_THRESHOLD_TREND) {
        int64_t ns;
        /* A bare number is milliseconds, as in k6; a fraction of one too ("0.5"). */
        int rc = hc_units_parse_duration(text, 1000000, &ns);
        if (rc != 0)
            return threshold_err(err, errlen, rc, "\"%s\": a duration like 200 (ms), 50ms or 1.5s",
                                 text);
        t->value = (double)ns / 1e6;
        return 0;
    }
    double v;
    bool pct = false;
    size_t len = strlen(text);
    if (t->kind == HC_THRESHOLD_RATE && len > 1 && text[len - 1] == '%') {
        text[len - 1] = '\0';
        pct = true;
    }
    /* A plain number: no rate unit, no multiplier other than an exponent. */
    if (strpbrk(text, "/kKMGTPE") != NULL || hc_units_parse_rate(text, &v) != 0)
        return threshold_err(err, errlen, HC_ESYNTAX, "\"%s\": expected a number", text);
    if (pct)
        v /= 100;
    if (t->kind == HC_THRESHOLD_RATE && t->agg == HC_THRESHOLD_RATE_OF && v > 1)
        return threshold_err(err, errlen, HC_ERANGE,
                             "\"%s\": a rate is a share from 0 to 1 (or a percentage)", text);
    t->value = v;
    return 0;
}

int hc_threshold_parse(const char *metric_spec, const char *expr, struct hc_threshold *out,
                       char *err, size_t errlen)
{
    if (metric_spec == NULL || expr == NULL || out == NULL)
        return -EINVAL;
    struct hc_threshold t;
    memset(&t, 0, sizeof(t));
    int rc = threshold_parse_metric(metric_spec, &t, err, errlen);
    if (rc != 0)
        return rc;
    const char *s = threshold_skip_space(expr);
    if (*s == '\0')
        return threshold_err(err, errlen, HC_ESYNTAX,
                             "%s: an empty expression (write e.g. p(95)<200)", t.metric);
    if ((rc = threshold_parse_agg(&s, &t, err, errlen)) != 0 ||
        (rc = threshold_check_agg(&t, err, errlen)) != 0)
        return rc;
    s = threshold_skip_space(s);
    if ((rc = threshold_parse_op(&s, &t, err, errlen)) != 0 ||
        (rc = threshold_parse_value(s, &t, err, errlen)) != 0)
        return rc;
    int n = snprintf(t.text, sizeof(t.text), "%s: %s", metric_spec, threshold_skip_space(expr));
    if (n < 0 || (size_t)n >= sizeof(t.text))
        return threshold_err(err, errlen, HC_ETOOLARGE, "threshold longer than %d bytes",
                             HC_THRESHOLD_TEXT_MAX);
    *out = t;
    return 0;
}

int hc_threshold_parse_cli(const char *text, struct hc_threshold *out, char *err, size_t errlen)
{
    if (text == NULL)
        return -EINVAL;
    int depth = 0;
    const char *colon = NULL;
    for (const char *s = text; *s != '\0' && colon == NULL; s++) {
        if (*s == '{')
            depth++;
        else if (*s == '}')
            depth--;
        else if (*s == ':' && depth == 0)
            colon = s;
    }
    if (colon == NULL)
        return threshold_err(err, errlen, HC_ESYNTAX,
                             "\"%s\": a threshold is METRIC: EXPRESSION, e.g. "
                             "'http_req_duration: p(99)<50ms'",
                             text);
    char spec[HC_THRESHOLD_TEXT_MAX + 1];
    size_t len = (size_t)(colon - text);
    if (len > HC_THRESHOLD_TEXT_MAX)
        return threshold_err(err, errlen, HC_ETOOLARGE, "threshold longer than %d bytes",
                             HC_THRESHOLD_TEXT_MAX);
    memcpy(spec, text, len);
    spec[len] = '\0';
    while (len > 0 && isspace((unsigned char)spec[len - 1]))
        spec[--len] = '\0';
    return hc_threshold_parse(spec, colon + 1, out, err, errlen);
}

bool hc_threshold_passes(const struct hc_threshold *t, double observed)
{
    if (isnan(observed))
        return false;
    switch (t->op) {
    case HC_THRESHOLD_LT:
        return observed < t->value;
    case HC_THRESHOLD_LE:
        return observed <= t->value;
    case HC_THRESHOLD_GT:
        return observed > t->value;
    case HC_THRESHOLD_GE:
        return observed >= t->value;
    case HC_THRESHOLD_EQ:
        return observed == t->value;
    case HC_THRESHOLD_NE:
        return observed != t->value;
    }
    return false;
}

const char *hc_threshold_tag(const struct hc_threshold *t, const char *key)
{
    for (size_t i = 0; i < t->ntags; i++) {
        if (strcmp(t->tags[i].key, key) == 0)
            return t->tags[i].value;
    }
    return NULL;
}

int hc_threshold_format_value(const struct hc_threshold *t, double v, char *dst, size_t dstlen)
{
    if (t->kind == HC_THRESHOLD_TREND && isfinite(v) && v >= 0 && v < 9e12)
        return hc_units_format_duration((int64_t)llround(v * 1e6), dst, dstlen);
    int n;
    if (t->kind == HC_THRESHOLD_RATE || t->agg == HC_THRESHOLD_RATE_OF)
        n = snprintf(dst, dstlen, "%.4g", v);
    else
        n = snprintf(dst, dstlen, "%.0f", v);
    if (n < 0 || (size_t)n >= dstlen) {
        if (dstlen > 0)
            dst[0] = '\0';
        return HC_ETOOLARGE;
    }
    return n;
}
