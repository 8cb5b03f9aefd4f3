/*
 * html.c: the HTML report (see html.h).
 *
 * Why the work is split this way: the tables carry every figure and are written here, so the
 * page says everything even where scripts are off, and so the one place that turns run data
 * (request names, URLs, plan paths) into markup is html_escape. The charts need geometry that
 * is easier to get right next to the SVG they draw, so html_page.js draws them in the browser
 * from a small JSON object this file builds out of checked numbers only (the per-second rows
 * and the spectrum pairs, plus the result's label), embedded with every '<', '>' and '&'
 * written as a \u escape so no text can close the script element it sits in. A Content
 * Security Policy forbids the page every load from outside.
 *
 * A result is read defensively: a field the page shows must have its documented type or the
 * page is not written (struct reader remembers the first offence); a field that is absent is
 * shown as a dash. Older results without the `spectrum` array plot their eight percentiles.
 */
#include "html.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "hc/units.h"

/* The page's script and style, compiled in from html_page.js and html_page.css. */
extern const unsigned char html_page_js[];
extern const size_t html_page_js_len;
extern const unsigned char html_page_css[];
extern const size_t html_page_css_len;

/* What a field must be to be shown. */
enum reader_kind { READ_NUMBER, READ_STRING, READ_OBJECT, READ_ARRAY, READ_BOOL };

/* Reads a result's fields, remembering the first one of the wrong type. */
struct reader {
    char *err;
    size_t errlen;
    bool bad;
};

static const char *const reader_kind_names[] = {"a number", "a string", "an object", "an array",
                                                "true or false"};

static bool reader_is(const json_t *v, enum reader_kind kind)
{
    switch (kind) {
    case READ_NUMBER:
        return json_is_number(v);
    case READ_STRING:
        return json_is_string(v);
    case READ_OBJECT:
        return json_is_object(v);
    case READ_ARRAY:
        return json_is_array(v);
    case READ_BOOL:
        return json_is_boolean(v);
    }
    return false;
}

static void reader_fail(struct reader *rd, const char *fmt, ...)
{
    if (rd->bad)
        return;
    rd->bad = true;
    va_list ap;
    va_start(ap, fmt);
    hc_verrf(rd->err, rd->errlen, fmt, ap);
    va_end(ap);
}

/*
 * The field at the dotted path under obj ("latency_us.corrected.p99"), or NULL when it (or an
 * object on the way) is absent or null. where names obj in a message ("" at the top).
 */
static const json_t *reader_get(struct reader *rd, const json_t *obj, const char *where,
                                const char *path, enum reader_kind kind)
{
    const json_t *v = obj;
    const char *p = path;
    while (v != NULL && *p != '\0') {
        if (!json_is_object(v))
            return NULL;
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
        char key[64];
        if (n >= sizeof(key))
            return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        v = json_object_get(v, key);
        p += n + (dot != NULL ? 1 : 0);
    }
    if (v == NULL || json_is_null(v))
        return NULL;
    if (!reader_is(v, kind)) {
        reader_fail(rd, "%s%s%s: expected %s", where, *where ? "." : "", path,
                    reader_kind_names[kind]);
        return NULL;
    }
    return v;
}

/* A number field: true with *out set when it is there. */
static bool reader_num(struct reader *rd, const json_t *obj, const char *where, const char *path,
                       double *out)
{
    const json_t *v = reader_get(rd, obj, where, path, READ_NUMBER);
    if (v == NULL)
        return false;
    *out = json_number_value(v);
    return isfinite(*out);
}

static const char *reader_str(struct reader *rd, const json_t *obj, const char *where,
                              const char *path)
{
    const json_t *v = reader_get(rd, obj, where, path, READ_STRING);
    return v != NULL ? json_string_value(v) : NULL;
}

int html_escape(struct hc_buf *out, const char *s)
{
    int rc = 0;
    const char *run = s;
    for (const char *p = s;; p++) {
        const char *ref = NULL;
        switch (*p) {
        case '&':
            ref = "&amp;";
            break;
        case '<':
            ref = "&lt;";
            break;
        case '>':
            ref = "&gt;";
            break;
        case '"':
            ref = "&quot;";
            break;
        case '\'':
            ref = "&#39;";
            break;
        case '\0':
            break;
        default:
            continue;
        }
        if (p > run && rc == 0)
            rc = hc_buf_append(out, run, (size_t)(p - run));
        if (*p == '\0')
            break;
        if (rc == 0)
            rc = hc_buf_append_str(out, ref);
        run = p + 1;
    }
    return rc;
}

/* The dash a table shows for a figure the result does not have. */
#define HTML_NONE "&ndash;"

/* A duration given in microseconds, as the text summary writes durations. */
static void html_us(struct hc_buf *out, double us)
{
    if (fabs(us) >= 9e15) /* past what int64_t nanoseconds hold: a broken figure, shown as is */
        hc_buf_appendf(out, "%.3gs", us / 1e6);
    else
        hc_units_append_duration(out, (int64_t)llround(us * 1000.0));
}

