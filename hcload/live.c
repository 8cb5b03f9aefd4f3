/*
 * live.c: hcload's live metrics page (see live.h).
 *
 * Why a snapshot rather than the metrics registry's atomic series: the figures already
 * arrive on the main thread once a second (the client's hand-off and the runner's per-name
 * one), as HDR histograms; adding them to cumulative histograms under one lock costs nothing
 * on the hot path, and the Prometheus buckets are read off the HDR histogram at scrape time,
 * so no worker ever touches a shared cache line for the page's sake.
 */
#include "live.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/client.h"
#include "hc/metrics.h"
#include "hc/runner.h"

/* The latency buckets' upper bounds, seconds (1-2.5-5 steps from 100 us to 10 s). */
static const double live_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                     0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};

struct live {
    struct hc_metrics_server *server;
    pthread_mutex_t lock; /* guards everything below (main thread writes, listener reads) */
    size_t nnames;        /* request names: the plan's, or the quick mode's one */
    const char **names;   /* nnames, not owned (the plan's or the URL text) */
    struct hc_hist **lat; /* nnames cumulative corrected latencies */
    uint64_t *requests;   /* nnames responses */
    uint64_t failures;    /* transport failures */
    uint64_t sent;        /* requests sent */
    uint64_t answered;    /* responses and failures, as of the same hand-off as sent */
    double rate;          /* responses per second over the last second */
    double elapsed;       /* seconds since the start */
};

/* Appends a label value escaped as the text format wants (\\, \", \n). */
static void live_label(struct hc_buf *out, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\' || *s == '"')
            hc_buf_putc(out, '\\');
        if (*s == '\n') {
            hc_buf_append_str(out, "\\n");
            continue;
        }
        hc_buf_putc(out, *s);
    }
}

