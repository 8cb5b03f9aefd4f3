/*
 * junit.c: the run's verdicts as JUnit XML (see junit.h).
 *
 * Why these names: CI reporters group by classname and show the testcase name, so a
 * threshold's testcase is named by the threshold as written (what a reader searches the plan
 * for) under "hcload.thresholds", and a check's by its request and label under
 * "hcload.checks.<request>". The observed value goes into the failure's message attribute,
 * which every reporter shows on one line, and again with the limit in its text.
 *
 * XML 1.0 cannot carry most control characters even escaped, so they become '?'; the rest of
 * the text is escaped as attribute text (& < > " ').
 */
#include "junit.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hc/check.h"
#include "hc/threshold.h"

/* Appends s escaped for an attribute value or element text. */
static void junit_escape(struct hc_buf *out, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':
            hc_buf_append_str(out, "&amp;");
            break;
        case '<':
            hc_buf_append_str(out, "&lt;");
            break;
        case '>':
            hc_buf_append_str(out, "&gt;");
            break;
        case '"':
            hc_buf_append_str(out, "&quot;");
            break;
        case '\'':
            hc_buf_append_str(out, "&apos;");
            break;
        default:
            hc_buf_putc(out, c < 0x20 && c != '\t' && c != '\n' ? '?' : (char)c);
            break;
        }
    }
}

static void junit_suite_open(struct hc_buf *out, const char *name, size_t tests, size_t failures,
                             double sec, const char *stamp, const char *host)
{
    hc_buf_appendf(out,
                   "  <testsuite name=\"%s\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
                   "skipped=\"0\" time=\"%.3f\" timestamp=\"%s\" hostname=\"",
                   name, tests, failures, sec, stamp);
    junit_escape(out, host);
    hc_buf_appendf(out, "\">\n");
}

/* "observed p(95) 20.3ms", as the text summary writes the figure. */
static void junit_observed(const struct gate_verdict *v, char *dst, size_t len)
{
    char obs[128];
    gate_observed_text(v, obs, sizeof(obs));
    snprintf(dst, len, "observed %s", obs);
}

static void junit_thresholds(const struct report *r, struct hc_buf *out, double sec,
                             const char *stamp, const char *host)
{
    const struct gate_verdict *v;
    size_t n = gate_verdicts(r->gate, &v);
    size_t failed = 0;
    for (size_t i = 0; i < n; i++)
        failed += !v[i].passed;
    junit_suite_open(out, "hcload thresholds", n, failed, sec, stamp, host);
    for (size_t i = 0; i < n; i++) {
        hc_buf_appendf(out, "    <testcase name=\"");
        junit_escape(out, v[i].t->text);
        hc_buf_appendf(out, "\" classname=\"hcload.thresholds\" time=\"%.3f\"", sec);
        if (v[i].passed) {
            hc_buf_appendf(out, "/>\n");
            continue;
        }
        char obs[160];
        junit_observed(&v[i], obs, sizeof(obs));
        hc_buf_appendf(out, ">\n      <failure type=\"threshold\" message=\"");
        junit_escape(out, obs);
        hc_buf_appendf(out, "\">");
        junit_escape(out, v[i].t->text);
        hc_buf_appendf(out, " failed: ");
        junit_escape(out, obs);
        if (v[i].aborted)
            hc_buf_appendf(out, "; it stopped the run at %.1fs (abortOnFail)", v[i].abort_sec);
        hc_buf_appendf(out, "</failure>\n    </testcase>\n");
    }
    hc_buf_appendf(out, "  </testsuite>\n");
}