/* A count with thin spaces between thousands: 1 234 567. */
static void html_count(struct hc_buf *out, double v)
{
    if (v < 0 || v > 9.2e18) {
        hc_buf_appendf(out, "%.4g", v);
        return;
    }
    char digits[32];
    int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)llround(v));
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            hc_buf_append_str(out, "&#8201;");
        hc_buf_putc(out, digits[i]);
    }
}

/* How a figure is written. */
enum html_fmt { FMT_COUNT, FMT_US, FMT_RATE, FMT_PERCENT };

static void html_value(struct hc_buf *out, enum html_fmt fmt, double v)
{
    switch (fmt) {
    case FMT_COUNT:
        html_count(out, v);
        break;
    case FMT_US:
        html_us(out, v);
        break;
    case FMT_RATE:
        hc_buf_appendf(out, "%.1f/s", v);
        break;
    case FMT_PERCENT:
        hc_buf_appendf(out, "%.3g%%", v);
        break;
    }
}

/* A table cell with the field at path, or a dash. */
static void html_cell(struct hc_buf *out, struct reader *rd, const json_t *obj, const char *where,
                      const char *path, enum html_fmt fmt)
{
    double v = 0;
    hc_buf_append_str(out, "<td>");
    if (reader_num(rd, obj, where, path, &v))
        html_value(out, fmt, v);
    else
        hc_buf_append_str(out, HTML_NONE);
    hc_buf_append_str(out, "</td>");
}

/* "200: 98, 503: 2" from a responses object. */
static void html_statuses(struct hc_buf *out, struct reader *rd, const json_t *obj,
                          const char *where)
{
    const json_t *st = reader_get(rd, obj, where, "responses", READ_OBJECT);
    const char *key;
    const json_t *v;
    const char *sep = "";
    if (st == NULL || json_object_size(st) == 0) {
        hc_buf_append_str(out, HTML_NONE);
        return;
    }
    json_object_foreach((json_t *)st, key, v)
    {
        if (!json_is_number(v)) {
            reader_fail(rd, "%s.responses.%s: expected a number", where, key);
            return;
        }
        hc_buf_append_str(out, sep);
        html_escape(out, key);
        hc_buf_append_str(out, ": ");
        html_count(out, json_number_value(v));
        sep = ", ";
    }
}

/* requests + errors.total: every request that ended, for an error rate. */
static bool html_error_rate(struct reader *rd, const json_t *res, double *out)
{
    double ok = 0, bad = 0;
    if (!reader_num(rd, res, "", "requests", &ok) || !reader_num(rd, res, "", "errors.total", &bad))
        return false;
    *out = ok + bad > 0 ? 100.0 * bad / (ok + bad) : 0;
    return true;
}

/* The header: what ran, when, how, and the verdict. */
static void html_header(struct hc_buf *out, struct reader *rd, const struct html_run *run,
                        const json_t *thresholds, size_t failed_thresholds)
{
    const json_t *res = run->result;
    const char *url = reader_str(rd, res, "", "url");
    const char *method = reader_str(rd, res, "", "method");
    const char *plan = reader_str(rd, res, "", "options.plan");
    const char *hash = reader_str(rd, res, "", "plan_hash");
    const char *start = reader_str(rd, res, "", "start_time");
    const char *model = reader_str(rd, res, "", "model");
    const char *arrival = reader_str(rd, res, "", "arrival");
    const char *proto = reader_str(rd, res, "", "protocol");
    const char *version = reader_str(rd, res, "", "version");
    double v = 0;
    hc_buf_append_str(out, "<header>\n<h1>hcload report</h1>\n<p class=\"sub\">");
    if (plan != NULL) {
        hc_buf_append_str(out, "plan ");
        html_escape(out, plan);
        if (hash != NULL) {
            hc_buf_append_str(out, " (hash ");
            html_escape(out, hash);
            hc_buf_append_str(out, ")");
        }
        hc_buf_append_str(out, " against ");
    } else if (method != NULL) {
        html_escape(out, method);
        hc_buf_putc(out, ' ');
    }
    html_escape(out, url != NULL ? url : "(no url)");
    hc_buf_append_str(out, "</p>\n<p class=\"sub\">");
    if (start != NULL) {
        html_escape(out, start);
        hc_buf_append_str(out, " &middot; ");
    }
    if (model != NULL) {
        html_escape(out, model);
        hc_buf_append_str(out, " model");
        if (reader_num(rd, res, "", "rate.requested", &v)) {
            hc_buf_appendf(out, " at %.6g/s", v);
            if (arrival != NULL) {
                hc_buf_append_str(out, " (");
                html_escape(out, arrival);
                hc_buf_append_str(out, ")");
            }
        }
        hc_buf_append_str(out, " &middot; ");
    }
    if (reader_num(rd, res, "", "threads", &v))
        hc_buf_appendf(out, "%.0f threads, ", v);
    if (reader_num(rd, res, "", "connections", &v))
        hc_buf_appendf(out, "%.0f connections &middot; ", v);
    if (reader_num(rd, res, "", "duration_s", &v))
        hc_buf_appendf(out, "%.2f s", v);
    if (proto != NULL) {
        hc_buf_append_str(out, " &middot; ");
        html_escape(out, proto);
    }
    if (version != NULL) {
        hc_buf_append_str(out, " &middot; hcload ");
        html_escape(out, version);
    }
    hc_buf_append_str(out, "</p>\n");
    const json_t *interrupted = reader_get(rd, res, "", "interrupted", READ_BOOL);
    if (thresholds != NULL) {
        size_t n = json_array_size(thresholds);
        if (failed_thresholds == 0)
            hc_buf_appendf(out,
                           "<span class=\"verdict ok\">&#10003; %zu of %zu thresholds passed"
                           "</span>\n",
                           n, n);
        else
            hc_buf_appendf(out,
                           "<span class=\"verdict bad\">&#10007; %zu of %zu thresholds "
                           "failed</span>\n",
                           failed_thresholds, n);
    }
    if (json_is_true(interrupted))
        hc_buf_append_str(out, "<span class=\"verdict bad\">interrupted</span>\n");
    /* What makes hcload exit 1, as the summary's exit status says it. */
    double failed = 0, unsent = 0, answered = 0;
    bool have_failed = reader_num(rd, res, "", "errors.total", &failed);
    reader_num(rd, res, "", "unsent", &unsent);
    bool have_answered = reader_num(rd, res, "", "requests", &answered);
    if (failed > 0) {
        hc_buf_append_str(out, "<span class=\"verdict bad\">");
        html_count(out, failed);
        hc_buf_append_str(out, " failed requests</span>\n");
    }
    if (unsent > 0) {
        hc_buf_append_str(out, "<span class=\"verdict bad\">");
        html_count(out, unsent);
        hc_buf_append_str(out, " due requests never sent</span>\n");
    }
    if (have_answered && answered == 0)
        hc_buf_append_str(out, "<span class=\"verdict bad\">no response</span>\n");
    if (have_failed && have_answered && failed == 0 && unsent == 0 && answered > 0 &&
        !json_is_true(interrupted))
        hc_buf_append_str(out, "<span class=\"verdict ok\">every request answered</span>\n");
    hc_buf_append_str(out, "</header>\n");
}

