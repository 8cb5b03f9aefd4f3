/*
 * report.c: progress, summary and JSON of a preload. Everything goes to stderr except the
 * summary (stdout) and the JSON document, so a script can pipe `--json -` and still see why
 * a run failed.
 */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc/limits.h"
#include "hc/units.h"

void report_init(struct report *r, const char *command, const char *target, const char *source,
                 bool progress, bool quiet, const char *json)
{
    memset(r, 0, sizeof(*r));
    r->command = command;
    r->target = target;
    r->source = source;
    r->progress = progress;
    r->quiet = quiet;
    r->json = json;
    r->start_ns = hc_now_ns();
}

static void report_clear_line(struct report *r)
{
    if (r->line_drawn) {
        fputs("\r\033[K", stderr);
        r->line_drawn = false;
    }
}

static void report_vprint(struct report *r, const char *fmt, va_list ap)
{
    report_clear_line(r);
    fputs("hcwarm: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void report_error(struct report *r, const char *fmt, ...)
{
    if (r->shown >= HC_HCWARM_MAX_ERRORS_SHOWN) {
        r->hidden++;
        return;
    }
    r->shown++;
    va_list ap;
    va_start(ap, fmt);
    report_vprint(r, fmt, ap);
    va_end(ap);
}

void report_note(struct report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_vprint(r, fmt, ap);
    va_end(ap);
}

static double report_rate(uint64_t n, int64_t ns)
{
    return ns > 0 ? (double)n * (double)HC_NSEC_PER_SEC / (double)ns : 0;
}

void report_progress(struct report *r, const struct tally *t, double fraction, uint64_t total_est,
                     int64_t now_ns)
{
    if (!r->progress)
        return;
    int64_t el = now_ns - r->start_ns;
    uint64_t done = t->warmed + t->present + t->failed;
    char dn[HC_UNITS_FMT_MAX], rate[HC_UNITS_FMT_MAX], eta[HC_UNITS_FMT_MAX] = "?";
    hc_units_format_count(done, dn, sizeof(dn));
    hc_units_format_rate(report_rate(done, el), rate, sizeof(rate));
    char total[64] = "";
    if (fraction > 0.001 && fraction <= 1) {
        double left = (double)el * (1 - fraction) / fraction;
        hc_units_format_duration((int64_t)left, eta, sizeof(eta));
    }
    if (total_est > 0 && fraction > 0.001 && fraction <= 1) {
        char tn[HC_UNITS_FMT_MAX];
        hc_units_format_count(total_est, tn, sizeof(tn));
        snprintf(total, sizeof(total), " / ~%s (%.0f%%)", tn, fraction * 100);
    }
    fprintf(stderr, "\r\033[K%s keys%s  %s keys/s  ETA %s  failed %llu", dn, total, rate, eta,
            (unsigned long long)t->failed);
    fflush(stderr);
    r->line_drawn = true;
}

int report_json(const struct report *r, const struct tally *t, const char *stopped,
                int64_t duration_ns, struct hc_buf *out)
{
    json_t *root = json_object();
    json_object_set_new(root, "version", json_string(HC_VERSION));
    json_object_set_new(root, "command", json_string(r->command));
    json_object_set_new(root, "target", json_string(r->target));
    json_object_set_new(root, "source", json_string(r->source));
    json_object_set_new(root, "requested", json_integer((json_int_t)t->requested));
    json_object_set_new(root, "warmed", json_integer((json_int_t)t->warmed));
    json_object_set_new(root, "already_present", json_integer((json_int_t)t->present));
    json_object_set_new(root, "skipped", json_integer((json_int_t)t->skipped));
    json_object_set_new(root, "failed", json_integer((json_int_t)t->failed));
    json_object_set_new(root, "malformed", json_integer((json_int_t)t->malformed));
    json_object_set_new(root, "resumed_past", json_integer((json_int_t)t->resumed));
    json_object_set_new(
        root, "not_sent",
        json_integer((json_int_t)(t->requested - t->warmed - t->present - t->skipped - t->failed)));
    json_object_set_new(root, "duration_s", json_real((double)duration_ns / HC_NSEC_PER_SEC));
    json_object_set_new(root, "keys_per_s",
                        json_real(report_rate(t->warmed + t->present, duration_ns)));
    json_object_set_new(root, "complete", json_boolean(stopped == NULL));
    json_object_set_new(root, "stopped", stopped ? json_string(stopped) : json_null());
    json_object_set_new(root, "ok", json_boolean(stopped == NULL && t->failed == 0));
    char *s = json_dumps(root, JSON_INDENT(2));
    json_decref(root);
    int rc = hc_buf_append_str(out, s);
    if (rc == 0)
        rc = hc_buf_putc(out, '\n');
    free(s);
    return rc;
}

static void report_row(FILE *f, const char *name, uint64_t n, const char *note)
{
    fprintf(f, "  %-16s %llu%s%s\n", name, (unsigned long long)n, note ? "  " : "",
            note ? note : "");
}

int report_finish(struct report *r, const struct tally *t, const char *stopped, int64_t now_ns)
{
    report_clear_line(r);
    int64_t dur = now_ns - r->start_ns;
    bool json_stdout = r->json != NULL && strcmp(r->json, "-") == 0;
    if (r->hidden > 0)
        fprintf(stderr, "hcwarm: %llu more errors not shown\n", (unsigned long long)r->hidden);
    if (!r->quiet) {
        FILE *f = json_stdout ? stderr : stdout;
        char d[HC_UNITS_FMT_MAX], rate[HC_UNITS_FMT_MAX];
        hc_units_format_duration(dur, d, sizeof(d));
        hc_units_format_rate(report_rate(t->warmed + t->present, dur), rate, sizeof(rate));
        char note[160];
        fprintf(f, "hcwarm %s: %s from %s%s\n", r->command, r->target, r->source,
                stopped ? " (stopped early)" : "");
        report_row(f, "requested", t->requested, NULL);
        report_row(f, "warmed", t->warmed, "acknowledged by the target");
        report_row(f, "already present", t->present, NULL);
        snprintf(note, sizeof(note), "%llu behind the checkpoint", (unsigned long long)t->resumed);
        report_row(f, "skipped", t->skipped, t->resumed ? note : NULL);
        snprintf(note, sizeof(note), "%llu malformed%s", (unsigned long long)t->malformed,
                 t->earlier_malformed ? ", some behind the checkpoint" : "");
        report_row(f, "failed", t->failed, t->malformed ? note : NULL);
        uint64_t unsent = t->requested - t->warmed - t->present - t->skipped - t->failed;
        if (unsent > 0)
            report_row(f, "not sent", unsent, NULL);
        fprintf(f, "  %-16s %s\n", "duration", d);
        fprintf(f, "  %-16s %s keys/s\n", "rate", rate);
        if (stopped)
            fprintf(f, "  %-16s %s\n", "stopped", stopped);
        fflush(f);
    }
    if (r->json == NULL)
        return 0;
    struct hc_buf b;
    hc_buf_init(&b, 1024 * 1024);
    int rc = report_json(r, t, stopped, dur, &b);
    if (rc == 0) {
        if (json_stdout) {
            fwrite(b.data, 1, b.len, stdout);
            fflush(stdout);
        } else {
            FILE *f = fopen(r->json, "w");
            if (f == NULL) {
                rc = -errno;
            } else {
                fwrite(b.data, 1, b.len, f);
                if (fclose(f) != 0)
                    rc = -errno;
            }
            if (rc != 0)
                fprintf(stderr, "hcwarm: --json %s: %s\n", r->json, hc_strerror(rc));
        }
    }
    hc_buf_destroy(&b);
    return rc;
}
