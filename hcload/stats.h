/*
 * stats.h: what one worker thread counts, and how the counts of all threads add up.
 *
 * Statistics are a consumer of the engine seam (hc/client.h): responses, statuses, failures by
 * kind and the latencies come from each on_response / on_failure report; the engine's own
 * counters (bytes, connects, requests sent, queued and unsent) are counted where they happen.
 *
 * Each thread owns a struct stats and is the only one to touch it while the run goes on;
 * the main thread adds them together after joining the threads (so no field is shared and
 * none needs an atomic). Latencies are nanoseconds in HDR histograms: `lat` is measured from
 * when a request should have been sent (the open model's schedule; in the closed model, when it
 * was sent), `raw` from when it was actually sent.
 */
#ifndef HCLOAD_STATS_H
#define HCLOAD_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "hc/client.h"
#include "hc/hist.h"

/* Status codes counted one by one: 0..STATS_STATUS_MAX-1; others go to status_other. */
#define STATS_STATUS_MAX 600

/* Latency histograms: 1 ns to 1 hour at 3 significant digits (256 KiB each). */
#define STATS_HIST_LOWEST  1
#define STATS_HIST_HIGHEST (3600 * HC_NSEC_PER_SEC)
#define STATS_HIST_SIGFIGS 3

struct stats {
    uint64_t responses;                   /* complete responses, any status */
    uint64_t status[STATS_STATUS_MAX];    /* responses by status code */
    uint64_t status_other;                /* responses with a code >= STATS_STATUS_MAX */
    uint64_t errors[HC_CLIENT_ERR_KINDS]; /* failed requests by kind */
    uint64_t bytes_read;                  /* response bytes received */
    uint64_t bytes_written;               /* request bytes sent */
    uint64_t connects;                    /* connections made */
    uint64_t sent;                        /* requests handed to the kernel (or queued to it) */
    uint64_t queued;                      /* open model: requests that waited for a connection */
    uint64_t unsent;                      /* open model: due requests never sent by the end */
    struct hc_hist *lat;                  /* corrected latency, ns */
    struct hc_hist *raw;                  /* uncorrected latency, ns */
};

/* stats_init: zeroed counters and two empty histograms. 0, or -EINVAL from hc_hist_new. */
int stats_init(struct stats *s);

/* Frees the histograms. Accepts NULL. */
void stats_destroy(struct stats *s);

/* stats_new_hist: an empty histogram of the layout above in *out (aborts on no memory). */
int stats_new_hist(struct hc_hist **out);

/* stats_add: adds every counter and histogram of src into dst. */
void stats_add(struct stats *dst, const struct stats *src);

/* The failed requests of every kind. */
uint64_t stats_errors_total(const struct stats *s);

/* Responses whose status is not 2xx or 3xx. */
uint64_t stats_non_2xx_3xx(const struct stats *s);

/*
 * stats_response: counts one response by status. Hot path: the latencies go into the worker's
 * interval histograms, which it adds to lat and raw once a second. The worker calls it from
 * the engine seam (worker_response); the engines never write statistics themselves.
 */
static inline void stats_response(struct stats *s, int status)
{
    s->responses++;
    if (HC_LIKELY(status >= 0 && status < STATS_STATUS_MAX))
        s->status[status]++;
    else
        s->status_other++;
}

#endif