/* A threshold's verdict: `passed` as the gate writes it (`ok` read too). NULL when absent. */
static const json_t *html_threshold_passed(struct reader *rd, const json_t *t, const char *where)
{
    const char *key = json_object_get(t, "passed") != NULL ? "passed" : "ok";
    const json_t *v = reader_get(rd, t, where, key, READ_BOOL);
    if (v == NULL)
        reader_fail(rd, "%s.passed: expected true or false", where);
    return v;
}

/*
 * The thresholds section (a result has it when the run was gated): each with its verdict,
 * metric and tags, expression, observed value, and whether it stopped the run.
 */
static void html_thresholds(struct hc_buf *out, struct reader *rd, const json_t *list)
{
    hc_buf_append_str(out, "<h2 id=\"thresholds\">Thresholds</h2>\n<table class=\"thresholds\">"
                           "<tr><th></th><th class=\"text\">Metric</th><th class=\"text\">"
                           "Expression</th><th>Observed</th><th class=\"text\">Note</th></tr>\n");
    size_t i;
    const json_t *t;
    json_array_foreach((json_t *)list, i, t)
    {
        char where[48];
        snprintf(where, sizeof(where), "thresholds[%zu]", i);
        if (!json_is_object(t)) {
            reader_fail(rd, "%s: expected an object", where);
            return;
        }
        const char *metric = reader_str(rd, t, where, "metric");
        const char *expr = reader_str(rd, t, where, "expression");
        const char *unit = reader_str(rd, t, where, "unit");
        const json_t *tags = reader_get(rd, t, where, "tags", READ_OBJECT);
        bool pass = json_is_true(html_threshold_passed(rd, t, where));
        const json_t *obs = json_object_get(t, "observed");
        double stopped = 0;
        hc_buf_appendf(out, "<tr><td class=\"%s\">%s</td><td class=\"text\">",
                       pass ? "pass" : "fail", pass ? "&#10003;" : "&#10007;");
        html_escape(out, metric != NULL ? metric : "");
        if (tags != NULL && json_object_size(tags) > 0) {
            const char *key, *sep = "{";
            const json_t *v;
            json_object_foreach((json_t *)tags, key, v)
            {
                hc_buf_append_str(out, sep);
                html_escape(out, key);
                hc_buf_putc(out, ':');
                html_escape(out, json_is_string(v) ? json_string_value(v) : "?");
                sep = ",";
            }
            hc_buf_putc(out, '}');
        }
        hc_buf_append_str(out, "</td><td class=\"text\">");
        html_escape(out, expr != NULL ? expr : "");
        hc_buf_append_str(out, "</td><td>");
        if (json_is_number(obs))
            hc_buf_appendf(out, "%.6g", json_number_value(obs));
        else if (json_is_string(obs))
            html_escape(out, json_string_value(obs));
        else
            hc_buf_append_str(out, HTML_NONE);
        /*
         * The gate's units: ms, bytes and per_second say something; a share (0..1, as the
         * expression compares it) and a count are plain numbers.
         */
        if (unit != NULL && (json_is_number(obs) || json_is_string(obs)) &&
            strcmp(unit, "share") != 0 && strcmp(unit, "rate") != 0 && strcmp(unit, "count") != 0) {
            hc_buf_putc(out, ' ');
            html_escape(out, strcmp(unit, "per_second") == 0 ? "/s" : unit);
        }
        hc_buf_append_str(out, "</td><td class=\"text\">");
        if (reader_num(rd, t, where, "stopped_run_at_s", &stopped))
            hc_buf_appendf(out, "stopped the run at %.1f s (abortOnFail)", stopped);
        hc_buf_append_str(out, "</td></tr>\n");
    }
    hc_buf_append_str(out, "</table>\n");
}

