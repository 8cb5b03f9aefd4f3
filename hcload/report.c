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

#include <time.h>

#include "gate.h"
#include "hc/units.h"

/* The JSON schema's version: bumped when a field changes meaning or goes (docs/hcload.md). */
#define REPORT_SCHEMA_VERSION 2

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

/* "200: 98, 503: 2" for a name's statuses. */
static void report_statuses(struct hc_buf *out, const struct hc_client_stats *s)
{
    const char *sep = "";
    for (int i = 0; i < HC_CLIENT_STATUS_MAX; i++) {
        if (s->status[i] == 0)
            continue;
        hc_buf_appendf(out, "%s%d: %llu", sep, i, (unsigned long long)s->status[i]);
        sep = ", ";
    }
    if (s->status_other)
        hc_buf_appendf(out, "%sother: %llu", sep, (unsigned long long)s->status_other);
}

/* hcload run: the table per request name, the flows, and whether the data ran out. */
static void report_text_plan(const struct report *r, struct hc_buf *out)
{
    const struct hc_runner_name *names;
    size_t n = hc_runner_names(r->run, &names);
    hc_buf_appendf(out, "  %-16s %9s %7s %9s %9s %10s %10s  %s\n", "Request", "Responses", "Errors",
                   "Checks ok", "failed", "p50", "p99", "Statuses");
    for (size_t i = 0; i < n; i++) {
        const struct hc_client_stats *s = &names[i].stats;
        char p50[HC_UNITS_FMT_MAX], p99[HC_UNITS_FMT_MAX];
        hc_units_format_duration(hc_hist_value_at_percentile(s->lat, 50), p50, sizeof(p50));
        hc_units_format_duration(hc_hist_value_at_percentile(s->lat, 99), p99, sizeof(p99));
        hc_buf_appendf(out, "  %-16s %9llu %7llu %9llu %9llu %10s %10s  ", names[i].name,
                       (unsigned long long)s->responses,
                       (unsigned long long)hc_client_stats_errors_total(s),
                       (unsigned long long)names[i].checks_passed,
                       (unsigned long long)names[i].checks_failed, p50, p99);
        report_statuses(out, s);
        hc_buf_appendf(out, "\n");
    }
    const struct hc_runner_flow *flows;
    size_t nf = hc_runner_flows(r->run, &flows);
    hc_buf_appendf(out, "  %-16s %10s %7s %10s %10s\n", "Flow", "Iterations", "Failed", "p50",
                   "p99");
    for (size_t i = 0; i < nf; i++) {
        char p50[HC_UNITS_FMT_MAX], p99[HC_UNITS_FMT_MAX];
        hc_units_format_duration(hc_hist_value_at_percentile(flows[i].durations, 50), p50,
                                 sizeof(p50));
        hc_units_format_duration(hc_hist_value_at_percentile(flows[i].durations, 99), p99,
                                 sizeof(p99));
        hc_buf_appendf(out, "  %-16s %10llu %7llu %10s %10s\n", flows[i].name,
                       (unsigned long long)flows[i].iterations, (unsigned long long)flows[i].failed,
                       p50, p99);
    }
    uint64_t passed, failed;
    hc_runner_checks(r->run, &passed, &failed);
    hc_buf_appendf(out, "  Checks: %llu passed, %llu failed\n", (unsigned long long)passed,
                   (unsigned long long)failed);
    const char *feed = hc_runner_data_out(r->run);
    if (feed != NULL)
        hc_buf_appendf(out, "  Data ran out: feeder \"%s\" (on_end: stop) ended the run\n", feed);
    if (hc_runner_dropped(r->run) > 0)
        hc_buf_appendf(out, "  %llu arrivals found no free iteration slot and were dropped\n",
                       (unsigned long long)hc_runner_dropped(r->run));
}

void report_header(const struct config *cfg, struct hc_buf *out)
{
    char a[HC_UNITS_FMT_MAX];
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
        hc_buf_appendf(out, ", %s %u", cfg->http2 ? "streams" : "pipeline", cfg->pipeline);
    if (open) {
        hc_units_format_rate(cfg->rate, a, sizeof(a));
        hc_buf_appendf(out, ", open model at %s/s (%s)%s", a, cfg->poisson ? "poisson" : "constant",
                       cfg->nstages ? " with stages" : "");
    } else if (cfg->nstages) {
        hc_buf_appendf(out, ", connections in stages");
    }
    hc_buf_appendf(out, "\n");
    if (cfg->plan != NULL)
        hc_buf_appendf(out, "  plan %s (%zu requests, %zu flows, hash %s)\n", cfg->plan_path,
                       cfg->plan->nrequests, cfg->plan->nflows, cfg->plan->hash_hex);
}

