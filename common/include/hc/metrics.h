/*
 * hc/metrics.h: a registry of Prometheus metrics, its text exposition writer, and a parser for
 * exposition pages scraped from any Prometheus endpoint.
 *
 * Registry. A program registers families (a name, a help text, a type and label names) once at
 * start-up, then asks each family for a series by its label values and keeps the handle it
 * gets. Registration takes the registry lock; updating a handle never does: counters and
 * histogram buckets are relaxed atomic integers, gauges and sums are doubles updated by a
 * compare-and-swap on their bit pattern. Handles live as long as the registry.
 *
 * Writer. hc_metrics_write() renders the registry in the text format version 0.0.4 that
 * Prometheus scrapes (serve it with HC_METRICS_CONTENT_TYPE): families and series in
 * registration order, every value written so that parsing it back gives the same double.
 *
 * Parser. hc_metrics_parse() reads a whole page (ours or any exporter's) into a bounded
 * in-memory hc_metrics_page that hcmon queries: find one sample, sum a family, estimate a
 * histogram quantile the way PromQL's histogram_quantile() does.
 *
 * Names follow the Prometheus grammar: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names
 * [a-zA-Z_][a-zA-Z0-9_]*. hc's own metrics start with hc_, use base units (seconds, bytes) and
 * counters end in _total.
 */
#ifndef HC_METRICS_H
#define HC_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/buf.h"
#include "hc/core.h"

/* The Content-Type of a page written by hc_metrics_write(). */
#define HC_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The type a family declares in its # TYPE line (summary and untyped only when parsing). */
enum hc_metrics_type {
    HC_METRICS_UNTYPED = 0,
    HC_METRICS_COUNTER,
    HC_METRICS_GAUGE,
    HC_METRICS_HISTOGRAM,
    HC_METRICS_SUMMARY,
};

/* The name of a type as written in a # TYPE line ("counter", ...). Never NULL. */
const char *hc_metrics_type_name(enum hc_metrics_type type);

/* True when s is a valid metric name / label name. */
bool hc_metrics_valid_name(const char *s);
bool hc_metrics_valid_label_name(const char *s);

/* True when s[0..n) is valid UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF): what label values and help texts must be, in the registry and in a page. */
bool hc_metrics_valid_utf8(const char *s, size_t n);

/* ---- registry ---------------------------------------------------------------------------- */

struct hc_metrics;           /* the registry */
struct hc_metrics_family;    /* one metric name with its help, type and label names */
struct hc_metrics_counter;   /* one counter series (a family + label values) */
struct hc_metrics_gauge;     /* one gauge series */
struct hc_metrics_histogram; /* one histogram series */

/*
 * A value computed at scrape time (a queue depth, a cache size, a /proc figure). Called from
 * hc_metrics_write() with the registry lock held, so it must be quick and must not call back
 * into the registry. Return NaN when the value is unavailable.
 */
typedef double (*hc_metrics_scrape_cb)(void *arg);

/* A new, empty registry in *out. Always 0. Free it with hc_metrics_free(). */
int hc_metrics_new(struct hc_metrics **out);

/* Frees the registry, its families and every handle taken from it. Accepts NULL. */
void hc_metrics_free(struct hc_metrics *m);

/*
 * Registers a counter or gauge family. labels: the label names separated by commas ("pool" or
 * "method,route"), or NULL / "" for none. help: any text (escaped on output), not NULL.
 * Registering a name again with the same type and labels gives the existing family, so
 * independent components (three pools) can share one family.
 * Returns 0 with the family in *out (owned by the registry), -EINVAL for an invalid name,
 * label name, too long or non-UTF-8 text, -EEXIST when the name exists with another type or labels
 * (or collides with a histogram's name_bucket, name_sum or name_count lines), HC_ETOOLARGE past
 * HC_METRICS_MAX_FAMILIES.
 */
int hc_metrics_register_counter(struct hc_metrics *m, const char *name, const char *help,
                                const char *labels, struct hc_metrics_family **out);
int hc_metrics_register_gauge(struct hc_metrics *m, const char *name, const char *help,
                              const char *labels, struct hc_metrics_family **out);

/*
 * Registers a histogram family with the given bucket upper bounds (finite, strictly
 * increasing, 1 to HC_METRICS_MAX_BUCKETS of them; the +Inf bucket is implicit). The label
 * name "le" is reserved. Same returns as hc_metrics_register_counter(); re-registering also
 * needs the same bounds.
 */
int hc_metrics_register_histogram(struct hc_metrics *m, const char *name, const char *help,
                                  const char *labels, const double *bounds, size_t nbounds,
                                  struct hc_metrics_family **out);

