/*
 * compare.c: results against baselines (the rules are in compare.h).
 *
 * Every figure is read from the JSON object, never from the run in memory, so a run just
 * finished, a --json file of last week and a run kept in the history are compared by one
 * path. Percentiles are recomputed from the encoded histogram (its exact counts), falling
 * back to the listed p50 / p90 / p99 / p99_9 of a result that has none.
 */
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"
#include "hc/hist.h"
#include "hc/units.h"
#include "hcload.h"
#include "history.h"

/* The rows every comparison shows. */
static const struct compare_tol compare_rows[] = {
    {COMPARE_PCT, 50, +1, 0.10, true, false, "p(50)"},
    {COMPARE_PCT, 90, +1, 0.10, true, false, "p(90)"},
    {COMPARE_PCT, 99, +1, 0.10, true, false, "p(99)"},
    {COMPARE_PCT, 99.9, +1, 0.10, true, false, "p(99.9)"},
    {COMPARE_RATE, 0, -1, 0.05, true, false, "rate"},
    {COMPARE_ERROR, 0, +1, 0.01, false, false, "error_rate"},
};

static bool compare_is_latency(enum compare_metric m)
{
    return m == COMPARE_PCT || m == COMPARE_AVG || m == COMPARE_MIN || m == COMPARE_MAX;
}

/* Parses one "METRIC:SIGNAMOUNT" entry of len bytes at s. */
static int compare_parse_one(const char *s, size_t len, struct compare_tol *t, char *err,
                             size_t errlen)
{
    char text[128];
    if (len == 0 || len >= sizeof(text)) {
        hc_errf(err, errlen, "--tolerance: an empty or overlong entry");
        return HC_ESYNTAX;
    }
    memcpy(text, s, len);
    text[len] = '\0';
    char *colon = strrchr(text, ':');
    if (colon == NULL) {
        hc_errf(err, errlen, "--tolerance \"%s\": expected METRIC:+N%% or METRIC:-N%%", text);
        return HC_ESYNTAX;
    }
    *colon = '\0';
    const char *m = text, *v = colon + 1;
    memset(t, 0, sizeof(*t));
    t->given = true;
    char *end;
    if (strncmp(m, "p(", 2) == 0) {
        t->metric = COMPARE_PCT;
        t->p = strtod(m + 2, &end);
        if (end == m + 2 || strcmp(end, ")") != 0 || !(t->p > 0 && t->p <= 100)) {
            hc_errf(err, errlen, "--tolerance \"%s\": p(N) needs 0 < N <= 100", m);
            return HC_ESYNTAX;
        }
    } else if (strcmp(m, "med") == 0) {
        t->metric = COMPARE_PCT;
        t->p = 50;
    } else if (strcmp(m, "avg") == 0) {
        t->metric = COMPARE_AVG;
    } else if (strcmp(m, "min") == 0) {
        t->metric = COMPARE_MIN;
    } else if (strcmp(m, "max") == 0) {
        t->metric = COMPARE_MAX;
    } else if (strcmp(m, "rate") == 0) {
        t->metric = COMPARE_RATE;
    } else if (strcmp(m, "error_rate") == 0) {
        t->metric = COMPARE_ERROR;
    } else {
        hc_errf(err, errlen,
                "--tolerance: unknown figure \"%s\" (p(N), med, avg, min, max, rate, "
                "error_rate)",
                m);
        return HC_ESYNTAX;
    }
    if (t->metric == COMPARE_PCT)
        snprintf(t->label, sizeof(t->label), "p(%g)", t->p);
    else
        snprintf(t->label, sizeof(t->label), "%.20s", m);
    if (v[0] != '+' && v[0] != '-') {
        hc_errf(err, errlen,
                "--tolerance \"%s:%s\": the amount needs a sign: + (higher is worse) or - "
                "(lower is worse)",
                m, v);
        return HC_ESYNTAX;
    }
    t->sign = v[0] == '+' ? +1 : -1;
    size_t vl = strlen(v);
    if (vl > 1 && v[vl - 1] == '%') {
        double x = strtod(v + 1, &end);
        if (end != v + vl - 1 || !(x >= 0) || !isfinite(x)) {
            hc_errf(err, errlen, "--tolerance \"%s:%s\": not a percentage", m, v);
            return HC_ESYNTAX;
        }
        t->amount = x / 100.0;
        t->relative = t->metric != COMPARE_ERROR;
        return 0;
    }
    int64_t ns;
    if (compare_is_latency(t->metric) &&
        hc_units_parse_duration(v + 1, HC_NSEC_PER_MSEC, &ns) == 0) {
        t->amount = (double)ns / 1000.0;
        t->relative = false;
        return 0;
    }
    hc_errf(err, errlen, "--tolerance \"%s:%s\": expected a percentage%s", m, v,
            compare_is_latency(t->metric) ? " or a duration" : "");
    return HC_ESYNTAX;
}

