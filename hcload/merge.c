/*
 * merge.c: adding the agents' results (what adds how is in merge.h).
 *
 * The first result is copied and every later one added into the copy, field by field, so the
 * merged result keeps the schema and any field this file does not know (the options, the
 * URL) is the first agent's.
 */
#include "merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"
#include "hc/hist.h"
#include "compare.h"
#include "report.h"

/* Adds src's integer key into dst's (a missing one counts 0). */
static void merge_int(json_t *dst, json_t *src, const char *key)
{
    json_t *a = json_object_get(dst, key), *b = json_object_get(src, key);
    if (!json_is_integer(b))
        return;
    json_int_t sum = (json_is_integer(a) ? json_integer_value(a) : 0) + json_integer_value(b);
    json_object_set_new(dst, key, json_integer(sum));
}

/* Adds every integer member of the object src.key into dst.key (errors, responses, checks). */
static void merge_counts(json_t *dst, json_t *src, const char *key)
{
    json_t *s = json_object_get(src, key);
    if (!json_is_object(s))
        return;
    json_t *d = json_object_get(dst, key);
    if (!json_is_object(d)) {
        d = json_object();
        json_object_set_new(dst, key, d);
    }
    const char *k;
    json_t *v;
    json_object_foreach(s, k, v)
    {
        HC_UNUSED(v);
        merge_int(d, s, k);
    }
}

static double merge_num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : 0;
}

/* Replaces dst.key (a latency object) with the one of the added histograms of dst and src. */
static int merge_latency(json_t *dst, json_t *src, const char *key, const char *where, char *err,
                         size_t errlen)
{
    json_t *a = json_object_get(json_object_get(dst, key), "hdr");
    json_t *b = json_object_get(json_object_get(src, key), "hdr");
    if (json_object_get(dst, key) == NULL && json_object_get(src, key) == NULL)
        return 0;
    if (!json_is_string(a) || !json_is_string(b)) {
        hc_errf(err, errlen, "%s: %s has no histogram (\"hdr\"): a result of an older hcload?",
                where, key);
        return -1;
    }
    struct hc_hist *ha = NULL, *hb = NULL;
    int rc = -1;
    if (hc_hist_decode(json_string_value(a), json_string_length(a), &ha) != 0 ||
        hc_hist_decode(json_string_value(b), json_string_length(b), &hb) != 0) {
        hc_errf(err, errlen, "%s: %s: the histogram is not valid", where, key);
        goto out;
    }
    if (!hc_hist_same_layout(ha, hb)) {
        hc_errf(err, errlen, "%s: %s: the histograms have different layouts", where, key);
        goto out;
    }
    hc_hist_add(ha, hb);
    json_object_set_new(dst, key, report_json_latency(ha));
    rc = 0;
out:
    hc_hist_free(ha);
    hc_hist_free(hb);
    return rc;
}

/* Both latency objects of the scope's latency_us (corrected, uncorrected). */
static int merge_latencies(json_t *dst, json_t *src, const char *where, char *err, size_t errlen)
{
    json_t *d = json_object_get(dst, "latency_us"), *s = json_object_get(src, "latency_us");
    if (!json_is_object(d) || !json_is_object(s)) {
        hc_errf(err, errlen, "%s: no latency_us", where);
        return -1;
    }
    if (merge_latency(d, s, "corrected", where, err, errlen) != 0)
        return -1;
    return merge_latency(d, s, "uncorrected", where, err, errlen);
}

/* The figures a scope (the root or a by_name entry) adds. */
static int merge_scope(json_t *dst, json_t *src, const char *where, char *err, size_t errlen)
{
    static const char *const ints[] = {"requests", "sent",       "queued",        "unsent",
                                       "connects", "bytes_read", "bytes_written", "non_2xx_3xx"};
    for (size_t i = 0; i < HC_ARRAY_LEN(ints); i++)
        merge_int(dst, src, ints[i]);
    merge_counts(dst, src, "errors");
    merge_counts(dst, src, "responses");
    merge_counts(dst, src, "checks");
    return merge_latencies(dst, src, where, err, errlen);
}

/* The time series: row k of each added. */
static void merge_seconds(json_t *dst, json_t *src)
{
    json_t *d = json_object_get(dst, "seconds"), *s = json_object_get(src, "seconds");
    if (!json_is_array(d) || !json_is_array(s))
        return;
    for (size_t k = 0; k < json_array_size(s); k++) {
        json_t *row = json_array_get(s, k);
        if (k >= json_array_size(d)) {
            json_array_append(d, row);
            continue;
        }
        json_t *out = json_array_get(d, k);
        json_object_set_new(out, "rate",
                            json_real(merge_num(out, "rate") + merge_num(row, "rate")));
        merge_int(out, row, "errors");
        static const char *const highest[] = {"p50_us", "p90_us", "p99_us", "max_us"};
        for (size_t i = 0; i < HC_ARRAY_LEN(highest); i++)
            if (merge_num(row, highest[i]) > merge_num(out, highest[i]))
                json_object_set(out, highest[i], json_object_get(row, highest[i]));
    }
}

