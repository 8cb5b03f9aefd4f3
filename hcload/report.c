/*
 * report.c: the summary hcload prints at the end.
 *
 * The text follows wrk's layout line for line where wrk has the figure (so scripts and eyes
 * that read wrk output read ours), and adds what wrk lacks: the uncorrected latency beside the
 * corrected one in the open model, responses by status, errors by every kind, and requested
 * against achieved rate. The JSON carries the same figures with latencies in microseconds.
 */
#include "report.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/units.h"

static double report_seconds(int64_t ns)
{
    return (double)ns / HC_NSEC_PER_SEC;
}

/* The share of recorded values within one standard deviation of the mean, in percent. */
static double report_within_stdev(const struct hc_hist *h)
{
    int64_t total = hc_hist_total_count(h);
    if (total == 0)
        return 0;
    double mean = hc_hist_mean(h);
    double sd = hc_hist_stddev(h);
    int64_t in = 0;
    struct hc_hist_iter it;
    hc_hist_iter_recorded(&it, h);
    while (hc_hist_iter_next(&it)) {
        double v = (double)hc_hist_median_equivalent(h, it.value);
        if (v >= mean - sd && v <= mean + sd)
            in += it.count_added;
    }
    return 100.0 * (double)in / (double)total;
}

static void report_duration(struct hc_buf *out, double ns)
{
    char s[HC_UNITS_FMT_MAX];
    hc_units_format_duration((int64_t)llround(ns), s, sizeof(s));
    hc_buf_appendf(out, "%10s", s);
}

static void report_latency_row(struct hc_buf *out, const char *name, const struct hc_hist *h)
{
    hc_buf_appendf(out, "    %-9s", name);
    report_duration(out, hc_hist_mean(h));
    report_duration(out, hc_hist_stddev(h));
    report_duration(out, (double)hc_hist_max(h));
    hc_buf_appendf(out, "%10.2f%%\n", report_within_stdev(h));
}

static void report_rate_row(struct hc_buf *out, const struct hc_hist *h)
{
    char a[HC_UNITS_FMT_MAX], b[HC_UNITS_FMT_MAX], c[HC_UNITS_FMT_MAX];
    hc_units_format_count((uint64_t)llround(hc_hist_mean(h)), a, sizeof(a));
    hc_units_format_count((uint64_t)llround(hc_hist_stddev(h)), b, sizeof(b));
    hc_units_format_count((uint64_t)hc_hist_max(h), c, sizeof(c));
    hc_buf_appendf(out, "    %-9s%10s%10s%10s%10.2f%%\n", "Req/Sec", a, b, c,
                   report_within_stdev(h));
}

static void report_distribution(struct hc_buf *out, const char *title, const struct hc_hist *h)
{
    static const double levels[] = {50, 75, 90, 99, 99.9, 99.99, 99.999, 100};
    hc_buf_appendf(out, "  %s\n", title);
    for (size_t i = 0; i < HC_ARRAY_LEN(levels); i++) {
        char v[HC_UNITS_FMT_MAX];
        hc_units_format_duration(hc_hist_value_at_percentile(h, levels[i]), v, sizeof(v));
        hc_buf_appendf(out, "    %7g%%  %10s\n", levels[i], v);
    }
}

/* The full spectrum, HdrHistogram's .hgrm columns, values in milliseconds. */
static void report_spectrum(struct hc_buf *out, const char *title, const struct hc_hist *h)
{
    hc_buf_appendf(out, "\n  %s\n", title);
    hc_buf_appendf(out, "%12s %12s %12s %14s\n\n", "Value(ms)", "Percentile", "TotalCount",
                   "1/(1-Percentile)");
    struct hc_hist_iter it;
    hc_hist_iter_percentiles(&it, h, 5);
    while (hc_hist_iter_next(&it)) {
        double p = it.percentile_level / 100.0;
        double ms = (double)it.value / 1e6;
        if (p < 1.0)
            hc_buf_appendf(out, "%12.3f %12.6f %12lld %14.2f\n", ms, p,
                           (long long)it.count_to_value, 1.0 / (1.0 - p));
        else
            hc_buf_appendf(out, "%12.3f %12.6f %12lld %14s\n", ms, p, (long long)it.count_to_value,
                           "inf");
    }
    hc_buf_appendf(out, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", hc_hist_mean(h) / 1e6,
                   hc_hist_stddev(h) / 1e6);
    hc_buf_appendf(out, "#[Max     = %12.3f, Total count    = %12lld]\n",
                   (double)hc_hist_max(h) / 1e6, (long long)hc_hist_total_count(h));
}

