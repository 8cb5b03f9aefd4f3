/*
 * alert.c: parsing and checking alert thresholds.
 *
 * Values go through the units module, so a threshold reads like every other value in hc:
 * the first of duration, count, size and rate that accepts the text wins, after a plain
 * decimal number and a percentage (so 10k is 10000 and a size needs its B: 64MiB, 64MB). Durations
 * become seconds because the figures they are compared with (p99, queue_oldest, lag) are in
 * seconds.
 */
#include "alert.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"
#include "hc/units.h"

static const char *const alert_ops[] = {
    [ALERT_LT] = "<",  [ALERT_LE] = "<=", [ALERT_GT] = ">",
    [ALERT_GE] = ">=", [ALERT_EQ] = "==", [ALERT_NE] = "!=",
};

const char *alert_op_text(enum alert_op op)
{
    return (unsigned)op < HC_ARRAY_LEN(alert_ops) ? alert_ops[op] : "?";
}

/* A plain decimal number, written without locale: digits, '.', optional exponent, sign. */
static bool alert_plain_number(const char *s, double *out)
{
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    bool digits = false;
    while ((*p >= '0' && *p <= '9') || *p == '.') {
        digits |= *p != '.';
        p++;
    }
    if (!digits)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '-' || *p == '+')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p != '\0')
        return false;
    /* The text is what strtod reads in the C locale; hcmon only changes LC_CTYPE. */
    *out = strtod(s, NULL);
    return true;
}

static int alert_parse_value(const char *s, double *out)
{
    size_t n = strlen(s);
    if (n == 0)
        return HC_ESYNTAX;
    if (alert_plain_number(s, out))
        return 0;
    if (s[n - 1] == '%') {
        char tmp[64];
        if (n >= sizeof(tmp))
            return HC_ESYNTAX;
        memcpy(tmp, s, n - 1);
        tmp[n - 1] = '\0';
        if (!alert_plain_number(tmp, out))
            return HC_ESYNTAX;
        *out /= 100;
        return 0;
    }
    int64_t ns;
    if (hc_units_parse_duration(s, 0, &ns) == 0) {
        *out = (double)ns / 1e9;
        return 0;
    }
    uint64_t u;
    if (hc_units_parse_count(s, &u) == 0) {
        *out = (double)u;
        return 0;
    }
    if (hc_units_parse_size(s, &u) == 0) {
        *out = (double)u;
        return 0;
    }
    double r;
    if (hc_units_parse_rate(s, &r) == 0) {
        *out = r;
        return 0;
    }
    return HC_ESYNTAX;
}

static bool alert_space(char c)
{
    return c == ' ' || c == '\t';
}

int alert_parse(const char *text, enum alert_level level, struct alert *out, char *err,
                size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (errlen > 0)
        err[0] = '\0';
    snprintf(out->text, sizeof(out->text), "%s", text);
    out->level = level;
    const char *p = text;
    while (alert_space(*p))
        p++;
    if (strncmp(p, "warn:", 5) == 0) {
        out->level = ALERT_WARN;
        p += 5;
    } else if (strncmp(p, "crit:", 5) == 0) {
        out->level = ALERT_CRIT;
        p += 5;
    }
    while (alert_space(*p))
        p++;
    const char *ns = p;
    while (*p != '\0' && !alert_space(*p) && strchr("<>=!", *p) == NULL)
        p++;
    size_t nlen = (size_t)(p - ns);
    if (nlen == 0 || nlen >= sizeof(out->subject)) {
        snprintf(err, errlen, "\"%s\": expected FIGURE OP VALUE, such as 'p99 > 50ms'", text);
        return HC_ESYNTAX;
    }
    memcpy(out->subject, ns, nlen);
    out->subject[nlen] = '\0';
    while (alert_space(*p))
        p++;
    size_t oplen = 0;
    if (strncmp(p, "<=", 2) == 0) {
        out->op = ALERT_LE;
        oplen = 2;
    } else if (strncmp(p, ">=", 2) == 0) {
        out->op = ALERT_GE;
        oplen = 2;
    } else if (strncmp(p, "===", 3) == 0) { /* k6's (and hc/threshold.h's) spelling */
        out->op = ALERT_EQ;
        oplen = 3;
    } else if (strncmp(p, "==", 2) == 0) {
        out->op = ALERT_EQ;
        oplen = 2;
    } else if (strncmp(p, "!=", 2) == 0) {
        out->op = ALERT_NE;
        oplen = 2;
    } else if (*p == '<') {
        out->op = ALERT_LT;
        oplen = 1;
    } else if (*p == '>') {
        out->op = ALERT_GT;
        oplen = 1;
    } else if (*p == '=') {
        out->op = ALERT_EQ;
        oplen = 1;
    }
    if (oplen == 0) {
        snprintf(err, errlen, "\"%s\": expected <, <=, >, >=, == or != after %s", text,
                 out->subject);
        return HC_ESYNTAX;
    }
    p += oplen;
    while (alert_space(*p))
        p++;
    char val[64];
    size_t vlen = strlen(p);
    while (vlen > 0 && alert_space(p[vlen - 1]))
        vlen--;
    if (vlen == 0 || vlen >= sizeof(val)) {
        snprintf(err, errlen, "\"%s\": expected a value after %s", text, alert_op_text(out->op));
        return HC_ESYNTAX;
    }
    memcpy(val, p, vlen);
    val[vlen] = '\0';
    if (alert_parse_value(val, &out->value) != 0) {
        snprintf(err, errlen, "\"%s\": \"%s\" is not a number, duration, size or rate", text, val);
        return HC_ESYNTAX;
    }
    out->field = summary_field_find(out->subject);
    if (out->field < 0 && !hc_metrics_valid_name(out->subject)) {
        snprintf(err, errlen,
                 "\"%s\": unknown figure \"%s\" (p50, p99, p999, rate, error_ratio, "
                 "hit_ratio, ... or a metric name)",
                 text, out->subject);
        return HC_EUNKNOWN;
    }
    return 0;
}

/* Whether the family called name on page p is a counter. */
static bool alert_is_counter(const struct hc_metrics_page *p, const char *name)
{
    for (size_t i = 0; i < p->nfamilies; i++) {
        if (strcmp(p->families[i].name, name) == 0)
            return p->families[i].type == HC_METRICS_COUNTER;
    }
    size_t n = strlen(name);
    return n > 6 && strcmp(name + n - 6, "_total") == 0;
}

double alert_subject_value(const struct alert *a, const struct summary *s,
                           const struct rate_index *prev, const struct hc_metrics_page *cur,
                           double dt_s)
{
    if (a->field >= 0)
        return s != NULL ? s->v[a->field] : NAN;
    if (cur == NULL || hc_metrics_page_find(cur, a->subject, NULL) == NULL)
        return NAN;
    if (alert_is_counter(cur, a->subject))
        return rate_family_rate(prev, cur, a->subject, NULL, dt_s);
    return hc_metrics_page_sum(cur, a->subject, NULL, NULL);
}

bool alert_crossed(const struct alert *a, double v)
{
    if (isnan(v))
        return false;
    switch (a->op) {
    case ALERT_LT:
        return v < a->value;
    case ALERT_LE:
        return v <= a->value;
    case ALERT_GT:
        return v > a->value;
    case ALERT_GE:
        return v >= a->value;
    case ALERT_EQ:
        return v == a->value;
    case ALERT_NE:
        return v != a->value;
    }
    return false;
}