/* The checks' suite; adds its testcases and failures to *ntests and *nfailed. */
static void junit_checks(const struct report *r, struct hc_buf *out, double sec, const char *stamp,
                         const char *host, size_t *ntests, size_t *nfailed)
{
    const struct hc_plan *p = r->cfg->plan;
    const struct hc_runner_name *names;
    size_t nn = hc_runner_names(r->run, &names);
    size_t tests = 0, failed = 0;
    for (size_t k = 0; k < nn; k++) {
        const struct hc_check_set *cs = p->requests[k].checks;
        size_t items = hc_check_count(cs) + hc_check_extract_count(cs);
        tests += items;
        for (size_t i = 0; i < items; i++)
            failed += names[k].item_failed[i] > 0;
    }
    if (tests == 0)
        return;
    *ntests += tests;
    *nfailed += failed;
    junit_suite_open(out, "hcload checks", tests, failed, sec, stamp, host);
    for (size_t k = 0; k < nn; k++) {
        const struct hc_check_set *cs = p->requests[k].checks;
        size_t items = hc_check_count(cs) + hc_check_extract_count(cs);
        for (size_t i = 0; i < items; i++) {
            hc_buf_appendf(out, "    <testcase name=\"");
            junit_escape(out, names[k].name);
            hc_buf_appendf(out, ": ");
            junit_escape(out, hc_check_label(cs, i));
            hc_buf_appendf(out, "\" classname=\"hcload.checks.");
            junit_escape(out, names[k].name);
            hc_buf_appendf(out, "\" time=\"%.3f\"", sec);
            uint64_t bad = names[k].item_failed[i];
            if (bad == 0) {
                hc_buf_appendf(out, "/>\n");
                continue;
            }
            uint64_t seen = names[k].checked;
            hc_buf_appendf(out,
                           ">\n      <failure type=\"check\" message=\"failed on %llu of %llu "
                           "responses (%.2f%%)\">",
                           (unsigned long long)bad, (unsigned long long)seen,
                           seen > 0 ? 100.0 * (double)bad / (double)seen : 0.0);
            hc_buf_appendf(out, "failed on %llu of %llu responses</failure>\n    </testcase>\n",
                           (unsigned long long)bad, (unsigned long long)seen);
        }
    }
    hc_buf_appendf(out, "  </testsuite>\n");
}

int junit_render(const struct report *r, struct hc_buf *out)
{
    double sec = (double)r->elapsed_ns / HC_NSEC_PER_SEC;
    char stamp[64], host[256] = "localhost";
    time_t t = (time_t)r->start_sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    if (gethostname(host, sizeof(host) - 1) != 0)
        snprintf(host, sizeof(host), "localhost");
    host[sizeof(host) - 1] = '\0';
    size_t tests = 0, failures = 0;
    if (r->gate != NULL) {
        const struct gate_verdict *v;
        size_t n = gate_verdicts(r->gate, &v);
        tests += n;
        for (size_t i = 0; i < n; i++)
            failures += !v[i].passed;
    }
    struct hc_buf suites;
    hc_buf_init(&suites, 0);
    if (r->gate != NULL)
        junit_thresholds(r, &suites, sec, stamp, host);
    if (r->run != NULL)
        junit_checks(r, &suites, sec, stamp, host, &tests, &failures);
    hc_buf_appendf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    hc_buf_appendf(out,
                   "<testsuites name=\"hcload\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
                   "time=\"%.3f\">\n",
                   tests, failures, sec);
    if (suites.len > 0)
        hc_buf_append(out, suites.data, suites.len);
    hc_buf_destroy(&suites);
    return hc_buf_appendf(out, "</testsuites>\n");
}

int junit_write(const char *path, const struct report *r, char *err, size_t errlen)
{
    struct hc_buf doc;
    hc_buf_init(&doc, 0);
    int rc = junit_render(r, &doc);
    if (rc != 0) {
        hc_errf(err, errlen, "%s", hc_strerror(rc));
        hc_buf_destroy(&doc);
        return rc;
    }
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "we");
    if (f == NULL) {
        rc = -errno;
        hc_errf(err, errlen, "%s", strerror(errno));
        hc_buf_destroy(&doc);
        return rc;
    }
    size_t n = fwrite(doc.data, 1, doc.len, f);
    rc = n == doc.len ? 0 : -EIO;
    if (f != stdout) {
        if (fclose(f) != 0 && rc == 0)
            rc = -EIO;
    } else if (fflush(f) != 0 && rc == 0) {
        rc = -EIO;
    }
    if (rc != 0)
        hc_errf(err, errlen, "%s", hc_strerror(rc));
    hc_buf_destroy(&doc);
    return rc;
}