/* The mean of n values summing to sum_ns, in ms for JSON (null when there are none). */
static json_t *report_mean_ms(int64_t sum_ns, uint64_t n)
{
    /* The libcurl engine counts connections but times none of them. */
    if (n == 0 || sum_ns <= 0)
        return json_null();
    return json_real((double)sum_ns / (double)n / HC_NSEC_PER_MSEC);
}

/* "  Connections: 12 (connect 85us, TLS 1.20ms, 8 resumed; first byte 130us, means)". */
static void report_connection_times(struct hc_buf *out, const struct hc_client_stats *s)
{
    char a[HC_UNITS_FMT_MAX], b[HC_UNITS_FMT_MAX], f[HC_UNITS_FMT_MAX];
    hc_units_format_duration(s->connects ? s->connect_ns / (int64_t)s->connects : 0, a, sizeof(a));
    hc_units_format_duration(s->tls_handshakes ? s->tls_ns / (int64_t)s->tls_handshakes : 0, b,
                             sizeof(b));
    hc_units_format_duration(s->first_bytes ? s->first_byte_ns / (int64_t)s->first_bytes : 0, f,
                             sizeof(f));
    hc_buf_appendf(out,
                   "  Connections: %llu (connect %s, TLS %s, %llu resumed; first byte %s; "
                   "means)\n",
                   (unsigned long long)s->connects, a, b, (unsigned long long)s->tls_resumed, f);
}

int report_text(const struct report *r, struct hc_buf *out)
{
    const struct config *cfg = r->cfg;
    const struct hc_client_stats *s = r->total;
    char a[HC_UNITS_FMT_MAX], b[HC_UNITS_FMT_MAX];
    bool open = cfg->model == HC_CLIENT_OPEN;
    if (!r->header_shown)
        report_header(cfg, out);
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
    if (s->tls_handshakes > 0)
        report_connection_times(out, s);
    if (r->run != NULL)
        report_text_plan(r, out);
    double sec = report_seconds(r->elapsed_ns);
    double rps = sec > 0 ? (double)s->responses / sec : 0;
    if (open) {
        hc_buf_appendf(out, "  Requested %.2f%s/s, achieved %.2f/s", r->requested_rate,
                       r->run != NULL ? " iterations" : "", rps);
        hc_buf_appendf(out, "; %llu waited for a connection, %llu never sent\n",
                       (unsigned long long)s->queued, (unsigned long long)s->unsent);
    }
    hc_buf_appendf(out, "Requests/sec: %12.2f\n", rps);
    hc_units_format_size(sec > 0 ? (uint64_t)((double)s->bytes_read / sec) : 0, a, sizeof(a));
    int rc = hc_buf_appendf(out, "Transfer/sec: %12s\n", a);
    if (rc == 0 && r->gate != NULL)
        gate_text(r->gate, out);
    return rc;
}

static double report_us(int64_t ns)
{
    return (double)ns / 1000.0;
}

json_t *report_json_latency(const struct hc_hist *h)
{
    static const struct {
        const char *key;
        double level;
    } points[] = {{"p50", 50}, {"p75", 75},     {"p90", 90},       {"p95", 95},
                  {"p99", 99}, {"p99_9", 99.9}, {"p99_99", 99.99}, {"p99_999", 99.999}};
    json_t *o = json_pack("{s:I, s:f, s:f, s:f}", "count", (json_int_t)hc_hist_total_count(h),
                          "mean", hc_hist_mean(h) / 1000.0, "stdev", hc_hist_stddev(h) / 1000.0,
                          "min", report_us(hc_hist_min(h)));
    for (size_t i = 0; i < HC_ARRAY_LEN(points); i++)
        json_object_set_new(o, points[i].key,
                            json_real(report_us(hc_hist_value_at_percentile(h, points[i].level))));
    json_object_set_new(o, "max", json_real(report_us(hc_hist_max(h))));
    struct hc_buf hdr;
    hc_buf_init(&hdr, 0);
    if (hc_hist_encode(h, &hdr) == 0)
        json_object_set_new(o, "hdr", json_stringn(hdr.data ? hdr.data : "", hdr.len));
    hc_buf_destroy(&hdr);
    return o;
}

static json_t *report_json_errors(const struct hc_client_stats *s)
{
    json_t *errors = json_object();
    for (int i = 0; i < HC_CLIENT_ERR_KINDS; i++)
        json_object_set_new(errors, hc_client_err_names[i], json_integer((json_int_t)s->errors[i]));
    json_object_set_new(errors, "total", json_integer((json_int_t)hc_client_stats_errors_total(s)));
    return errors;
}