/* The root's spectrum, from the added histograms (when the results carry one). */
static void merge_spectrum(json_t *m)
{
    json_t *sp = json_object_get(m, "spectrum");
    if (!json_is_object(sp))
        return;
    static const char *const kinds[] = {"corrected", "uncorrected"};
    for (size_t k = 0; k < HC_ARRAY_LEN(kinds); k++) {
        json_t *hdr =
            json_object_get(json_object_get(json_object_get(m, "latency_us"), kinds[k]), "hdr");
        struct hc_hist *h = NULL;
        if (json_is_string(hdr) &&
            hc_hist_decode(json_string_value(hdr), json_string_length(hdr), &h) == 0) {
            json_object_set_new(sp, kinds[k], report_json_spectrum(h));
            hc_hist_free(h);
        }
    }
}

/* achieved = requests / the longest duration, in scope o. */
static void merge_rate(json_t *o, double sec)
{
    json_t *rate = json_object_get(o, "rate");
    if (json_is_object(rate))
        json_object_set_new(rate, "achieved",
                            json_real(sec > 0 ? merge_num(o, "requests") / sec : 0.0));
}

static int merge_add(json_t *dst, json_t *src, size_t index, char *err, size_t errlen)
{
    char where[96];
    snprintf(where, sizeof(where), "result %zu", index + 1);
    if (merge_scope(dst, src, where, err, errlen) != 0)
        return -1;
    merge_int(dst, src, "threads");
    merge_int(dst, src, "connections");
    if (merge_num(src, "duration_s") > merge_num(dst, "duration_s"))
        json_object_set(dst, "duration_s", json_object_get(src, "duration_s"));
    json_t *dr = json_object_get(dst, "rate"), *sr = json_object_get(src, "rate");
    if (json_is_number(json_object_get(dr, "requested")))
        json_object_set_new(dr, "requested",
                            json_real(merge_num(dr, "requested") + merge_num(sr, "requested")));
    if (json_is_true(json_object_get(src, "interrupted")))
        json_object_set(dst, "interrupted", json_true());
    json_t *db = json_object_get(dst, "by_name"), *sb = json_object_get(src, "by_name");
    const char *key;
    json_t *v;
    if (json_is_object(sb) && json_is_object(db))
        json_object_foreach(sb, key, v)
        {
            json_t *d = json_object_get(db, key);
            snprintf(where, sizeof(where), "result %zu, name %.30s", index + 1, key);
            if (d == NULL)
                json_object_set_new(db, key, json_deep_copy(v));
            else if (merge_scope(d, v, where, err, errlen) != 0)
                return -1;
        }
    json_t *df = json_object_get(dst, "flows"), *sf = json_object_get(src, "flows");
    if (json_is_object(sf) && json_is_object(df))
        json_object_foreach(sf, key, v)
        {
            json_t *d = json_object_get(df, key);
            if (d == NULL) {
                json_object_set_new(df, key, json_deep_copy(v));
                continue;
            }
            merge_int(d, v, "iterations");
            merge_int(d, v, "failed");
            snprintf(where, sizeof(where), "result %zu, flow %.30s", index + 1, key);
            if (merge_latency(d, v, "duration_us", where, err, errlen) != 0)
                return -1;
        }
    merge_seconds(dst, src);
    return 0;
}

int merge_results(json_t *const *in, size_t n, json_t **out, char *err, size_t errlen)
{
    json_t *m = json_deep_copy(in[0]);
    /* Re-derive the first result's latency objects too, so every one has the same keys. */
    for (size_t i = 1; i < n; i++)
        if (merge_add(m, in[i], i, err, errlen) != 0) {
            json_decref(m);
            return -1;
        }
    double sec = merge_num(m, "duration_s");
    merge_rate(m, sec);
    json_t *by = json_object_get(m, "by_name");
    const char *key;
    json_t *v;
    if (json_is_object(by))
        json_object_foreach(by, key, v) merge_rate(v, sec);
    merge_spectrum(m);
    /* Each agent judged its thresholds on its own share; the whole run was not judged. */
    if (json_object_get(m, "thresholds") != NULL)
        json_object_set_new(m, "thresholds", json_array());
    json_object_set_new(m, "agents", json_integer((json_int_t)n));
    *out = m;
    return 0;
}

int merge_main(const struct hc_opt_program *prog, const struct options *o)
{
    if (prog->nrest < 2) {
        fprintf(stderr,
                "%s: merge needs the agents' results: hcload merge a.json b.json ... -o "
                "total.json\n",
                prog->name);
        return 2;
    }
    if (o->output == NULL) {
        fprintf(stderr, "%s: merge writes its result to -o FILE ('-': standard output)\n",
                prog->name);
        return 2;
    }
    size_t n = (size_t)prog->nrest - 1;
    json_t **in = hc_xcalloc(n, sizeof(*in));
    json_t *m = NULL;
    char err[512];
    int status = 1;
    for (size_t i = 0; i < n; i++)
        if (compare_load(prog->rest[1 + i], &in[i], err, sizeof(err)) != 0) {
            fprintf(stderr, "%s: %s\n", prog->name, err);
            goto out;
        }
    if (merge_results(in, n, &m, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: merge: %s\n", prog->name, err);
        goto out;
    }
    int flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10);
    int rc = strcmp(o->output, "-") == 0 ? json_dumpf(m, stdout, flags)
                                         : json_dump_file(m, o->output, flags);
    if (rc != 0) {
        fprintf(stderr, "%s: -o %s: cannot write\n", prog->name, o->output);
        goto out;
    }
    if (strcmp(o->output, "-") == 0) {
        fputc('\n', stdout);
        fflush(stdout);
    }
    status = 0;
out:
    for (size_t i = 0; i < n; i++)
        json_decref(in[i]);
    free(in);
    json_decref(m);
    return status;
}