int compare_parse_tolerance(const char *text, struct compare_tol *tols, size_t *n, char *err,
                            size_t errlen)
{
    *n = 0;
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len > 0 && *p == ' ') {
            p++;
            len--;
        }
        while (len > 0 && p[len - 1] == ' ')
            len--;
        if (*n == COMPARE_MAX_TOLERANCES) {
            hc_errf(err, errlen, "--tolerance: more than %d entries", COMPARE_MAX_TOLERANCES);
            return HC_ESYNTAX;
        }
        int rc = compare_parse_one(p, len, &tols[*n], err, errlen);
        if (rc != 0)
            return rc;
        (*n)++;
        if (comma == NULL)
            return 0;
        p = comma + 1;
    }
}

/* The object of name in result: the result itself for "total", else by_name's entry. */
static json_t *compare_scope(json_t *result, const char *name)
{
    if (strcmp(name, "total") == 0)
        return result;
    return json_object_get(json_object_get(result, "by_name"), name);
}

static bool compare_number(json_t *v, double *out)
{
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return true;
}

bool compare_value(json_t *result, const char *name, const struct compare_tol *t, double *out)
{
    json_t *o = compare_scope(result, name);
    if (!json_is_object(o))
        return false;
    if (t->metric == COMPARE_RATE)
        return compare_number(json_object_get(json_object_get(o, "rate"), "achieved"), out);
    if (t->metric == COMPARE_ERROR) {
        double req = 0, err = 0, bad = 0;
        if (!compare_number(json_object_get(o, "requests"), &req) ||
            !compare_number(json_object_get(json_object_get(o, "errors"), "total"), &err) ||
            !compare_number(json_object_get(o, "non_2xx_3xx"), &bad))
            return false;
        *out = req + err > 0 ? (err + bad) / (req + err) : 0;
        return true;
    }
    json_t *lat = json_object_get(json_object_get(o, "latency_us"), "corrected");
    if (!json_is_object(lat))
        return false;
    if (t->metric == COMPARE_AVG)
        return compare_number(json_object_get(lat, "mean"), out);
    if (t->metric == COMPARE_MIN)
        return compare_number(json_object_get(lat, "min"), out);
    if (t->metric == COMPARE_MAX)
        return compare_number(json_object_get(lat, "max"), out);
    json_t *hdr = json_object_get(lat, "hdr");
    struct hc_hist *h = NULL;
    if (json_is_string(hdr) &&
        hc_hist_decode(json_string_value(hdr), json_string_length(hdr), &h) == 0) {
        /* Histograms count nanoseconds; the figures are microseconds. */
        *out = (double)hc_hist_value_at_percentile(h, t->p) / 1000.0;
        hc_hist_free(h);
        return true;
    }
    static const struct {
        double p;
        const char *key;
    } keys[] = {{50, "p50"}, {75, "p75"}, {90, "p90"}, {95, "p95"}, {99, "p99"}, {99.9, "p99_9"}};
    for (size_t i = 0; i < HC_ARRAY_LEN(keys); i++)
        if (keys[i].p == t->p)
            return compare_number(json_object_get(lat, keys[i].key), out);
    return false;
}

