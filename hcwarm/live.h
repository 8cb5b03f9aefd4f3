/*
 * live.h: --metrics-listen HOST:PORT: hcwarm's own figures in the Prometheus text format while
 * it runs, for Prometheus and hcmon to scrape (served by the metrics module's listener,
 * hc/metrics.h, on its own thread).
 *
 * The page (counters since the start, over every step of `hcwarm run`; gauges of the step
 * running now):
 *   hc_hcwarm_keys_done_total       preload: keys warmed or already present
 *   hc_hcwarm_keys_failed_total     preload: keys malformed, refused or unanswered
 *   hc_hcwarm_keys_total            preload: the source's keys, estimated from how far it is
 *                                   read (NaN while unknown)
 *   hc_hcwarm_requests_total        http, replay: requests answered or failed
 *   hc_hcwarm_failures_total        http, replay: of them, failed without a response
 *   hc_hcwarm_rate                  requests (or keys) per second now
 *   hc_hcwarm_target_rate           http: the current step's rate (0 for replay and preloads)
 *   hc_hcwarm_step, hc_hcwarm_steps http: the ramp's current step (1-based) and its steps
 *   hc_hcwarm_p99_seconds, hc_hcwarm_error_ratio, hc_hcwarm_hit_ratio
 *                                   the signals of the window being judged (hit ratio NaN
 *                                   while no read said hit or miss)
 *   hc_hcwarm_p99_goal_seconds, hc_hcwarm_error_ratio_goal, hc_hcwarm_hit_ratio_goal
 *                                   the goals (NaN for a goal that is off)
 *   hc_hcwarm_warm                  1 once the step running met every goal, else 0
 *   hc_hcwarm_elapsed_seconds       since the start
 *
 * Threads: every function but the page's writer is the main thread's, called from the
 * subcommands' ticks (a few times a second), never from a worker; the page is written on the
 * listener's thread from a snapshot under the live module's lock. Before live_start (no
 * --metrics-listen) the updates do nothing.
 */
#ifndef HCWARM_LIVE_H
#define HCWARM_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "signals.h"

/*
 * live_start: listens on addr. 0; or -EBADMSG for an address that is not HOST:PORT (a usage
 * error), or another negative errno (the port in use), with a message in err.
 */
int live_start(const char *addr, char *err, size_t errlen);

/* live_port: the port it listens on (0 before live_start). */
int live_port(void);

/*
 * live_begin: a step (a preload, a ramp, a replay) starts: what the step before counted is
 * kept in the counters, its gauges are cleared, and g (NULL for a preload) are the goals.
 */
void live_begin(const struct goals *g);

/* live_preload: the preload's counts so far, its estimated keys (0: unknown), keys per second. */
void live_preload(const struct tally *t, uint64_t total, double rate);

/*
 * live_traffic: the http or replay step so far: answered (responses + failures) and failed
 * requests since the step began, the rate now, the target rate (0: none), the ramp's step
 * (1-based) of steps (0: none), the signals of the window being judged, and whether the step
 * is warm.
 */
void live_traffic(uint64_t answered, uint64_t failed, double rate, double target_rate,
                  unsigned step, unsigned steps, const struct signals *s, bool warm);

/* live_stop: stops the listener and forgets everything. */
void live_stop(void);

#endif
