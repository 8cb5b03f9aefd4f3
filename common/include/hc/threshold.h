/*
 * hc/threshold.h: pass/fail criteria on a run's metrics, written as k6 writes them.
 *
 * A threshold names a metric, optionally narrowed to a sub-metric by tags, and an expression
 * that compares one aggregation of it with a value:
 *
 *   http_req_duration               p(95)<200        (bare numbers on durations are ms)
 *   http_req_duration{name:create}  p(99)<=50ms      (or with a unit: ns us ms s m)
 *   http_req_failed                 rate<0.01
 *   http_reqs                       count>1000
 *   checks{name:read}               rate>=0.99
 *
 * The metrics and the aggregations each allows are k6's (see hc_threshold_metric_kind): a
 * trend (http_req_duration, http_req_duration_uncorrected, iteration_duration) takes avg min
 * max med p(N); a rate (http_req_failed, checks) takes rate; a counter (http_reqs, iterations,
 * data_received, data_sent) takes count and rate (per second). Operators: < <= > >= == === !=.
 * Tags are key:value pairs in braces, comma separated; the keys a run can answer are name,
 * status, flow, method (a caller that cannot answer one says so when it is asked).
 *
 * Values are held in the metric's base unit as k6 reports it: milliseconds for trends, a
 * fraction 0..1 for rates, events (or bytes) for counts, events per second for a counter's
 * rate.
 *
 * The module only parses and compares: the caller computes the observed value of each
 * threshold from its own statistics, so a run, a merged result or a history entry can all be
 * judged the same way. Parsing fills an error buffer and never prints. Any thread; a parsed
 * threshold is plain data.
 */
#ifndef HC_THRESHOLD_H
#define HC_THRESHOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/limits.h"

/* What kind of metric a name is, which decides the aggregations it takes. */
enum hc_threshold_kind {
    HC_THRESHOLD_TREND,   /* a distribution of durations (ms) */
    HC_THRESHOLD_RATE,    /* a share of true among samples (0..1) */
    HC_THRESHOLD_COUNTER, /* a running total (events or bytes) */
};

/* The aggregation an expression compares. */
enum hc_threshold_agg {
    HC_THRESHOLD_AVG,
    HC_THRESHOLD_MIN,
    HC_THRESHOLD_MAX,
    HC_THRESHOLD_MED,
    HC_THRESHOLD_PCT,     /* p(N): the pct field */
    HC_THRESHOLD_COUNT,   /* counters: the total */
    HC_THRESHOLD_RATE_OF, /* rates: the share; counters: per second */
};

enum hc_threshold_op {
    HC_THRESHOLD_LT,
    HC_THRESHOLD_LE,
    HC_THRESHOLD_GT,
    HC_THRESHOLD_GE,
    HC_THRESHOLD_EQ, /* == and === */
    HC_THRESHOLD_NE,
};

/* A tag of a sub-metric: {key:value}. */
struct hc_threshold_tag {
    char key[HC_THRESHOLD_NAME_MAX + 1];
    char value[HC_THRESHOLD_NAME_MAX + 1];
};

struct hc_threshold {
    char metric[HC_THRESHOLD_NAME_MAX + 1];              /* "http_req_duration" */
    enum hc_threshold_kind kind;                         /* the metric's kind */
    struct hc_threshold_tag tags[HC_THRESHOLD_TAGS_MAX]; /* the sub-metric, sorted by key */
    size_t ntags;                                        /* 0: the whole metric */
    enum hc_threshold_agg agg;                           /* what is compared */
    double pct;                                          /* HC_THRESHOLD_PCT: 0 < pct <= 100 */
    enum hc_threshold_op op;                             /* how */
    double value;                         /* with what, in the metric's base unit (see the top) */
    char text[HC_THRESHOLD_TEXT_MAX + 1]; /* "http_req_duration{name:create}: p(99)<50ms" */
    bool abort_on_fail;                   /* a failure ends the run early */
    int64_t delay_abort_ns;               /* not before this long into the run */
};

/*
 * hc_threshold_metric_kind: the kind of a metric k6 and hcload know. 0 and *out, or
 * HC_EUNKNOWN for any other name.
 */
int hc_threshold_metric_kind(const char *metric, enum hc_threshold_kind *out);

/*
 * hc_threshold_parse: one threshold from a metric spec ("http_req_duration" or
 * "http_req_duration{name:create,status:201}") and one expression ("p(95)<200"), as a plan's
 * `thresholds:` map writes them. Spaces around the parts of the expression are allowed.
 * Returns 0 with *out filled (abort_on_fail false, no delay), or HC_ESYNTAX / HC_EUNKNOWN /
 * HC_ERANGE / HC_ETOOLARGE with a message in err ("p(101): a percentile is above 0 and at most
 * 100", "unknown metric \"http_req_duratoin\" (did you mean http_req_duration?)").
 */
int hc_threshold_parse(const char *metric_spec, const char *expr, struct hc_threshold *out,
                       char *err, size_t errlen);

/*
 * hc_threshold_parse_cli: the command line's form, "METRIC_SPEC: EXPR"
 * ("http_req_duration{name:create}: p(99)<50ms"), split at the first ':' outside braces.
 * Returns as hc_threshold_parse.
 */
int hc_threshold_parse_cli(const char *text, struct hc_threshold *out, char *err, size_t errlen);

/* hc_threshold_passes: whether observed (in the metric's base unit) satisfies t. NaN fails. */
bool hc_threshold_passes(const struct hc_threshold *t, double observed);

/*
 * hc_threshold_tag: the value of t's tag key, or NULL when t does not narrow by it.
 */
const char *hc_threshold_tag(const struct hc_threshold *t, const char *key);

/*
 * hc_threshold_format_value: v in t's unit as a person reads it ("48.2ms", "0.0031", "1520"),
 * into dst (dstlen bytes). Returns the length, or HC_ETOOLARGE.
 */
int hc_threshold_format_value(const struct hc_threshold *t, double v, char *dst, size_t dstlen);

#endif