static json_t *report_json_statuses(const struct hc_client_stats *s)
{
    json_t *status = json_object();
    for (int i = 0; i < HC_CLIENT_STATUS_MAX; i++) {
        if (s->status[i] == 0)
            continue;
        char key[12];
        snprintf(key, sizeof(key), "%d", i);
        json_object_set_new(status, key, json_integer((json_int_t)s->status[i]));
    }
    if (s->status_other)
        json_object_set_new(status, "other", json_integer((json_int_t)s->status_other));
    return status;
}

static json_t *report_json_checks(uint64_t passed, uint64_t failed)
{
    return json_pack("{s:I, s:I}", "passed", (json_int_t)passed, "failed", (json_int_t)failed);
}

/* by_name and flows of a plan's run. */
static void report_json_plan(const struct report *r, json_t *root)
{
    const struct hc_runner_name *names;
    size_t n = hc_runner_names(r->run, &names);
    double sec = report_seconds(r->elapsed_ns);
    json_t *by = json_object();
    for (size_t i = 0; i < n; i++) {
        const struct hc_client_stats *s = &names[i].stats;
        json_t *o = json_object();
        json_object_set_new(o, "requests", json_integer((json_int_t)s->responses));
        json_object_set_new(o, "bytes_read", json_integer((json_int_t)s->bytes_read));
        json_object_set_new(
            o, "rate", json_pack("{s:f}", "achieved", sec > 0 ? (double)s->responses / sec : 0.0));
        json_object_set_new(o, "errors", report_json_errors(s));
        json_object_set_new(o, "responses", report_json_statuses(s));
        json_object_set_new(o, "non_2xx_3xx",
                            json_integer((json_int_t)hc_client_stats_non_2xx_3xx(s)));
        json_object_set_new(o, "checks",
                            report_json_checks(names[i].checks_passed, names[i].checks_failed));
        json_object_set_new(o, "latency_us",
                            json_pack("{s:o, s:o}", "corrected", report_json_latency(s->lat),
                                      "uncorrected", report_json_latency(s->raw)));
        json_object_set_new(by, names[i].name, o);
    }
    json_object_set_new(root, "by_name", by);
    const struct hc_runner_flow *flows;
    size_t nf = hc_runner_flows(r->run, &flows);
    json_t *fo = json_object();
    for (size_t i = 0; i < nf; i++)
        json_object_set_new(fo, flows[i].name,
                            json_pack("{s:I, s:I, s:o}", "iterations",
                                      (json_int_t)flows[i].iterations, "failed",
                                      (json_int_t)flows[i].failed, "duration_us",
                                      report_json_latency(flows[i].durations)));
    json_object_set_new(root, "flows", fo);
    const char *feed = hc_runner_data_out(r->run);
    json_object_set_new(root, "data_ran_out", feed != NULL ? json_string(feed) : json_null());
}

/* The start as UTC ISO 8601 with milliseconds: 2026-12-02T01:46:01.123Z. */
static json_t *report_json_time(double epoch_sec)
{
    time_t t = (time_t)epoch_sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    char s[96]; /* room for any int fields, so -Wformat-truncation can prove it fits */
    int ms = (int)((epoch_sec - (double)t) * 1000.0);
    snprintf(s, sizeof(s), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms < 0 ? 0 : ms % 1000);
    return json_string(s);
}

/* What the run was asked to do, after the plan and the flags were merged. */
static json_t *report_json_options(const struct config *cfg)
{
    json_t *o = json_object();
    json_object_set_new(o, "threads", json_integer(cfg->threads));
    json_object_set_new(o, "connections", json_integer((json_int_t)cfg->connections));
    json_object_set_new(
        o, "duration_s",
        cfg->duration_ns == INT64_MAX ? json_null() : json_real(report_seconds(cfg->duration_ns)));
    json_object_set_new(o, "requests",
                        cfg->requests ? json_integer((json_int_t)cfg->requests) : json_null());
    json_object_set_new(o, "rate",
                        cfg->model == HC_CLIENT_OPEN ? json_real(cfg->rate) : json_null());
    json_object_set_new(o, "stages", json_integer((json_int_t)cfg->nstages));
    json_object_set_new(o, "pipeline", json_integer(cfg->pipeline));
    json_object_set_new(o, "timeout_s", json_real(report_seconds(cfg->timeout_ns)));
    json_object_set_new(o, "http2", json_boolean(cfg->http2));
    json_object_set_new(o, "insecure", json_boolean(cfg->insecure));
    json_object_set_new(o, "plan", cfg->plan_path ? json_string(cfg->plan_path) : json_null());
    return o;
}