int report_text(const struct report *r, struct hc_buf *out)
{
    const struct config *cfg = r->cfg;
    const struct hc_client_stats *s = r->total;
    char a[HC_UNITS_FMT_MAX], b[HC_UNITS_FMT_MAX];
    bool open = cfg->model == HC_CLIENT_OPEN;
    if (cfg->duration_ns == INT64_MAX) {
        hc_buf_appendf(out, "Running %llu requests @ %s\n", (unsigned long long)cfg->requests,
                       cfg->url_text);
    } else {
        hc_units_format_duration(cfg->duration_ns, a, sizeof(a));
        hc_buf_appendf(out, "Running %s test @ %s\n", a, cfg->url_text);
    }
    hc_buf_appendf(out, "  %u threads and %zu connections", cfg->threads, cfg->connections);
    if (cfg->pipeline > 1)
        hc_buf_appendf(out, ", pipeline %u", cfg->pipeline);
    if (open) {
        hc_units_format_rate(cfg->rate, a, sizeof(a));
        hc_buf_appendf(out, ", open model at %s/s (%s)%s", a, cfg->poisson ? "poisson" : "constant",
                       cfg->nstages ? " with stages" : "");
    } else if (cfg->nstages) {
        hc_buf_appendf(out, ", connections in stages");
    }
    hc_buf_appendf(out, "\n");
    hc_buf_appendf(out, "  %-11s%10s%10s%10s%11s\n", "Thread Stats", "Avg", "Stdev", "Max",
                   "+/- Stdev");
    report_latency_row(out, "Latency", s->lat);
    if (open)
        report_latency_row(out, "Uncorr.", s->raw);
    if (hc_hist_total_count(r->rate) > 0)
        report_rate_row(out, r->rate);
    if (cfg->latency) {
        report_distribution(out, open ? "Latency Distribution (corrected)" : "Latency Distribution",
                            s->lat);
        if (open)
            report_distribution(out, "Latency Distribution (uncorrected)", s->raw);
        report_spectrum(out,
                        open ? "Detailed Percentile spectrum (corrected):"
                             : "Detailed Percentile spectrum:",
                        s->lat);
        if (open)
            report_spectrum(out, "Detailed Percentile spectrum (uncorrected):", s->raw);
        hc_buf_appendf(out, "\n");
    }
    hc_units_format_duration(r->elapsed_ns, a, sizeof(a));
    hc_units_format_size(s->bytes_read, b, sizeof(b));
    hc_buf_appendf(out, "  %llu requests in %s, %s read%s\n", (unsigned long long)s->responses, a,
                   b, r->interrupted ? " (interrupted)" : "");
    hc_buf_appendf(out, "  Status codes:");
    const char *sep = " ";
    for (int i = 0; i < HC_CLIENT_STATUS_MAX; i++) {
        if (s->status[i] == 0)
            continue;
        hc_buf_appendf(out, "%s%d: %llu", sep, i, (unsigned long long)s->status[i]);
        sep = ", ";
    }
    if (s->status_other)
        hc_buf_appendf(out, "%sother: %llu", sep, (unsigned long long)s->status_other);
    if (s->responses == 0)
        hc_buf_appendf(out, " none");
    hc_buf_appendf(out, "\n");
    uint64_t bad = hc_client_stats_non_2xx_3xx(s);
    if (bad)
        hc_buf_appendf(out, "  Non-2xx or 3xx responses: %llu\n", (unsigned long long)bad);
    if (hc_client_stats_errors_total(s)) {
        hc_buf_appendf(out, "  Socket errors:");
        for (int i = 0; i < HC_CLIENT_ERR_KINDS; i++)
            hc_buf_appendf(out, "%s %s %llu", i ? "," : "", hc_client_err_names[i],
                           (unsigned long long)s->errors[i]);
        hc_buf_appendf(out, "\n");
    }
    double sec = report_seconds(r->elapsed_ns);
    double rps = sec > 0 ? (double)s->responses / sec : 0;
    if (open) {
        hc_buf_appendf(out, "  Requested %.2f/s, achieved %.2f/s", r->requested_rate, rps);
        hc_buf_appendf(out, "; %llu waited for a connection, %llu never sent\n",
                       (unsigned long long)s->queued, (unsigned long long)s->unsent);
    }
    hc_buf_appendf(out, "Requests/sec: %12.2f\n", rps);
    hc_units_format_size(sec > 0 ? (uint64_t)((double)s->bytes_read / sec) : 0, a, sizeof(a));
    return hc_buf_appendf(out, "Transfer/sec: %12s\n", a);
}

static double report_us(int64_t ns)
{
    return (double)ns / 1000.0;
}