static size_t html_failed_thresholds(const json_t *list)
{
    size_t failed = 0, i;
    const json_t *t;
    json_array_foreach((json_t *)list, i, t)
    {
        const json_t *v = json_object_get(t, "passed");
        if (!json_is_true(v != NULL ? v : json_object_get(t, "ok")))
            failed++;
    }
    return failed;
}

/* One figure of the summary: where it is in a result and whether more of it is better. */
struct html_figure {
    const char *title;
    const char *path; /* NULL: the error rate, computed */
    enum html_fmt fmt;
    bool more_is_better;
    bool bad_above_zero; /* any of it is trouble: the card is marked */
};

static const struct html_figure html_figures[] = {
    {"Requests", "requests", FMT_COUNT, true, false},
    {"Rate achieved", "rate.achieved", FMT_RATE, true, false},
    {"Failed requests", "errors.total", FMT_COUNT, false, true},
    {"Error rate", NULL, FMT_PERCENT, false, true},
    {"Non-2xx/3xx", "non_2xx_3xx", FMT_COUNT, false, true},
    {"Checks failed", "checks.failed", FMT_COUNT, false, true},
    {"Waited for a connection", "queued", FMT_COUNT, false, false},
    {"Never sent", "unsent", FMT_COUNT, false, true},
    {"p50", "latency_us.corrected.p50", FMT_US, false, false},
    {"p90", "latency_us.corrected.p90", FMT_US, false, false},
    {"p99", "latency_us.corrected.p99", FMT_US, false, false},
    {"p99.9", "latency_us.corrected.p99_9", FMT_US, false, false},
    {"max", "latency_us.corrected.max", FMT_US, false, false},
};

static bool html_figure_value(struct reader *rd, const json_t *res, const struct html_figure *f,
                              double *v)
{
    if (f->path == NULL)
        return html_error_rate(rd, res, v);
    return reader_num(rd, res, "", f->path, v);
}

/* The summary as cards, one a figure; the figures that show trouble are marked. */
static void html_cards(struct hc_buf *out, struct reader *rd, const json_t *res)
{
    hc_buf_append_str(out, "<div class=\"cards\">\n");
    for (size_t i = 0; i < HC_ARRAY_LEN(html_figures); i++) {
        const struct html_figure *f = &html_figures[i];
        double v = 0;
        bool have = html_figure_value(rd, res, f, &v);
        bool trouble = have && f->bad_above_zero && v > 0;
        hc_buf_appendf(out, "<div class=\"card%s\"><b>", trouble ? " bad" : "");
        if (have)
            html_value(out, f->fmt, v);
        else
            hc_buf_append_str(out, HTML_NONE);
        hc_buf_appendf(out, "</b><span>%s</span></div>\n", f->title);
    }
    hc_buf_append_str(out, "</div>\n");
}

/* The change from base to v as a cell: "+12.3%", marked worse or better. */
static void html_change(struct hc_buf *out, double v, double base, bool more_is_better)
{
    if (base == 0 || !isfinite(v / base)) {
        hc_buf_append_str(out, v == base ? "<td>0%</td>" : "<td>" HTML_NONE "</td>");
        return;
    }
    double pct = 100.0 * (v - base) / base;
    const char *cls = "";
    if (fabs(pct) >= 0.05)
        cls = (pct > 0) == more_is_better ? " class=\"better\"" : " class=\"worse\"";
    hc_buf_appendf(out, "<td%s>%+.1f%%</td>", cls, pct);
}

/* The summary beside the baseline's: one row a figure, with the change. */
static void html_comparison(struct hc_buf *out, struct reader *rd, const struct html_run *run,
                            const struct html_run *base)
{
    hc_buf_append_str(out, "<h2>This run against the baseline</h2>\n<table class=\"compare\">"
                           "<tr><th>Figure</th><th>");
    html_escape(out, run->label);
    hc_buf_append_str(out, "</th><th>");
    html_escape(out, base->label);
    hc_buf_append_str(out, " (baseline)</th><th>Change</th></tr>\n");
    for (size_t i = 0; i < HC_ARRAY_LEN(html_figures); i++) {
        const struct html_figure *f = &html_figures[i];
        double v = 0, b = 0;
        bool hv = html_figure_value(rd, run->result, f, &v);
        bool hb = html_figure_value(rd, base->result, f, &b);
        hc_buf_appendf(out, "<tr><td>%s</td><td>", f->title);
        if (hv)
            html_value(out, f->fmt, v);
        else
            hc_buf_append_str(out, HTML_NONE);
        hc_buf_append_str(out, "</td><td>");
        if (hb)
            html_value(out, f->fmt, b);
        else
            hc_buf_append_str(out, HTML_NONE);
        hc_buf_append_str(out, "</td>");
        if (hv && hb)
            html_change(out, v, b, f->more_is_better);
        else
            hc_buf_append_str(out, "<td>" HTML_NONE "</td>");
        hc_buf_append_str(out, "</tr>\n");
    }
    hc_buf_append_str(out, "</table>\n");
}