/*
 * The series of a family for the given label values (one per label name, in order; NULL when
 * the family has no labels), created on first use. Values are copied. The handle stays valid
 * until hc_metrics_free(). Returns 0, -EINVAL when the family has another type or a value is
 * NULL, not UTF-8 or longer than HC_METRICS_MAX_LABEL_VALUE_BYTES, HC_ETOOLARGE past
 * HC_METRICS_MAX_SERIES, -EEXIST when that series is a callback.
 */
int hc_metrics_counter_get(struct hc_metrics_family *f, const char *const *values,
                           struct hc_metrics_counter **out);
int hc_metrics_gauge_get(struct hc_metrics_family *f, const char *const *values,
                         struct hc_metrics_gauge **out);
int hc_metrics_histogram_get(struct hc_metrics_family *f, const char *const *values,
                             struct hc_metrics_histogram **out);

/*
 * Adds a series of a counter or gauge family whose value fn(arg) computes at each scrape.
 * arg must stay valid until the registry is freed. Returns 0, -EINVAL (histogram family, bad
 * values), -EEXIST when a series with these values exists, HC_ETOOLARGE past the bound.
 */
int hc_metrics_add_callback(struct hc_metrics_family *f, const char *const *values,
                            hc_metrics_scrape_cb fn, void *arg);

/* Counter updates: lock-free, any thread. Counters only go up. */
void hc_metrics_counter_inc(struct hc_metrics_counter *c);
void hc_metrics_counter_add(struct hc_metrics_counter *c, uint64_t n);
/* Adds a non-negative fraction (seconds of CPU); negative or NaN amounts are ignored. */
void hc_metrics_counter_add_double(struct hc_metrics_counter *c, double v);
double hc_metrics_counter_value(const struct hc_metrics_counter *c);

/* Gauge updates: lock-free, any thread. */
void hc_metrics_gauge_set(struct hc_metrics_gauge *g, double v);
void hc_metrics_gauge_add(struct hc_metrics_gauge *g, double v);
double hc_metrics_gauge_value(const struct hc_metrics_gauge *g);

/* Records one observation: one bucket count and the sum. Lock-free, any thread. */
void hc_metrics_histogram_observe(struct hc_metrics_histogram *h, double v);
/* The observations so far and their sum (read without a lock: a near-instant snapshot). */
uint64_t hc_metrics_histogram_count(const struct hc_metrics_histogram *h);
double hc_metrics_histogram_sum(const struct hc_metrics_histogram *h);

/*
 * Registers the standard process metrics, read from /proc/self at scrape time:
 * process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
 * process_open_fds, process_max_fds, process_start_time_seconds. Returns 0 or the first
 * registration error (-EEXIST when they are registered already).
 */
int hc_metrics_register_process(struct hc_metrics *m);

/*
 * Appends the exposition page to out. Returns 0, or HC_ETOOLARGE when out reaches its cap
 * (out then holds a truncated page; do not serve it).
 */
int hc_metrics_write(struct hc_metrics *m, struct hc_buf *out);

/*
 * Appends v the way the writer does: integers without exponent, NaN, +Inf, -Inf, otherwise
 * the shortest of %.15g..%.17g that reads back as exactly v. Independent of the C locale.
 */
int hc_metrics_format_value(struct hc_buf *out, double v);

/* ---- parsed pages ------------------------------------------------------------------------ */

struct hc_metrics_label {
    const char *name;  /* label name, NUL-terminated */
    const char *value; /* unescaped value; may be "" */
};

struct hc_metrics_sample {
    const char *name;                      /* the sample's metric name (x_bucket, x_sum...) */
    const struct hc_metrics_label *labels; /* in page order */
    size_t nlabels;
    double value;
    int64_t timestamp_ms; /* valid when has_timestamp */
    bool has_timestamp;
    size_t family; /* index into page->families: its family (x for x_bucket of histogram x) */
    size_t line;   /* 1-based line number in the page */
};

struct hc_metrics_page_family {
    const char *name;
    const char *help; /* unescaped; NULL when the page has no # HELP for it */
    enum hc_metrics_type type;
};

/*
 * A parsed page: read its arrays directly; all strings belong to the page. Families come in
 * the order the page first names them, by # HELP, # TYPE or a sample; a sample that no HELP or
 * TYPE announced gets an untyped family of its own name, as Prometheus does.
 */
struct hc_metrics_page {
    struct hc_metrics_page_family *families;
    size_t nfamilies;
    struct hc_metrics_sample *samples; /* in page order */
    size_t nsamples;
    void *arena; /* private: storage of strings and labels */
};

/*
 * Parses a whole exposition page (text format 0.0.4: # HELP / # TYPE and other comments,
 * escapes, NaN / +Inf / -Inf / Inf, exponents, optional timestamps, blank lines, CRLF, "{}",
 * a trailing comma in labels). The text need not be NUL-terminated.
 * Returns the bytes consumed (len) with a new page in *out (free it with
 * hc_metrics_page_free()), -EBADMSG for malformed text, HC_ETOOLARGE past a bound of limits.h
 * (page bytes, line bytes, labels, samples, families). On failure *out is NULL and err (if
 * not NULL) holds a message naming the line: "line 7: unterminated label value".
 */