/* A figure as the table prints it. */
static void compare_format(const struct compare_tol *t, double v, char *dst, size_t len)
{
    if (compare_is_latency(t->metric))
        hc_units_format_duration((int64_t)llround(v * 1000.0), dst, len);
    else if (t->metric == COMPARE_RATE)
        snprintf(dst, len, "%.1f/s", v);
    else
        snprintf(dst, len, "%.3f%%", v * 100.0);
}

/* One row; returns whether it regressed. */
static bool compare_row(json_t *const *base, size_t nbase, json_t *current, const char *name,
                        const struct compare_tol *t, struct hc_buf *out, char *regressed,
                        size_t regressed_len)
{
    double cur;
    if (!compare_value(current, name, t, &cur))
        return false;
    double lo = INFINITY, hi = -INFINITY;
    size_t have = 0;
    for (size_t i = 0; i < nbase; i++) {
        double v;
        if (!compare_value(base[i], name, t, &v))
            continue;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        have++;
    }
    char bs[80], cs[32], ls[40], a[32], b[32];
    compare_format(t, cur, cs, sizeof(cs));
    if (have == 0) {
        hc_buf_appendf(out, "  %-20s %-11s %-21s %-11s %-9s %-13s %s\n", name, t->label, "-", cs,
                       "", "", "new");
        return false;
    }
    compare_format(t, lo, a, sizeof(a));
    compare_format(t, hi, b, sizeof(b));
    if (have == 1 || lo == hi)
        snprintf(bs, sizeof(bs), "%s", a);
    else
        snprintf(bs, sizeof(bs), "%s..%s", a, b);
    double ref = t->sign > 0 ? hi : lo;
    char change[24];
    if (t->metric == COMPARE_ERROR)
        snprintf(change, sizeof(change), "%+.3fpt", (cur - ref) * 100.0);
    else if (ref != 0)
        snprintf(change, sizeof(change), "%+.1f%%", (cur - ref) / ref * 100.0);
    else
        snprintf(change, sizeof(change), "-");
    double limit;
    if (t->relative)
        limit = t->sign > 0 ? ref * (1 + t->amount) : ref * (1 - t->amount);
    else
        limit = t->sign > 0 ? ref + t->amount : ref - t->amount;
    bool worse = t->sign > 0 ? cur > limit : cur < limit;
    /* Better: past the other end of the baselines' range by as much as the tolerance. */
    bool better = t->sign > 0 ? cur < lo - (limit - ref) : cur > hi + (ref - limit);
    char lim[32];
    compare_format(t, limit, lim, sizeof(lim));
    snprintf(ls, sizeof(ls), "%s %s", t->sign > 0 ? "<=" : ">=", lim);
    const char *verdict = !t->given ? (worse    ? "(worse)"
                                       : better ? "(better)"
                                                : "(same)")
                          : worse   ? "REGRESSED"
                          : better  ? "better"
                                    : "ok";
    hc_buf_appendf(out, "  %-20s %-11s %-21s %-11s %-9s %-13s %s\n", name, t->label, bs, cs, change,
                   t->given ? ls : "", verdict);
    if (worse && t->given && regressed != NULL && regressed[0] == '\0')
        snprintf(regressed, regressed_len, "%s %s %s, beyond %s (baseline %s)", name, t->label, cs,
                 ls, bs);
    return worse && t->given;
}

