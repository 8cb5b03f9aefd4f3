/*
 * compare.h: a run's --json result against one or more earlier ones: `hcload compare A B`,
 * and the --baseline gate (exit 99 on a regression).
 *
 * A result is the JSON object --json writes (schema in docs/hcload.md), or the same object as
 * the history keeps it (history.h). Figures are taken per name: "total" (all requests) and
 * each key of by_name. Latency percentiles come from the result's encoded histograms ("hdr"),
 * so any p(N) can be compared, not only the ones the JSON lists.
 *
 * Tolerances: "METRIC:SIGNAMOUNT[,...]", e.g. 'p(99):+10%,rate:-5%,error_rate:+1%'. METRIC is
 * p(N), med, avg, min, max (corrected latency), rate (responses per second) or error_rate
 * (transport failures and statuses >= 400 over all requests). '+' means higher is worse and
 * the figure may rise by AMOUNT; '-' means lower is worse and it may fall by AMOUNT. AMOUNT is
 * a percentage of the baseline's figure, or for latencies a duration (+2ms), and for
 * error_rate percentage points (+1%: one point more).
 *
 * Noise rule: against k baseline runs (k >= 1), a figure where higher is worse regresses when
 * it is above max(baseline) widened by the tolerance (max * (1 + t), or max + t), and one
 * where lower is worse when it is below min(baseline) narrowed by it. Within the baselines'
 * own spread a run never fails; with one baseline the rule is the plain tolerance.
 */
#ifndef HCLOAD_COMPARE_H
#define HCLOAD_COMPARE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "hc/buf.h"
#include "hc/opt.h"
#include "options.h"

/* The tolerances --baseline applies when --tolerance is not given. */
#define COMPARE_DEFAULT_TOLERANCE "p(99):+10%,rate:-5%,error_rate:+1%"

/* Most entries a tolerance may have. */
#define COMPARE_MAX_TOLERANCES 32

enum compare_metric {
    COMPARE_PCT,   /* p(N) of the corrected latency */
    COMPARE_AVG,   /* its mean */
    COMPARE_MIN,   /* its minimum */
    COMPARE_MAX,   /* its maximum */
    COMPARE_RATE,  /* responses per second */
    COMPARE_ERROR, /* error_rate, 0..1 */
};

/* One figure and how far it may move. */
struct compare_tol {
    enum compare_metric metric;
    double p;       /* COMPARE_PCT: the percentile */
    int sign;       /* +1: higher is worse; -1: lower is worse */
    double amount;  /* relative (0.10 for 10%) or absolute (us for latency, a share for errors) */
    bool relative;  /* amount is a share of the baseline */
    bool given;     /* named in the tolerance (else a row shown for information) */
    char label[24]; /* as the table prints it: "p(99)", "rate" */
};

/*
 * compare_parse_tolerance: text into tols (at most COMPARE_MAX_TOLERANCES, *n set). 0, or
 * HC_ESYNTAX with the reason in err.
 */
int compare_parse_tolerance(const char *text, struct compare_tol *tols, size_t *n, char *err,
                            size_t errlen);

/*
 * compare_value: figure t of name ("total" or a by_name key) in result, in microseconds for
 * latencies, per second for rate, a share for error_rate. false when the result lacks it.
 */
bool compare_value(json_t *result, const char *name, const struct compare_tol *t, double *out);

/*
 * compare_table: current against the nbase baseline results, per name (total first, then
 * current's by_name) and per figure: the p50 p90 p99 p99.9 rate error_rate rows (judged with
 * the tolerance's entry for that figure when it has one) and every other figure the tolerance
 * names. Appends the table to out; returns the rows that regressed. regressed, when not NULL,
 * gets the first such row's words ("total p(99) 12.1ms > 11.0ms").
 */
size_t compare_table(json_t *const *base, size_t nbase, json_t *current,
                     const struct compare_tol *tols, size_t ntols, struct hc_buf *out,
                     char *regressed, size_t regressed_len);

/* compare_load: a --json result file into *out (a new reference). 0, or -1 with err set. */
int compare_load(const char *path, json_t **out, char *err, size_t errlen);

/*
 * compare_main: `hcload compare A B`: A and B are --json results, or with --history run ids
 * (a number, last, last~N). Prints the table; exit status 0, 99 when B regressed from A
 * beyond the tolerance, 1 for a file that cannot be read, 2 for a usage error.
 */
int compare_main(const struct hc_opt_program *prog, const struct options *o);

#endif