/* A chart's place: drawn by the script, with its legend under it. */
static void html_chart(struct hc_buf *out, const char *id, const char *title, const char *what)
{
    hc_buf_appendf(out,
                   "<section class=\"chart\"><h2>%s</h2>\n"
                   "<svg class=\"chart\" id=\"%s\" data-points=\"0\" role=\"img\" "
                   "aria-label=\"%s\" xmlns=\"http://www.w3.org/2000/svg\"></svg>\n"
                   "<div class=\"legend\" id=\"%s-legend\"></div></section>\n",
                   title, id, what, id);
}

/* The table per request name (hcload run), with the baseline's p99 when there is one. */
static void html_names(struct hc_buf *out, struct reader *rd, const struct html_run *run,
                       const struct html_run *base)
{
    const json_t *by = reader_get(rd, run->result, "", "by_name", READ_OBJECT);
    if (by == NULL || json_object_size(by) == 0)
        return;
    const json_t *base_by =
        base != NULL ? reader_get(rd, base->result, "", "by_name", READ_OBJECT) : NULL;
    hc_buf_append_str(out, "<h2>Requests by name</h2>\n<table class=\"names\"><tr><th>Request</th>"
                           "<th>Responses</th><th>Rate</th><th>Errors</th><th>Non-2xx/3xx</th>"
                           "<th>Checks ok</th><th>failed</th><th>p50</th><th>p90</th><th>p99</th>"
                           "<th>max</th>");
    if (base != NULL)
        hc_buf_append_str(out, "<th>p99 baseline</th><th>Change</th>");
    hc_buf_append_str(out, "<th>Statuses</th></tr>\n");
    const char *name;
    const json_t *o;
    json_object_foreach((json_t *)by, name, o)
    {
        char where[96];
        snprintf(where, sizeof(where), "by_name.%s", name);
        if (!json_is_object(o)) {
            reader_fail(rd, "%s: expected an object", where);
            return;
        }
        hc_buf_append_str(out, "<tr><td class=\"text\">");
        html_escape(out, name);
        hc_buf_append_str(out, "</td>");
        html_cell(out, rd, o, where, "requests", FMT_COUNT);
        html_cell(out, rd, o, where, "rate.achieved", FMT_RATE);
        html_cell(out, rd, o, where, "errors.total", FMT_COUNT);
        html_cell(out, rd, o, where, "non_2xx_3xx", FMT_COUNT);
        html_cell(out, rd, o, where, "checks.passed", FMT_COUNT);
        html_cell(out, rd, o, where, "checks.failed", FMT_COUNT);
        html_cell(out, rd, o, where, "latency_us.corrected.p50", FMT_US);
        html_cell(out, rd, o, where, "latency_us.corrected.p90", FMT_US);
        html_cell(out, rd, o, where, "latency_us.corrected.p99", FMT_US);
        html_cell(out, rd, o, where, "latency_us.corrected.max", FMT_US);
        if (base != NULL) {
            const json_t *bo = base_by != NULL ? json_object_get(base_by, name) : NULL;
            double v = 0, b = 0;
            bool hv = reader_num(rd, o, where, "latency_us.corrected.p99", &v);
            bool hb = json_is_object(bo) &&
                      reader_num(rd, bo, "baseline by_name", "latency_us.corrected.p99", &b);
            hc_buf_append_str(out, "<td>");
            if (hb)
                html_us(out, b);
            else
                hc_buf_append_str(out, HTML_NONE);
            hc_buf_append_str(out, "</td>");
            if (hv && hb)
                html_change(out, v, b, false);
            else
                hc_buf_append_str(out, "<td>" HTML_NONE "</td>");
        }
        hc_buf_append_str(out, "<td class=\"text\">");
        html_statuses(out, rd, o, where);
        hc_buf_append_str(out, "</td></tr>\n");
    }
    hc_buf_append_str(out, "</table>\n");
}

/* The table per flow (hcload run). */
static void html_flows(struct hc_buf *out, struct reader *rd, const json_t *res)
{
    const json_t *flows = reader_get(rd, res, "", "flows", READ_OBJECT);
    if (flows == NULL || json_object_size(flows) == 0)
        return;
    hc_buf_append_str(out, "<h2>Flows</h2>\n<table class=\"flows\"><tr><th>Flow</th>"
                           "<th>Iterations</th><th>Failed</th><th>p50</th><th>p99</th>"
                           "<th>max</th></tr>\n");
    const char *name;
    const json_t *o;
    json_object_foreach((json_t *)flows, name, o)
    {
        char where[96];
        snprintf(where, sizeof(where), "flows.%s", name);
        if (!json_is_object(o)) {
            reader_fail(rd, "%s: expected an object", where);
            return;
        }
        hc_buf_append_str(out, "<tr><td class=\"text\">");
        html_escape(out, name);
        hc_buf_append_str(out, "</td>");
        html_cell(out, rd, o, where, "iterations", FMT_COUNT);
        html_cell(out, rd, o, where, "failed", FMT_COUNT);
        html_cell(out, rd, o, where, "duration_us.p50", FMT_US);
        html_cell(out, rd, o, where, "duration_us.p99", FMT_US);
        html_cell(out, rd, o, where, "duration_us.max", FMT_US);
        hc_buf_append_str(out, "</tr>\n");
    }
    hc_buf_append_str(out, "</table>\n");
}