size_t compare_table(json_t *const *base, size_t nbase, json_t *current,
                     const struct compare_tol *tols, size_t ntols, struct hc_buf *out,
                     char *regressed, size_t regressed_len)
{
    if (regressed != NULL && regressed_len > 0)
        regressed[0] = '\0';
    /* The rows: the fixed ones (with the tolerance's entry where it has one), then the rest. */
    struct compare_tol rows[HC_ARRAY_LEN(compare_rows) + COMPARE_MAX_TOLERANCES];
    size_t n = 0;
    bool used[COMPARE_MAX_TOLERANCES] = {false};
    for (size_t i = 0; i < HC_ARRAY_LEN(compare_rows); i++) {
        rows[n] = compare_rows[i];
        for (size_t k = 0; k < ntols; k++)
            if (!used[k] && tols[k].metric == rows[n].metric &&
                (rows[n].metric != COMPARE_PCT || tols[k].p == rows[n].p)) {
                rows[n] = tols[k];
                used[k] = true;
                break;
            }
        n++;
    }
    for (size_t k = 0; k < ntols; k++)
        if (!used[k])
            rows[n++] = tols[k];
    hc_buf_appendf(out, "  %-20s %-11s %-21s %-11s %-9s %-13s %s\n", "name", "figure",
                   nbase > 1 ? "baseline (min..max)" : "baseline", "current", "change", "limit",
                   "verdict");
    size_t bad = 0;
    json_t *by = json_object_get(current, "by_name");
    size_t nn = json_is_object(by) ? json_object_size(by) : 0;
    const char *key;
    json_t *val;
    for (size_t r = 0; r < n; r++)
        bad += compare_row(base, nbase, current, "total", &rows[r], out, regressed, regressed_len);
    if (nn > 0)
        json_object_foreach(by, key, val)
        {
            HC_UNUSED(val);
            for (size_t r = 0; r < n; r++)
                bad +=
                    compare_row(base, nbase, current, key, &rows[r], out, regressed, regressed_len);
        }
    return bad;
}

int compare_load(const char *path, json_t **out, char *err, size_t errlen)
{
    json_error_t je;
    *out = json_load_file(path, 0, &je);
    if (*out == NULL) {
        if (je.line > 0)
            hc_errf(err, errlen, "%s:%d:%d: not a --json result: %s", path, je.line, je.column,
                    je.text);
        else
            hc_errf(err, errlen, "%s: %s", path, je.text);
        return -1;
    }
    if (!json_is_object(*out) || !json_is_integer(json_object_get(*out, "schema_version"))) {
        hc_errf(err, errlen, "%s: not an hcload --json result (no schema_version)", path);
        json_decref(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int compare_main(const struct hc_opt_program *prog, const struct options *o)
{
    if (prog->nrest != 3) {
        fprintf(stderr,
                "%s: compare takes two results: hcload compare A.json B.json, or "
                "hcload compare --history FILE.db RUN RUN\n",
                prog->name);
        return 2;
    }
    char err[512];
    struct compare_tol tols[COMPARE_MAX_TOLERANCES];
    size_t ntols;
    if (compare_parse_tolerance(o->tolerance ? o->tolerance : COMPARE_DEFAULT_TOLERANCE, tols,
                                &ntols, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s\n", prog->name, err);
        return 2;
    }
    json_t *res[2] = {NULL, NULL};
    int status = 1;
    struct history *h = NULL;
    if (o->history != NULL && history_open(o->history, false, &h, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s\n", prog->name, err);
        return 1;
    }
    for (int i = 0; i < 2; i++) {
        const char *ref = prog->rest[1 + i];
        int rc = h != NULL ? history_load(h, ref, &res[i], err, sizeof(err))
                           : compare_load(ref, &res[i], err, sizeof(err));
        if (rc != 0) {
            fprintf(stderr, "%s: %s\n", prog->name, err);
            status = rc == HC_ESYNTAX ? 2 : 1;
            goto out;
        }
    }
    struct hc_buf tab;
    hc_buf_init(&tab, 0);
    char worst[256];
    size_t bad = compare_table(&res[0], 1, res[1], tols, ntols, &tab, worst, sizeof(worst));
    printf("%s -> %s\n%s", prog->rest[1], prog->rest[2], hc_buf_cstr(&tab));
    if (bad > 0)
        printf("%zu regression%s: %s\n", bad, bad == 1 ? "" : "s", worst);
    fflush(stdout);
    hc_buf_destroy(&tab);
    status = bad > 0 ? HCLOAD_EXIT_THRESHOLD : 0;
out:
    json_decref(res[0]);
    json_decref(res[1]);
    history_close(h);
    return status;
}