static void live_family(struct hc_buf *out, const char *name, const char *type, const char *help)
{
    hc_buf_appendf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void live_value(struct hc_buf *out, const char *name, double v)
{
    hc_buf_appendf(out, "%s ", name);
    hc_metrics_format_value(out, v);
    hc_buf_putc(out, '\n');
}

static void live_histogram(struct hc_buf *out, const char *name, const struct hc_hist *h)
{
    uint64_t in[HC_ARRAY_LEN(live_bounds)] = {0};
    struct hc_hist_iter it;
    hc_hist_iter_recorded(&it, h);
    while (hc_hist_iter_next(&it)) {
        /* A bucket counts below a bound only when all of its values are. */
        double v = (double)hc_hist_highest_equivalent(h, it.value) / HC_NSEC_PER_SEC;
        for (size_t b = 0; b < HC_ARRAY_LEN(live_bounds); b++)
            if (v <= live_bounds[b])
                in[b] += (uint64_t)it.count_added;
    }
    int64_t total = hc_hist_total_count(h);
    for (size_t b = 0; b < HC_ARRAY_LEN(live_bounds); b++) {
        hc_buf_appendf(out, "hc_hcload_latency_seconds_bucket{name=\"");
        live_label(out, name);
        hc_buf_appendf(out, "\",le=\"");
        hc_metrics_format_value(out, live_bounds[b]);
        hc_buf_appendf(out, "\"} %llu\n", (unsigned long long)in[b]);
    }
    hc_buf_appendf(out, "hc_hcload_latency_seconds_bucket{name=\"");
    live_label(out, name);
    hc_buf_appendf(out, "\",le=\"+Inf\"} %lld\n", (long long)total);
    hc_buf_appendf(out, "hc_hcload_latency_seconds_sum{name=\"");
    live_label(out, name);
    hc_buf_appendf(out, "\"} ");
    hc_metrics_format_value(out, total > 0 ? hc_hist_mean(h) * (double)total / 1e9 : 0);
    hc_buf_appendf(out, "\nhc_hcload_latency_seconds_count{name=\"");
    live_label(out, name);
    hc_buf_appendf(out, "\"} %lld\n", (long long)total);
}

static int live_render(void *arg, struct hc_buf *out)
{
    struct live *l = arg;
    pthread_mutex_lock(&l->lock);
    live_family(out, "hc_hcload_requests_total", "counter",
                "Responses received, any status, per request name.");
    for (size_t i = 0; i < l->nnames; i++) {
        hc_buf_appendf(out, "hc_hcload_requests_total{name=\"");
        live_label(out, l->names[i]);
        hc_buf_appendf(out, "\"} %llu\n", (unsigned long long)l->requests[i]);
    }
    live_family(out, "hc_hcload_failures_total", "counter",
                "Requests that failed without a response (connect, read, write, timeout, parse, "
                "reset).");
    live_value(out, "hc_hcload_failures_total", (double)l->failures);
    live_family(out, "hc_hcload_in_flight", "gauge",
                "Requests sent and not yet answered or failed, as of the last second.");
    live_value(out, "hc_hcload_in_flight",
               l->sent > l->answered ? (double)(l->sent - l->answered) : 0);
    live_family(out, "hc_hcload_responses_per_second", "gauge",
                "Responses per second over the last second.");
    live_value(out, "hc_hcload_responses_per_second", l->rate);
    live_family(out, "hc_hcload_elapsed_seconds", "gauge", "Seconds since the run started.");
    live_value(out, "hc_hcload_elapsed_seconds", l->elapsed);
    live_family(out, "hc_hcload_latency_seconds", "histogram",
                "Corrected latency (from when each request was due), per request name.");
    for (size_t i = 0; i < l->nnames; i++)
        live_histogram(out, l->names[i], l->lat[i]);
    pthread_mutex_unlock(&l->lock);
    return 0;
}

int live_start(const struct config *cfg, struct live **out, char *err, size_t errlen)
{
    *out = NULL;
    struct live *l = hc_xcalloc(1, sizeof(*l));
    pthread_mutex_init(&l->lock, NULL);
    l->nnames = cfg->plan != NULL ? cfg->plan->nrequests : 1;
    l->names = hc_xcalloc(l->nnames, sizeof(*l->names));
    l->lat = hc_xcalloc(l->nnames, sizeof(*l->lat));
    l->requests = hc_xcalloc(l->nnames, sizeof(*l->requests));
    for (size_t i = 0; i < l->nnames; i++) {
        l->names[i] = cfg->plan != NULL ? cfg->plan->requests[i].name : cfg->url_text;
        if (cfg->plan != NULL)
            hc_runner_new_hist(&l->lat[i]);
        else
            hc_client_stats_new_hist(&l->lat[i]);
    }
    int rc = hc_metrics_serve_start(cfg->metrics_listen, live_render, l, &l->server, err, errlen);
    if (rc != 0) {
        live_stop(l);
        return rc;
    }
    *out = l;
    return 0;
}

int live_port(const struct live *l)
{
    return hc_metrics_serve_port(l->server);
}

void live_update(struct live *l, const struct hc_hist *lat, struct hc_hist *const *names,
                 uint64_t responses, uint64_t errors, uint64_t sent, double interval_sec,
                 double elapsed_sec)
{
    pthread_mutex_lock(&l->lock);
    for (size_t i = 0; i < l->nnames; i++) {
        const struct hc_hist *h = names != NULL ? names[2 * i] : lat;
        hc_hist_add(l->lat[i], h);
        l->requests[i] += (uint64_t)hc_hist_total_count(h);
    }
    l->failures += errors;
    l->answered += responses + errors;
    l->sent = sent;
    l->rate = interval_sec > 0 ? (double)responses / interval_sec : 0;
    l->elapsed = elapsed_sec;
    pthread_mutex_unlock(&l->lock);
}

void live_stop(struct live *l)
{
    if (l == NULL)
        return;
    hc_metrics_serve_stop(l->server);
    for (size_t i = 0; i < l->nnames; i++)
        hc_hist_free(l->lat[i]);
    free(l->lat);
    free(l->names);
    free(l->requests);
    pthread_mutex_destroy(&l->lock);
    free(l);
}