int hc_metrics_parse(const char *text, size_t len, struct hc_metrics_page **out, char *err,
                     size_t errlen);

/* Frees a page. Accepts NULL. */
void hc_metrics_page_free(struct hc_metrics_page *p);

/*
 * match: a label matcher, NULL or a NULL-terminated list of name, value pairs
 * ((const char *[]){"pool", "critical", NULL}); a sample matches when it has every pair
 * (other labels are ignored).
 */

/* The first sample named name that matches, or NULL. */
const struct hc_metrics_sample *hc_metrics_page_find(const struct hc_metrics_page *p,
                                                     const char *name, const char *const *match);

/* The sum of the values of every matching sample named name (0 when none); *count (if not
 * NULL) gets how many were summed. */
double hc_metrics_page_sum(const struct hc_metrics_page *p, const char *name,
                           const char *const *match, size_t *count);

/*
 * Collects the buckets of histogram name (its name_bucket samples that match), summing
 * samples with the same le across series, sorted by upper bound. Writes up to cap pairs into
 * bounds / counts and returns how many there are (may exceed cap: call again bigger), 0 when
 * none. Samples whose le does not parse are skipped.
 */
size_t hc_metrics_page_buckets(const struct hc_metrics_page *p, const char *name,
                               const char *const *match, double *bounds, double *counts,
                               size_t cap);

/*
 * Estimates quantile q (0..1) of cumulative buckets (bounds ascending, the last +Inf) like
 * PromQL's histogram_quantile(): linear interpolation inside the bucket holding the rank, the
 * lowest bucket starting at 0 (or at its bound when that is <= 0), the upper bound of the last
 * finite bucket when the rank falls in +Inf. NaN when there are fewer than 2 buckets, the last
 * is not +Inf, or there are no observations; -Inf for q < 0, +Inf for q > 1.
 * Non-monotonic counts are raised to their running maximum first, as PromQL does.
 * Callers may pass differences of two scrapes to get the quantile over an interval.
 */
double hc_metrics_bucket_quantile(double q, const double *bounds, const double *counts, size_t n);

/* hc_metrics_page_buckets() then hc_metrics_bucket_quantile(); NaN when there are none. */
double hc_metrics_page_quantile(const struct hc_metrics_page *p, const char *name,
                                const char *const *match, double q);

/* ---- serving a page (metrics_serve.c) ----------------------------------------------------- */

/*
 * A small /metrics listener for programs that are not HTTP servers themselves (hcload and
 * hcwarm while they run): its own thread accepts one connection at a time, reads one request
 * head (at most HC_METRICS_SERVE_MAX_REQUEST_BYTES within HC_METRICS_SERVE_TIMEOUT_MS, or the
 * connection is closed), and answers GET or HEAD /metrics with the page the render callback
 * writes (HC_METRICS_CONTENT_TYPE, Connection: close), any other path with 404 and any other
 * method with 405. The render callback runs on the listener's thread, so what it reads must be
 * guarded by the caller (a snapshot under the caller's lock, or the registry's atomics).
 */

/*
 * Writes the page into out (empty, capped at HC_METRICS_MAX_PAGE_BYTES). 0, or a negative
 * code: the scrape is then answered with 500.
 */
typedef int hc_metrics_render_cb(void *arg, struct hc_buf *out);

struct hc_metrics_server;

/*
 * hc_metrics_serve_start: listens on addr ("127.0.0.1:9100", "[::1]:9100"; port 0 picks a free
 * one) and starts the listener's thread. 0 with *out set, or a negative errno with a message in
 * err (a bad address, the port in use, no thread).
 */
int hc_metrics_serve_start(const char *addr, hc_metrics_render_cb *render, void *arg,
                           struct hc_metrics_server **out, char *err, size_t errlen);

/*
 * hc_metrics_serve_route: what the listener answers a request head (len bytes, from its
 * request line on): 200 for GET or HEAD of /metrics (with or without a query; *head_only
 * true for HEAD), 404 for another path, 405 for another method. Never reads past head + len.
 */
int hc_metrics_serve_route(const char *head, size_t len, bool *head_only);

/* hc_metrics_serve_port: the port it listens on. */
int hc_metrics_serve_port(const struct hc_metrics_server *s);

/* hc_metrics_serve_scrapes: pages served so far (any thread; for tests and summaries). */
uint64_t hc_metrics_serve_scrapes(const struct hc_metrics_server *s);

/*
 * hc_metrics_serve_stop: ends the listener (a scrape under way is finished or cut at its
 * deadline), joins its thread and frees it. Accepts NULL.
 */
void hc_metrics_serve_stop(struct hc_metrics_server *s);

#endif