static json_t *report_json_latency(const struct hc_hist *h)
{
    return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "count",
                     (json_int_t)hc_hist_total_count(h), "mean", hc_hist_mean(h) / 1000.0, "stdev",
                     hc_hist_stddev(h) / 1000.0, "min", report_us(hc_hist_min(h)), "p50",
                     report_us(hc_hist_value_at_percentile(h, 50)), "p90",
                     report_us(hc_hist_value_at_percentile(h, 90)), "p99",
                     report_us(hc_hist_value_at_percentile(h, 99)), "p99_9",
                     report_us(hc_hist_value_at_percentile(h, 99.9)), "p99_99",
                     report_us(hc_hist_value_at_percentile(h, 99.99)), "max",
                     report_us(hc_hist_max(h)));
}

int report_json(const struct report *r, struct hc_buf *out)
{
    const struct config *cfg = r->cfg;
    const struct hc_client_stats *s = r->total;
    double sec = report_seconds(r->elapsed_ns);
    json_t *errors = json_object();
    for (int i = 0; i < HC_CLIENT_ERR_KINDS; i++)
        json_object_set_new(errors, hc_client_err_names[i], json_integer((json_int_t)s->errors[i]));
    json_object_set_new(errors, "total", json_integer((json_int_t)hc_client_stats_errors_total(s)));
    json_t *status = json_object();
    for (int i = 0; i < HC_CLIENT_STATUS_MAX; i++) {
        if (s->status[i] == 0)
            continue;
        char key[12]; /* any int, so -Wformat-truncation can prove it fits */
        snprintf(key, sizeof(key), "%d", i);
        json_object_set_new(status, key, json_integer((json_int_t)s->status[i]));
    }
    if (s->status_other)
        json_object_set_new(status, "other", json_integer((json_int_t)s->status_other));
    json_t *root = json_object();
    json_object_set_new(root, "version", json_string(HC_VERSION));
    json_object_set_new(root, "url", json_string(cfg->url_text));
    json_object_set_new(root, "method", json_string(cfg->method));
    json_object_set_new(root, "model",
                        json_string(cfg->model == HC_CLIENT_OPEN ? "open" : "closed"));
    json_object_set_new(root, "arrival",
                        cfg->model == HC_CLIENT_OPEN
                            ? json_string(cfg->poisson ? "poisson" : "constant")
                            : json_null());
    json_object_set_new(root, "threads", json_integer(cfg->threads));
    json_object_set_new(root, "connections", json_integer((json_int_t)cfg->connections));
    json_object_set_new(root, "pipeline", json_integer(cfg->pipeline));
    json_object_set_new(root, "duration_s", json_real(sec));
    json_object_set_new(
        root, "planned_duration_s",
        cfg->duration_ns == INT64_MAX ? json_null() : json_real(report_seconds(cfg->duration_ns)));
    json_object_set_new(root, "interrupted", json_boolean(r->interrupted));
    json_object_set_new(root, "requests", json_integer((json_int_t)s->responses));
    json_object_set_new(root, "sent", json_integer((json_int_t)s->sent));
    json_object_set_new(root, "queued", json_integer((json_int_t)s->queued));
    json_object_set_new(root, "unsent", json_integer((json_int_t)s->unsent));
    json_object_set_new(root, "connects", json_integer((json_int_t)s->connects));
    json_object_set_new(root, "bytes_read", json_integer((json_int_t)s->bytes_read));
    json_object_set_new(root, "bytes_written", json_integer((json_int_t)s->bytes_written));
    json_object_set_new(
        root, "rate",
        json_pack("{s:o, s:f}", "requested",
                  cfg->model == HC_CLIENT_OPEN ? json_real(r->requested_rate) : json_null(),
                  "achieved", sec > 0 ? (double)s->responses / sec : 0.0));
    json_object_set_new(root, "errors", errors);
    json_object_set_new(root, "responses", status);
    json_object_set_new(root, "non_2xx_3xx",
                        json_integer((json_int_t)hc_client_stats_non_2xx_3xx(s)));
    json_object_set_new(root, "latency_us",
                        json_pack("{s:o, s:o}", "corrected", report_json_latency(s->lat),
                                  "uncorrected", report_json_latency(s->raw)));
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(root);
    if (text == NULL)
        return -ENOMEM;
    int rc = hc_buf_append_str(out, text);
    if (rc == 0)
        rc = hc_buf_putc(out, '\n');
    free(text);
    return rc;
}

int report_exit_code(const struct report *r)
{
    const struct hc_client_stats *s = r->total;
    if (hc_client_stats_errors_total(s) > 0 || s->unsent > 0 || s->responses == 0)
        return 1;
    return 0;
}