static json_t *report_json_seconds(const struct report *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->nseconds; i++) {
        const struct report_second *s = &r->seconds[i];
        json_array_append_new(a, json_pack("{s:f, s:f, s:I, s:f, s:f, s:f, s:f}", "t", s->t, "rate",
                                           s->rate, "errors", (json_int_t)s->errors, "p50_us",
                                           report_us(s->p50), "p90_us", report_us(s->p90), "p99_us",
                                           report_us(s->p99), "max_us", report_us(s->max)));
    }
    return a;
}

/* The protocol the responses came over. */
const char *report_protocol(const struct report *r)
{
    if (r->total->http2 == 0)
        return "HTTP/1.1";
    return r->total->http2 == r->total->responses ? "h2" : "mixed";
}

/*
 * The percentile spectrum as [percentile, microseconds] pairs, HdrHistogram's percentile
 * iteration at 5 ticks per half distance (the .hgrm rows): what a report plots on the
 * 1/(1-p) axis. Tens to a few hundred pairs, however long the run.
 */
json_t *report_json_spectrum(const struct hc_hist *h)
{
    json_t *a = json_array();
    if (hc_hist_total_count(h) == 0)
        return a;
    struct hc_hist_iter it;
    hc_hist_iter_percentiles(&it, h, 5);
    while (hc_hist_iter_next(&it))
        json_array_append_new(a, json_pack("[f, f]", it.percentile_level, report_us(it.value)));
    return a;
}

json_t *report_json_tree(const struct report *r)
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
    json_object_set_new(root, "schema_version", json_integer(REPORT_SCHEMA_VERSION));
    json_object_set_new(root, "version", json_string(HC_VERSION));
    json_object_set_new(root, "start_time", report_json_time(r->start_sec));
    json_object_set_new(root, "options", report_json_options(cfg));
    json_object_set_new(root, "plan_hash",
                        cfg->plan != NULL ? json_string(cfg->plan->hash_hex) : json_null());
    json_object_set_new(root, "protocol", json_string(report_protocol(r)));
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
    json_object_set_new(root, "connection_times",
                        json_pack("{s:o, s:o, s:o, s:I, s:I}", "connect_ms",
                                  report_mean_ms(s->connect_ns, s->connects), "tls_ms",
                                  report_mean_ms(s->tls_ns, s->tls_handshakes), "first_byte_ms",
                                  report_mean_ms(s->first_byte_ns, s->first_bytes),
                                  "tls_handshakes", (json_int_t)s->tls_handshakes, "tls_resumed",
                                  (json_int_t)s->tls_resumed));
    json_object_set_new(root, "http2",
                        json_pack("{s:I, s:I}", "goaways", (json_int_t)s->h2_goaways, "resets",
                                  (json_int_t)s->h2_resets));
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
    json_t *lat = json_pack("{s:o, s:o}", "corrected", report_json_latency(s->lat), "uncorrected",
                            report_json_latency(s->raw));
    json_t *by_class = json_object();
    for (int k = 0; k < HC_CLIENT_STATUS_CLASSES; k++) {
        char name[4] = {(char)('1' + k), 'x', 'x', '\0'};
        if (s->class_lat[k] != NULL)
            json_object_set_new(by_class, name,
                                json_pack("{s:o, s:o}", "corrected",
                                          report_json_latency(s->class_lat[k]), "uncorrected",
                                          report_json_latency(s->class_raw[k])));
    }
    json_object_set_new(lat, "by_class", by_class);
    json_object_set_new(root, "latency_us", lat);
    uint64_t passed = 0, failed = 0;
    if (r->run != NULL)
        hc_runner_checks(r->run, &passed, &failed);
    json_object_set_new(root, "checks", report_json_checks(passed, failed));
    if (r->run != NULL)
        report_json_plan(r, root);
    json_object_set_new(root, "seconds", report_json_seconds(r));
    json_object_set_new(root, "thresholds", r->gate != NULL ? gate_json(r->gate) : json_array());
    json_object_set_new(root, "spectrum",
                        json_pack("{s:o, s:o}", "corrected", report_json_spectrum(s->lat),
                                  "uncorrected", report_json_spectrum(s->raw)));
    return root;
}

int report_json(const struct report *r, struct hc_buf *out)
{
    json_t *root = report_json_tree(r);
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
    if (r->interrupted)
        return 1;
    if (hc_client_stats_errors_total(s) > 0 || s->unsent > 0 || s->responses == 0)
        return 1;
    return 0;
}
