/*
 * alert.h: alert thresholds, written the way hcload's thresholds are: a figure, a comparison
 * and a value with its unit: `p99 > 50ms`, `hit_ratio < 0.9` (or `< 90%`), `error_ratio >
 * 1%`, `queue_depth >= 1000`, `p(99) < 50ms` (k6's spelling, meaning the same). The figure is
 * a field of struct summary (summary.h) or any metric family of the target's page: a counter
 * (type counter, or a name ending in _total) is compared as a rate per second, anything else
 * as the sum of its series.
 *
 * An alert has a level: warn (yellow on screen) or crit (red); both count as crossed for the
 * exit status of the batch mode. An alert applies to every target that has its figure.
 */
#ifndef HCMON_ALERT_H
#define HCMON_ALERT_H

#include <stdbool.h>
#include <stddef.h>

#include "hc/limits.h"
#include "hc/metrics.h"
#include "rate.h"
#include "summary.h"

enum alert_op {
    ALERT_LT = 0, /* < */
    ALERT_LE,     /* <= */
    ALERT_GT,     /* > */
    ALERT_GE,     /* >= */
    ALERT_EQ,     /* == */
    ALERT_NE,     /* != */
};

enum alert_level {
    ALERT_NONE = 0, /* not crossed */
    ALERT_WARN,     /* shown in yellow */
    ALERT_CRIT,     /* shown in red */
};

struct alert {
    char subject[HC_METRICS_MAX_NAME_BYTES]; /* the figure or metric name as written */
    int field;                               /* its enum summary_field, or -1 for a metric */
    enum alert_op op;                        /* the comparison */
    double value;                            /* the threshold in base units */
    enum alert_level level;                  /* warn or crit */
    char text[160];                          /* the expression as given, for messages */
};

/*
 * Parses expression text at the given level (ALERT_WARN or ALERT_CRIT) into *out. A
 * leading "warn:" or "crit:" overrides the level. The value may carry a unit: a duration
 * (50ms: seconds), a size (64MiB: bytes), a count or rate (10k, 2000/s) or a percentage (1%:
 * 0.01). Returns 0, or HC_ESYNTAX / HC_EUNKNOWN (an unknown figure that is no valid metric
 * name either) with a reason in err.
 */
int alert_parse(const char *text, enum alert_level level, struct alert *out, char *err,
                size_t errlen);

/* The value an alert compares for a target: a summary field, or the metric on its page
 * (prev / dt_s as for summary_compute). NaN when the target has no such figure. */
double alert_subject_value(const struct alert *a, const struct summary *s,
                           const struct rate_index *prev, const struct hc_metrics_page *cur,
                           double dt_s);

/* Whether v crosses the threshold (never for NaN). */
bool alert_crossed(const struct alert *a, double v);

/* The comparison's text: "<", ">=", ... */
const char *alert_op_text(enum alert_op op);

#endif