/* Responses by status and failures by kind, for the whole run. */
static void html_outcomes(struct hc_buf *out, struct reader *rd, const json_t *res)
{
    hc_buf_append_str(out,
                      "<h2>Outcomes</h2>\n<table class=\"outcomes\"><tr><th>Responses by "
                      "status</th><th class=\"text\">Failed requests by kind</th></tr>\n<tr><td "
                      "class=\"text\">");
    html_statuses(out, rd, res, "");
    hc_buf_append_str(out, "</td><td class=\"text\">");
    const json_t *errors = reader_get(rd, res, "", "errors", READ_OBJECT);
    const char *key, *sep = "";
    const json_t *v;
    json_object_foreach((json_t *)errors, key, v)
    {
        if (!json_is_number(v)) {
            reader_fail(rd, "errors.%s: expected a number", key);
            return;
        }
        if (strcmp(key, "total") == 0 || json_number_value(v) == 0)
            continue;
        hc_buf_append_str(out, sep);
        html_escape(out, key);
        hc_buf_append_str(out, ": ");
        html_count(out, json_number_value(v));
        sep = ", ";
    }
    if (*sep == '\0')
        hc_buf_append_str(out, "none");
    hc_buf_append_str(out, "</td></tr>\n</table>\n");
}

/* The per-second rows the charts plot, numbers only. */
static json_t *html_data_seconds(struct reader *rd, const json_t *res)
{
    static const char *const keys[] = {"t",      "rate",   "errors", "p50_us",
                                       "p90_us", "p99_us", "max_us"};
    json_t *rows = json_array();
    const json_t *secs = reader_get(rd, res, "", "seconds", READ_ARRAY);
    size_t i;
    const json_t *row;
    json_array_foreach((json_t *)secs, i, row)
    {
        char where[48];
        snprintf(where, sizeof(where), "seconds[%zu]", i);
        if (!json_is_object(row)) {
            reader_fail(rd, "%s: expected an object", where);
            break;
        }
        double t = 0;
        if (!reader_num(rd, row, where, "t", &t))
            continue;
        json_t *o = json_object();
        for (size_t k = 0; k < HC_ARRAY_LEN(keys); k++) {
            double v = 0;
            if (reader_num(rd, row, where, keys[k], &v))
                json_object_set_new(o, keys[k], json_real(v));
        }
        json_array_append_new(rows, o);
    }
    return rows;
}

/* One spectrum as [percentile, us] pairs, checked. */
static json_t *html_data_pairs(struct reader *rd, const json_t *pairs, const char *where)
{
    json_t *a = json_array();
    size_t i;
    const json_t *p;
    json_array_foreach((json_t *)pairs, i, p)
    {
        if (!json_is_array(p) || json_array_size(p) != 2 || !json_is_number(json_array_get(p, 0)) ||
            !json_is_number(json_array_get(p, 1))) {
            reader_fail(rd, "%s[%zu]: expected [percentile, microseconds]", where, i);
            break;
        }
        double pct = json_number_value(json_array_get(p, 0));
        double us = json_number_value(json_array_get(p, 1));
        if (!(pct >= 0 && pct <= 100) || !isfinite(us)) {
            reader_fail(rd, "%s[%zu]: the percentile must be 0..100", where, i);
            break;
        }
        json_array_append_new(a, json_pack("[f, f]", pct, us));
    }
    return a;
}

/* Without a spectrum array (an older result): the eight percentiles and the max. */
static json_t *html_data_fallback(struct reader *rd, const json_t *res, const char *which)
{
    static const struct {
        const char *key;
        double pct;
    } points[] = {{"p50", 50},     {"p75", 75},       {"p90", 90},         {"p95", 95}, {"p99", 99},
                  {"p99_9", 99.9}, {"p99_99", 99.99}, {"p99_999", 99.999}, {"max", 100}};
    json_t *a = json_array();
    char where[48];
    snprintf(where, sizeof(where), "latency_us.%s", which);
    const json_t *lat = reader_get(rd, res, "", where, READ_OBJECT);
    for (size_t i = 0; lat != NULL && i < HC_ARRAY_LEN(points); i++) {
        double v = 0;
        if (reader_num(rd, lat, where, points[i].key, &v))
            json_array_append_new(a, json_pack("[f, f]", points[i].pct, v));
    }
    return a;
}

