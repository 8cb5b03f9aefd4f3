/*
 * report.c: batch mode's JSON and text lines.
 *
 * Every key is always present, null when the figure is missing, so a script can read the
 * same fields from every line of every target kind.
 */
#include "report.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hc/core.h"
#include "panel.h"

void report_time(int64_t wall_ns, char *dst, size_t dstlen)
{
    time_t secs = (time_t)(wall_ns / HC_NSEC_PER_SEC);
    int ms = (int)(wall_ns % HC_NSEC_PER_SEC / HC_NSEC_PER_MSEC);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(dst, dstlen, "%s.%03dZ", base, ms);
}

static json_t *report_num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static const char *report_level(enum alert_level l)
{
    return l == ALERT_CRIT ? "crit" : l == ALERT_WARN ? "warn" : "ok";
}

/* Per route: requests, rate, errors and quantiles, from the Routes panel's table. */
static json_t *report_routes(const struct model_target *t)
{
    json_t *routes = json_object();
    struct panel_table tab;
    panel_table_init(&tab, PANEL_ROUTES);
    panel_build(&tab, t->target->name, t->target->kind, t->prev_index, t->cur, t->dt_s);
    for (size_t i = 0; i < tab.nrows; i++) {
        const struct panel_cell *c = tab.rows[i].cells;
        json_t *r = json_object();
        json_object_set_new(r, "rate", report_num(c[2].num));
        json_object_set_new(r, "requests", report_num(c[3].num));
        json_object_set_new(r, "error_rate", report_num(c[4].num));
        json_object_set_new(r, "error_ratio", report_num(c[5].num));
        json_object_set_new(r, "p50", report_num(c[6].num));
        json_object_set_new(r, "p99", report_num(c[7].num));
        json_object_set_new(r, "p999", report_num(c[8].num));
        json_object_set_new(routes, c[1].text, r);
    }
    panel_table_destroy(&tab);
    return routes;
}

/* Redis and MySQL: the figures of their panel, by label (numbers, or text such as the role). */
static json_t *report_figures(const struct model_target *t)
{
    json_t *figs = json_object();
    struct panel_table tab;
    panel_table_init(&tab, t->target->kind == TARGET_REDIS ? PANEL_REDIS : PANEL_MYSQL);
    panel_build(&tab, t->target->name, t->target->kind, t->prev_index, t->cur, t->dt_s);
    for (size_t i = 0; i < tab.nrows; i++) {
        const struct panel_cell *c = tab.rows[i].cells;
        json_t *v = isnan(c[2].num) && strcmp(c[2].text, "-") != 0 ? json_string(c[2].text)
                                                                   : report_num(c[2].num);
        json_object_set_new(figs, c[1].text, v != NULL ? v : json_null());
    }
    panel_table_destroy(&tab);
    return figs;
}

int report_json_line(const struct model_target *t, struct hc_buf *out)
{
    json_t *o = json_object();
    char when[40];
    report_time(t->wall_ns, when, sizeof(when));
    json_object_set_new(o, "time", json_string(when));
    json_object_set_new(o, "target", json_string(t->target->name));
    json_object_set_new(o, "url", json_string(t->target->url));
    json_object_set_new(o, "kind", json_string(target_kind_name(t->target->kind)));
    json_object_set_new(o, "sample", json_integer((json_int_t)t->samples));
    json_object_set_new(o, "up", json_boolean(t->up));
    if (!t->up) {
        json_object_set_new(o, "reason", json_string(t->reason));
        json_object_set_new(o, "scrape_seconds", report_num(t->scrape_s));
    } else {
        json_object_set_new(o, "interval_s", t->dt_s > 0 ? json_real(t->dt_s) : json_null());
        json_object_set_new(o, "families", json_integer((json_int_t)t->cur->nfamilies));
        json_object_set_new(o, "series", json_integer((json_int_t)t->cur->nsamples));
        for (int f = SUMMARY_SCRAPE_SECONDS; f < SUMMARY_COUNT; f++)
            json_object_set_new(o, summary_field_name(f), report_num(t->summary.v[f]));
    }
    if (t->up && t->target->kind == TARGET_HTTP)
        json_object_set_new(o, "routes", report_routes(t));
    else if (t->up)
        json_object_set_new(o, "figures", report_figures(t));
    json_object_set_new(o, "level", json_string(report_level(t->level)));
    json_t *alerts = json_array();
    if (t->alert[0] != '\0') {
        const char *p = t->alert;
        while (*p != '\0') {
            const char *sep = strstr(p, "; ");
            size_t n = sep != NULL ? (size_t)(sep - p) : strlen(p);
            json_array_append_new(alerts, json_stringn(p, n));
            p += n;
            if (sep != NULL)
                p += 2;
        }
    }
    json_object_set_new(o, "alerts", alerts);
    if (!t->up)
        json_object_set_new(o, "retry_in_s", json_real((double)t->retry_ns / 1e9));
    char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(o);
    int rc = hc_buf_append_str(out, s);
    if (rc == 0)
        rc = hc_buf_putc(out, '\n');
    free(s);
    return rc;
}

/* The figures a person reads first, per target kind. */
static const enum summary_field report_http[] = {
    SUMMARY_RATE,        SUMMARY_ERROR_RATIO,   SUMMARY_P50,        SUMMARY_P99,
    SUMMARY_P999,        SUMMARY_HIT_RATIO,     SUMMARY_POOL_QUEUE, SUMMARY_QUEUE_DEPTH,
    SUMMARY_SHARDS_DOWN, SUMMARY_BREAKERS_OPEN, SUMMARY_COUNT};
static const enum summary_field report_store[] = {
    SUMMARY_OPS, SUMMARY_HIT_RATIO, SUMMARY_MEMORY, SUMMARY_CLIENTS,
    SUMMARY_LAG, SUMMARY_ROW_OPS,   SUMMARY_COUNT};

int report_text_line(const struct model_target *t, struct hc_buf *out)
{
    char when[40];
    report_time(t->wall_ns, when, sizeof(when));
    int rc = hc_buf_appendf(out, "%s %s", when, t->target->name);
    if (rc == 0 && !t->up)
        rc = hc_buf_appendf(out, " DOWN: %s", t->reason);
    const enum summary_field *fields = t->target->kind == TARGET_HTTP ? report_http : report_store;
    for (size_t i = 0; rc == 0 && t->up && fields[i] != SUMMARY_COUNT; i++) {
        double v = t->summary.v[fields[i]];
        if (isnan(v))
            continue;
        char tmp[48];
        summary_format(fields[i], v, tmp, sizeof(tmp));
        rc = hc_buf_appendf(out, " %s=%s", summary_field_name(fields[i]), tmp);
    }
    if (rc == 0 && t->alert[0] != '\0')
        rc = hc_buf_appendf(out, " ALERT(%s): %s", report_level(t->level), t->alert);
    if (rc == 0)
        rc = hc_buf_putc(out, '\n');
    return rc;
}
