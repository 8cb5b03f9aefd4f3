/*
 * report.h: the end-of-run summary, as wrk-like text and as JSON (schema in docs/hcload.md).
 * Both writers only format what they are given into a buffer; the caller prints it.
 */
#ifndef HCLOAD_REPORT_H
#define HCLOAD_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "hc/buf.h"
#include "hc/client.h"
#include "hc/hist.h"
#include "options.h"
#include "hc/runner.h"

struct gate;

/* One second of the run, for the JSON's time series. */
struct report_second {
    double t;                   /* seconds after the start where the interval ends */
    double rate;                /* responses per second in it */
    uint64_t errors;            /* failed requests in it */
    int64_t p50, p90, p99, max; /* corrected latency, ns */
};

struct report {
    const struct config *cfg;            /* the run's configuration */
    const struct hc_client_stats *total; /* all threads added together */
    const struct hc_hist *rate;          /* responses per second per thread, one value a second */
    int64_t elapsed_ns;                  /* from the start to the last worker's end */
    double requested_rate;               /* open model: planned requests per second; else 0 */
    bool interrupted;                    /* stopped by a signal before its end */
    const struct hc_runner *run;         /* hcload run: per name and per flow; else NULL */
    double start_sec;                    /* wall-clock start, seconds since the epoch */
    const struct report_second *seconds; /* nseconds rows, one a second */
    size_t nseconds;
    bool header_shown;       /* report_header was printed before the run */
    const struct gate *gate; /* the thresholds' verdicts (gate.h), or NULL */
};

/* report_header: the "Running ... test @ URL" lines (printed before the run on a terminal). */
void report_header(const struct config *cfg, struct hc_buf *out);

/* report_text: appends the text summary to out. 0 or HC_ETOOLARGE. */
int report_text(const struct report *r, struct hc_buf *out);

/*
 * report_json_tree: the JSON summary as a jansson object (the caller owns the reference);
 * report_json writes it, html.c draws a page from it.
 */
json_t *report_json_tree(const struct report *r);

/* report_json: appends the JSON summary (one object and a newline) to out. 0 or -ENOMEM. */
int report_json(const struct report *r, struct hc_buf *out);

/*
 * report_json_latency: the JSON latency object of h (ns): count, mean, stdev, min, the
 * percentiles and max in microseconds, and "hdr", h in HdrHistogram's compressed base64 form
 * (what hcload merge adds up). A new reference.
 */
json_t *report_json_latency(const struct hc_hist *h);

/*
 * report_json_spectrum: h's percentile spectrum as the JSON's "spectrum" arrays carry it
 * ([percentile, microseconds] pairs). A new reference.
 */
json_t *report_json_spectrum(const struct hc_hist *h);

/* report_protocol: "HTTP/1.1", "h2", or "mixed" (libcurl fell back on some connections). */
const char *report_protocol(const struct report *r);

/* report_exit_code: 0 when every request got a response, else 1 (also when interrupted). */
int report_exit_code(const struct report *r);

#endif