/* What the script draws for one result. */
static json_t *html_data_run(struct reader *rd, const struct html_run *run)
{
    const json_t *res = run->result;
    const char *model = reader_str(rd, res, "", "model");
    bool open = model != NULL && strcmp(model, "open") == 0;
    json_t *spec = json_object();
    const json_t *given = reader_get(rd, res, "", "spectrum", READ_OBJECT);
    static const char *const kinds[] = {"corrected", "uncorrected"};
    for (size_t k = 0; k < HC_ARRAY_LEN(kinds); k++) {
        /* In the closed model the two are one figure: plot it once. */
        if (k == 1 && !open)
            break;
        char where[48];
        snprintf(where, sizeof(where), "spectrum.%s", kinds[k]);
        const json_t *pairs = reader_get(rd, res, "", where, READ_ARRAY);
        json_object_set_new(spec, kinds[k],
                            given != NULL ? html_data_pairs(rd, pairs, where)
                                          : html_data_fallback(rd, res, kinds[k]));
    }
    json_t *o = json_object();
    json_t *label = json_string(run->label);
    /* A label that is not UTF-8 (a file name's bytes) cannot be a JSON string. */
    json_object_set_new(o, "label", label != NULL ? label : json_string("(result)"));
    json_object_set_new(o, "open", json_boolean(open));
    json_object_set_new(o, "seconds", html_data_seconds(rd, res));
    json_object_set_new(o, "spectrum", spec);
    return o;
}

/*
 * The data object as JSON inside <script type="application/json">: '<', '>' and '&' can only
 * be inside strings there, where \u003c (and so on) means the same to JSON.parse and cannot end
 * the element.
 */
static int html_data(struct hc_buf *out, struct reader *rd, const struct html_run *run,
                     const struct html_run *base)
{
    json_t *data = json_pack("{s:o, s:o}", "run", html_data_run(rd, run), "baseline",
                             base != NULL ? html_data_run(rd, base) : json_null());
    char *text = data != NULL ? json_dumps(data, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(data);
    if (text == NULL)
        return -ENOMEM;
    int rc = 0;
    for (const char *p = text; *p != '\0' && rc == 0; p++) {
        if (*p == '<')
            rc = hc_buf_append_str(out, "\\u003c");
        else if (*p == '>')
            rc = hc_buf_append_str(out, "\\u003e");
        else if (*p == '&')
            rc = hc_buf_append_str(out, "\\u0026");
        else
            rc = hc_buf_putc(out, *p);
    }
    free(text);
    return rc;
}

static bool html_is_result(struct reader *rd, const struct html_run *run, const char *what)
{
    if (!json_is_object(run->result)) {
        reader_fail(rd, "%s: not a JSON object", what);
        return false;
    }
    if (!json_is_integer(json_object_get(run->result, "schema_version"))) {
        reader_fail(rd, "%s: no schema_version: not an hcload result (hcload --json writes one)",
                    what);
        return false;
    }
    return true;
}

int html_page(const struct html_run *run, const struct html_run *baseline, struct hc_buf *out,
              char *err, size_t errlen)
{
    struct reader rd = {.err = err, .errlen = errlen};
    err[0] = '\0';
    if (!html_is_result(&rd, run, "the result") ||
        (baseline != NULL && !html_is_result(&rd, baseline, "the baseline")))
        return HC_ESYNTAX;
    const json_t *res = run->result;
    const json_t *thresholds = reader_get(&rd, res, "", "thresholds", READ_ARRAY);
    size_t failed = thresholds != NULL ? html_failed_thresholds(thresholds) : 0;
    const char *url = reader_str(&rd, res, "", "url");

    hc_buf_append_str(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                           "<meta name=\"viewport\" content=\"width=device-width, "
                           "initial-scale=1\">\n"
                           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                           "'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
                           "<meta name=\"generator\" content=\"hcload " HC_VERSION "\">\n"
                           "<title>hcload report: ");
    html_escape(out, url != NULL ? url : run->label);
    hc_buf_append_str(out, "</title>\n<style>\n");
    hc_buf_append(out, html_page_css, html_page_css_len);
    hc_buf_append_str(out, "</style>\n</head>\n<body>\n<main>\n");
    html_header(out, &rd, run, thresholds, failed);
    if (thresholds != NULL)
        html_thresholds(out, &rd, thresholds);
    if (baseline != NULL)
        html_comparison(out, &rd, run, baseline);
    else
        html_cards(out, &rd, res);
    hc_buf_append_str(out, "<pre id=\"hc-error\" hidden></pre>\n<noscript><p>The charts are "
                           "drawn by this page's script; the tables have every figure.</p>"
                           "</noscript>\n");
    html_chart(out, "chart-latency", "Latency over time",
               "corrected latency percentiles p50, p90, p99 and max per second");
    html_chart(out, "chart-spectrum", "Latency percentile spectrum",
               "latency at each percentile, on a log scale of 1/(1-percentile)");
    html_chart(out, "chart-rate", "Rate and errors over time",
               "responses per second and failed requests per second");
    html_names(out, &rd, run, baseline);
    html_flows(out, &rd, res);
    html_outcomes(out, &rd, res);
    hc_buf_append_str(out, "<footer>Written by hcload " HC_VERSION " from ");
    html_escape(out, run->label);
    if (baseline != NULL) {
        hc_buf_append_str(out, " with the baseline ");
        html_escape(out, baseline->label);
    }
    hc_buf_append_str(out, "; latencies are corrected for coordinated omission in the open "
                           "model. The page loads nothing from the network.</footer>\n"
                           "<script type=\"application/json\" id=\"hc-data\">");
    int rc = html_data(out, &rd, run, baseline);
    hc_buf_append_str(out, "</script>\n<script>\n");
    hc_buf_append(out, html_page_js, html_page_js_len);
    rc = rc != 0 ? rc : hc_buf_append_str(out, "</script>\n</main>\n</body>\n</html>\n");
    if (rd.bad)
        return HC_ESYNTAX;
    if (rc != 0)
        snprintf(err, errlen, "the page is larger than its bound");
    return rc;
}

int html_load(const char *path, json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int rc = -errno;
        snprintf(err, errlen, "%s", hc_strerror(rc));
        return rc;
    }
    struct hc_buf b;
    hc_buf_init(&b, HC_HCLOAD_MAX_RESULT_BYTES);
    int rc = hc_buf_read_fd(&b, fd);
    close(fd);
    if (rc != 0) {
        snprintf(err, errlen, "%s",
                 rc == HC_ETOOLARGE ? "larger than a result can be (256 MiB)" : hc_strerror(rc));
        hc_buf_destroy(&b);
        return rc;
    }
    rc = html_parse(b.data != NULL ? b.data : "", b.len, out, err, errlen);
    hc_buf_destroy(&b);
    return rc;
}

