/*
 * live.h: --metrics-listen HOST:PORT: hcload's own figures in the Prometheus text format while
 * it runs, for Prometheus and hcmon to scrape (served by the metrics module's listener,
 * hc/metrics.h, on its own thread).
 *
 * The page (counters since the start, refreshed once a second from the client's hand-off, so
 * a scrape never touches a worker):
 *   hc_hcload_requests_total{name}        responses received, any status, per request name
 *   hc_hcload_failures_total              requests that failed without a response
 *   hc_hcload_in_flight                   sent and not yet answered or failed
 *   hc_hcload_responses_per_second        over the last second
 *   hc_hcload_elapsed_seconds             since the start
 *   hc_hcload_latency_seconds{name,le}    corrected latency, a histogram per request name
 * The quick mode's one request is named by its URL.
 *
 * Threads: live_start, live_update and live_stop are the main thread's; the page is written
 * on the listener's thread from a snapshot under the live module's lock.
 */
#ifndef HCLOAD_LIVE_H
#define HCLOAD_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "hc/hist.h"
#include "options.h"

struct live;

/*
 * live_start: listens on cfg->metrics_listen for the run cfg describes. 0 with *out set; or
 * -EBADMSG for an address that is not HOST:PORT (a usage error), or another negative errno
 * (the port in use), with a message in err.
 */
int live_start(const struct config *cfg, struct live **out, char *err, size_t errlen);

/* The port it listens on (after live_start). */
int live_port(const struct live *l);

/*
 * live_update: adds one second of the run: lat, the whole run's corrected latencies (the
 * quick mode's one name), or names[2 * i], request i's (hcload run; names NULL in the quick
 * mode); the responses and failures of the second; the requests sent since the start; the
 * interval's length and the time since the start, in seconds.
 */
void live_update(struct live *l, const struct hc_hist *lat, struct hc_hist *const *names,
                 uint64_t responses, uint64_t errors, uint64_t sent, double interval_sec,
                 double elapsed_sec);

/* Stops the listener and frees everything. Accepts NULL. */
void live_stop(struct live *l);

#endif
