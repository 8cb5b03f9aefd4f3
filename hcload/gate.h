/*
 * gate.h: hcload as a CI gate: the run's thresholds (a plan's `thresholds:` and every
 * --threshold), the figures each one reads, judged during the run (abortOnFail) and at its
 * end, and the exit status that follows (0 passed, 99 a threshold failed, as k6).
 *
 * The gate keeps its own figures per sub-metric ("series": one per distinct tag set among the
 * thresholds, the whole run being the series without tags). Its client callbacks wrap the
 * runner's (or stand alone in the quick mode): each response and failure is counted into every
 * series it belongs to, under a per-thread lock that only the once-a-second hand-off
 * (gate_tick) takes besides the worker. The whole run's latencies come from the client's own
 * hand-off instead, so a gate on the whole run adds counters, not histogram records, to the hot
 * path.
 *
 * What each metric is (values in the units hc/threshold.h names):
 *   http_req_duration               corrected latency (from when a request was due), ms
 *   http_req_duration_uncorrected   send-to-receive latency, ms
 *   http_req_failed                 share of requests that failed: a transport failure, or a
 *                                   status >= 400, unless the request has a status check, whose
 *                                   verdict then decides
 *   http_reqs                       requests answered or failed (count, rate per second)
 *   checks                          share of checks and extractions that passed
 *   data_received, data_sent        bytes (count, rate per second)
 *   iterations, iteration_duration  complete iterations of the flows (hcload run)
 * A metric with no sample (no request of that name, no check) fails its thresholds: a gate
 * must not pass on nothing.
 *
 * Threads: gate_new, gate_tick, gate_finish and the writers are the main thread's; the
 * callbacks run on the workers.
 */
#ifndef HCLOAD_GATE_H
#define HCLOAD_GATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "hc/buf.h"
#include "hc/client.h"
#include "hc/opt.h"
#include "hc/threshold.h"
#include "hcload.h"
#include "options.h"
#include "hc/runner.h"

struct gate;

/* One threshold's verdict, after gate_finish. */
struct gate_verdict {
    const struct hc_threshold *t; /* the threshold */
    double observed;              /* its aggregation's value (NaN: no sample) */
    bool passed;
    bool aborted;     /* it failed during the run and stopped it (abortOnFail) */
    double abort_sec; /* then: when, seconds after the start */
};

/*
 * gate_new: the gate of the run cfg describes: the plan's thresholds, then those of cli (the
 * --threshold texts, "METRIC: EXPR"). 0 with *out set (NULL when there are no thresholds, so
 * the run goes on as without a gate), or HC_ESYNTAX / HC_EUNKNOWN / HC_ERANGE with a message
 * in err, a usage error: a threshold that does not parse, or a tag the run cannot answer (a
 * name or flow the plan lacks, {name:} in the quick mode, a status outside 100..599).
 */
int gate_new(const struct config *cfg, const struct hc_opt_list *cli, struct gate **out, char *err,
             size_t errlen);

/* Frees the gate. Accepts NULL. */
void gate_free(struct gate *g);

/* Installs the gate's callbacks in cc around the runner's (after hc_runner_configure). */
void gate_configure(struct gate *g, struct hc_client_config *cc);

/* Tells the gate its client (to stop it) and runner (NULL in the quick mode). */
void gate_attach(struct gate *g, struct hc_client *c, const struct hc_runner *run);

/*
 * gate_tick: the once-a-second hand-off (main thread): adds this second's latencies of the
 * whole run (lat, raw: the client's hand-off) and every thread's series figures into the
 * totals, then judges each abortOnFail threshold whose delayAbortEval has passed; the first
 * that fails stops the client (hc_client_stop). elapsed_ns: since the start. Returns whether
 * the gate has stopped the run.
 */
bool gate_tick(struct gate *g, const struct hc_hist *lat, const struct hc_hist *raw,
               int64_t elapsed_ns);

/*
 * gate_finish: after hc_client_join and hc_runner_finish: the last figures (total: all threads
 * added; elapsed_ns: the run's length) and every verdict.
 */
void gate_finish(struct gate *g, const struct hc_client_stats *total, int64_t elapsed_ns);

/* The verdicts (after gate_finish), in the order given: the plan's, then --threshold's. */
size_t gate_verdicts(const struct gate *g, const struct gate_verdict **out);

/* Whether every threshold passed (after gate_finish). */
bool gate_passed(const struct gate *g);

/* The threshold that stopped the run, or NULL. */
const struct gate_verdict *gate_aborted(const struct gate *g);

/* gate_observed_text: "p(95) 20.3ms", "rate 0.012", "med no samples": a verdict's figure. */
void gate_observed_text(const struct gate_verdict *v, char *dst, size_t len);

/* gate_text: appends the summary's "Thresholds" lines (one per threshold, ✓ or ✗). */
void gate_text(const struct gate *g, struct hc_buf *out);

/* gate_json: the JSON summary's "thresholds" array (a new reference). */
json_t *gate_json(const struct gate *g);

/*
 * gate_exit_code: the run's exit status with thresholds: 1 when it was interrupted or nothing
 * was answered at all (the service could not be measured), else 99 when a threshold failed,
 * else 0.
 */
int gate_exit_code(const struct gate *g, bool interrupted, const struct hc_client_stats *total);

#endif