int html_parse(const char *text, size_t len, json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "%d:%d: not valid JSON: %s", jerr.line, jerr.column, jerr.text);
        return HC_ESYNTAX;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        snprintf(err, errlen, "not an hcload result (the JSON is not an object)");
        return HC_ESYNTAX;
    }
    *out = root;
    return 0;
}

/* Writes b to path ("-": standard output). 0 or a negative errno. */
static int html_write_file(const char *path, const struct hc_buf *b)
{
    if (strcmp(path, "-") == 0) {
        fwrite(b->data, 1, b->len, stdout);
        return fflush(stdout) == 0 ? 0 : -EIO;
    }
    FILE *f = fopen(path, "we");
    if (f == NULL)
        return -errno;
    size_t n = fwrite(b->data, 1, b->len, f);
    int rc = n == b->len ? 0 : -EIO;
    if (fclose(f) != 0 && rc == 0)
        rc = -EIO;
    return rc;
}

int html_write_result(const struct report *r, const json_t *baseline, const char *base_label,
                      const char *path, char *err, size_t errlen)
{
    json_t *tree = report_json_tree(r);
    struct html_run run = {.result = tree, .label = "this run"};
    const char *slash = base_label != NULL ? strrchr(base_label, '/') : NULL;
    struct html_run base = {.result = baseline,
                            .label = slash != NULL && slash[1] != '\0' ? slash + 1
                                     : base_label != NULL              ? base_label
                                                                       : "baseline"};
    struct hc_buf page;
    hc_buf_init(&page, 0);
    int rc = html_page(&run, baseline != NULL ? &base : NULL, &page, err, errlen);
    json_decref(tree);
    if (rc == 0) {
        rc = html_write_file(path, &page);
        if (rc != 0)
            snprintf(err, errlen, "%s", hc_strerror(rc));
    }
    hc_buf_destroy(&page);
    return rc;
}

/* The file name of a path, as the page labels a result. */
static const char *html_label(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

int html_report_main(const struct hc_opt_program *prog, const struct options *o)
{
    if (prog->nrest != 2) {
        hc_opt_usage_exit(prog, "%s",
                          prog->nrest < 2 ? "hcload report needs a result file"
                                          : "hcload report takes one result file");
    }
    if (o->given != 0 || o->header.len > 0 || o->method != NULL || o->body != NULL ||
        o->body_file != NULL || o->json != NULL || o->hlog != NULL || o->html != NULL || o->http2 ||
        o->insecure || o->latency) {
        hc_opt_usage_exit(prog, "hcload report takes -o FILE.html and --baseline OTHER.json; "
                                "the other flags are for a run");
    }
    const char *path = prog->rest[1];
    json_t *run = NULL, *base = NULL;
    char err[512];
    int status = 2;
    if (html_load(path, &run, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: report: %s: %s\n", prog->name, path, err);
        goto out;
    }
    if (o->baseline != NULL && html_load(o->baseline, &base, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: report: --baseline %s: %s\n", prog->name, o->baseline, err);
        goto out;
    }
    struct html_run r = {.result = run, .label = html_label(path)};
    struct html_run b = {.result = base, .label = o->baseline ? html_label(o->baseline) : NULL};
    struct hc_buf page;
    hc_buf_init(&page, 0);
    int rc = html_page(&r, base != NULL ? &b : NULL, &page, err, sizeof(err));
    if (rc == HC_ESYNTAX) {
        fprintf(stderr, "%s: report: %s: %s\n", prog->name, path, err);
    } else if (rc != 0) {
        fprintf(stderr, "%s: report: %s\n", prog->name, err);
        status = 1;
    } else {
        const char *dest = o->output != NULL ? o->output : "-";
        rc = html_write_file(dest, &page);
        status = rc == 0 ? 0 : 1;
        if (rc != 0)
            fprintf(stderr, "%s: report: -o %s: %s\n", prog->name, dest, hc_strerror(rc));
    }
    hc_buf_destroy(&page);
out:
    json_decref(run);
    json_decref(base);
    return status;
}
