/*
 * gate.c: the run's thresholds, their figures and their verdicts (see gate.h).
 *
 * Why the gate counts for itself rather than reading the summary's figures: a threshold may
 * narrow a metric by any mix of tags (a name, a status, a flow, a method), and abortOnFail
 * needs its figures while the run goes on, not after. The summary keeps neither per-status
 * latencies nor live per-name counts, and growing it for every possible tag set would cost
 * every run. So each distinct tag set among the thresholds becomes a series with its own
 * counters (and latency histograms when a trend threshold reads them); the callbacks count
 * each report into the series it belongs to, under the worker's own lock, and the main thread
 * adds the workers' figures up once a second, where abortOnFail is judged. A run without
 * thresholds has no gate and pays nothing.
 */
#include "gate.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hc/check.h"
#include "hc/limits.h"
#include "hc/units.h"

/* A sub-metric: the requests it covers and the status and flow it matches. */
struct gate_series {
    const struct hc_threshold *first; /* a threshold with these tags (for its tags) */
    bool all;                         /* no tags: every report, failed connects too */
    bool *reqs;                       /* per request of the set: covered (name, method) */
    int status;                       /* the status to match, or -1 */
    long flow;                        /* the flow index to match, or -1 */
    bool hists;                       /* a trend threshold reads its latencies */
};

/* A series' figures: one worker's since the last hand-off, or the run's totals. */
struct gate_figs {
    uint64_t reqs;        /* requests answered or failed */
    uint64_t failed;      /* of them, failed (http_req_failed) */
    uint64_t bytes_in;    /* response bytes */
    uint64_t checks_pass; /* checks and extractions that passed */
    uint64_t checks_fail; /* that failed */
    struct hc_hist *lat;  /* corrected latency, ns (hists, or the totals' whole run) */
    struct hc_hist *raw;  /* uncorrected */
};

/* One worker's figures; lock guards figs (the worker counts, the main thread takes). */
struct gate_thread {
    pthread_mutex_t lock;
    struct gate_figs *figs; /* nseries */
};

struct gate {
    const struct config *cfg;
    struct hc_threshold *ts; /* nts thresholds, the plan's then the command line's */
    size_t nplan;            /* the first nplan are the plan's */
    size_t nts;
    size_t *series_of;          /* per threshold: its series */
    struct gate_series *series; /* nseries */
    size_t nseries;
    size_t nreqs;                /* requests in the set */
    struct gate_thread *threads; /* nthreads */
    unsigned nthreads;
    struct gate_figs *total;       /* nseries: the totals (main thread) */
    uint64_t *iters;               /* nseries: complete iterations (after the run) */
    struct hc_hist **iter_dur;     /* nseries: their durations, ns (after the run) */
    uint64_t data_sent;            /* request bytes of the whole run (after the run) */
    int64_t elapsed_ns;            /* the run so far */
    bool finished;                 /* gate_finish ran: every figure is final */
    struct gate_verdict *verdicts; /* nts */
    long aborted;                  /* the threshold that stopped the run, or -1 */
    double abort_sec;
    hc_client_response_cb *inner_response; /* the runner's callbacks, or NULL */
    hc_client_failure_cb *inner_failure;
    void *inner_ctx;
    struct hc_client *client;    /* to stop */
    const struct hc_runner *run; /* hcload run, else NULL */
};

static int gate_err(char *err, size_t errlen, int rc, const char *fmt, ...) HC_PRINTF(4, 5);

static int gate_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hc_verrf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

static bool gate_same_tags(const struct hc_threshold *a, const struct hc_threshold *b)
{
    if (a->ntags != b->ntags)
        return false;
    for (size_t i = 0; i < a->ntags; i++)
        if (strcmp(a->tags[i].key, b->tags[i].key) != 0 ||
            strcmp(a->tags[i].value, b->tags[i].value) != 0)
            return false;
    return true;
}

static bool gate_reads_latency(const struct hc_threshold *t)
{
    return strcmp(t->metric, "http_req_duration") == 0 ||
           strcmp(t->metric, "http_req_duration_uncorrected") == 0;
}

static bool gate_is_iteration(const struct hc_threshold *t)
{
    return strcmp(t->metric, "iterations") == 0 || strcmp(t->metric, "iteration_duration") == 0;
}

/* What a metric may be narrowed by, and whether the run can answer it at all. */
static int gate_check_metric(const struct config *cfg, const struct hc_threshold *t, char *err,
                             size_t errlen)
{
    bool plan = cfg->plan != NULL;
    if ((gate_is_iteration(t) || strcmp(t->metric, "checks") == 0) && !plan)
        return gate_err(err, errlen, HC_ESYNTAX,
                        "%s: %s belong to a plan (hcload run PLAN.yaml): the quick mode has no "
                        "%s",
                        t->text, t->metric, strcmp(t->metric, "checks") == 0 ? "checks" : "flows");
    if (strcmp(t->metric, "data_sent") == 0 && t->ntags > 0)
        return gate_err(err, errlen, HC_ESYNTAX,
                        "%s: data_sent is counted per connection, not per request: it takes no "
                        "tags",
                        t->text);
    if (gate_is_iteration(t)) {
        for (size_t i = 0; i < t->ntags; i++)
            if (strcmp(t->tags[i].key, "flow") != 0)
                return gate_err(err, errlen, HC_ESYNTAX,
                                "%s: an iteration is narrowed by {flow:NAME} only", t->text);
    }
    return 0;
}

/* Fills series s from the tags of t: which requests, status and flow it covers. */
static int gate_series_init(struct gate *g, struct gate_series *s, const struct hc_threshold *t,
                            char *err, size_t errlen)
{
    const struct hc_plan *p = g->cfg->plan;
    s->first = t;
    s->all = t->ntags == 0;
    s->status = -1;
    s->flow = -1;
    s->reqs = hc_xcalloc(g->nreqs, sizeof(*s->reqs));
    for (size_t i = 0; i < g->nreqs; i++)
        s->reqs[i] = true;
    const char *name = hc_threshold_tag(t, "name");
    if (name != NULL) {
        if (p == NULL)
            return gate_err(err, errlen, HC_ESYNTAX,
                            "%s: the quick mode's one request has no name; {name:...} is for "
                            "a plan's requests",
                            t->text);
        const char **names = hc_xcalloc(p->nrequests, sizeof(*names));
        bool found = false;
        for (size_t i = 0; i < p->nrequests; i++) {
            names[i] = p->requests[i].name;
            s->reqs[i] = strcmp(p->requests[i].name, name) == 0;
            found = found || s->reqs[i];
        }
        const char *near = found ? NULL : hc_nearest_name(name, names, p->nrequests);
        free(names);
        if (!found) {
            return gate_err(err, errlen, HC_EUNKNOWN, "%s: the plan has no request \"%s\"%s%s%s",
                            t->text, name, near != NULL ? " (did you mean " : "",
                            near != NULL ? near : "", near != NULL ? "?)" : "");
        }
    }
    const char *method = hc_threshold_tag(t, "method");
    if (method != NULL) {
        bool found = false;
        for (size_t i = 0; i < g->nreqs; i++) {
            const char *m = p != NULL ? p->requests[i].method : g->cfg->method;
            s->reqs[i] = s->reqs[i] && strcasecmp(m, method) == 0;
            found = found || s->reqs[i];
        }
        if (!found)
            return gate_err(err, errlen, HC_EUNKNOWN, "%s: no request of the run is a %s%s",
                            t->text, method, name != NULL ? " of that name" : "");
    }
    const char *status = hc_threshold_tag(t, "status");
    if (status != NULL) {
        uint64_t code;
        if (hc_units_parse_count(status, &code) != 0 ||
            strspn(status, "0123456789") != strlen(status) || code < 100 || code > 599)
            return gate_err(err, errlen, HC_ERANGE, "%s: {status:%s}: a status is 100..599",
                            t->text, status);
        s->status = (int)code;
    }
    const char *flow = hc_threshold_tag(t, "flow");
    if (flow != NULL) {
        if (p == NULL)
            return gate_err(err, errlen, HC_ESYNTAX,
                            "%s: the quick mode has no flows; {flow:...} is for a plan's", t->text);
        const char **names = hc_xcalloc(p->nflows ? p->nflows : 1, sizeof(*names));
        for (size_t i = 0; i < p->nflows; i++) {
            names[i] = p->flows[i].name;
            if (strcmp(p->flows[i].name, flow) == 0)
                s->flow = (long)i;
        }
        const char *near = s->flow >= 0 ? NULL : hc_nearest_name(flow, names, p->nflows);
        free(names);
        if (s->flow < 0) {
            return gate_err(err, errlen, HC_EUNKNOWN, "%s: the plan has no flow \"%s\"%s%s%s",
                            t->text, flow, near != NULL ? " (did you mean " : "",
                            near != NULL ? near : "", near != NULL ? "?)" : "");
        }
    }
    return 0;
}

static void gate_figs_init(struct gate_figs *f, bool hists, bool wide)
{
    memset(f, 0, sizeof(*f));
    if (wide) {
        hc_client_stats_new_hist(&f->lat);
        hc_client_stats_new_hist(&f->raw);
    } else if (hists) {
        hc_runner_new_hist(&f->lat);
        hc_runner_new_hist(&f->raw);
    }
}

static void gate_figs_destroy(struct gate_figs *f)
{
    hc_hist_free(f->lat);
    hc_hist_free(f->raw);
}

/* Moves src's figures into dst and zeroes src. */
static void gate_figs_move(struct gate_figs *dst, struct gate_figs *src)
{
    dst->reqs += src->reqs;
    dst->failed += src->failed;
    dst->bytes_in += src->bytes_in;
    dst->checks_pass += src->checks_pass;
    dst->checks_fail += src->checks_fail;
    if (src->lat != NULL && dst->lat != NULL) {
        hc_hist_add(dst->lat, src->lat);
        hc_hist_add(dst->raw, src->raw);
        hc_hist_reset(src->lat);
        hc_hist_reset(src->raw);
    }
    src->reqs = src->failed = src->bytes_in = src->checks_pass = src->checks_fail = 0;
}

/* Adds t to the gate (a copy), checking what the run can answer. */
static int gate_add(struct gate *g, const struct hc_threshold *t, char *err, size_t errlen)
{
    int rc = gate_check_metric(g->cfg, t, err, errlen);
    if (rc != 0)
        return rc;
    g->ts[g->nts++] = *t;
    return 0;
}

/* Prefixes err with where the plan writes its k-th threshold expression (FILE:LINE:COL). */
static void gate_err_at(const struct hc_plan *p, size_t k, char *err, size_t errlen)
{
    for (size_t i = 0; i < p->nthresholds; i++) {
        if (k >= p->thresholds[i].nexprs) {
            k -= p->thresholds[i].nexprs;
            continue;
        }
        char first[512];
        snprintf(first, sizeof(first), "%s", err);
        hc_errf(err, errlen, "%s:%u:%u: %s", p->file, p->thresholds[i].at[k].line,
                p->thresholds[i].at[k].col, first);
        return;
    }
}

int gate_new(const struct config *cfg, const struct hc_opt_list *cli, struct gate **out, char *err,
             size_t errlen)
{
    *out = NULL;
    const struct hc_plan *p = cfg->plan;
    size_t n = cli != NULL ? cli->len : 0;
    for (size_t i = 0; p != NULL && i < p->nthresholds; i++)
        n += p->thresholds[i].nexprs;
    if (n == 0)
        return 0;
    struct gate *g = hc_xcalloc(1, sizeof(*g));
    g->cfg = cfg;
    g->aborted = -1;
    g->nreqs = p != NULL ? p->nrequests : 1;
    g->ts = hc_xcalloc(n, sizeof(*g->ts));
    int rc = 0;
    for (size_t i = 0; p != NULL && i < p->nthresholds && rc == 0; i++)
        for (size_t j = 0; j < p->thresholds[i].nexprs && rc == 0; j++) {
            rc = gate_add(g, &p->thresholds[i].exprs[j], err, errlen);
            if (rc != 0)
                gate_err_at(p, g->nts, err, errlen);
        }
    g->nplan = g->nts;
    for (size_t i = 0; cli != NULL && i < cli->len && rc == 0; i++) {
        struct hc_threshold t;
        char terr[384];
        rc = hc_threshold_parse_cli(cli->items[i], &t, terr, sizeof(terr));
        if (rc == 0)
            rc = gate_add(g, &t, terr, sizeof(terr));
        if (rc != 0)
            hc_errf(err, errlen, "--threshold: %s", terr);
    }
    g->series_of = hc_xcalloc(n, sizeof(*g->series_of));
    g->series = hc_xcalloc(n, sizeof(*g->series));
    for (size_t i = 0; i < g->nts && rc == 0; i++) {
        size_t k = 0;
        while (k < g->nseries && !gate_same_tags(g->series[k].first, &g->ts[i]))
            k++;
        if (k == g->nseries) {
            rc = gate_series_init(g, &g->series[k], &g->ts[i], err, errlen);
            if (rc != 0 && i < g->nplan)
                gate_err_at(p, i, err, errlen);
            g->nseries++;
        }
        g->series_of[i] = k;
        if (gate_reads_latency(&g->ts[i]))
            g->series[k].hists = true;
    }
    if (rc != 0) {
        gate_free(g);
        return rc;
    }
    g->nthreads = cfg->threads;
    g->threads = hc_xcalloc(g->nthreads, sizeof(*g->threads));
    for (unsigned i = 0; i < g->nthreads; i++) {
        pthread_mutex_init(&g->threads[i].lock, NULL);
        g->threads[i].figs = hc_xcalloc(g->nseries, sizeof(*g->threads[i].figs));
        for (size_t k = 0; k < g->nseries; k++)
            gate_figs_init(&g->threads[i].figs[k], g->series[k].hists && !g->series[k].all, false);
    }
    g->total = hc_xcalloc(g->nseries, sizeof(*g->total));
    g->iters = hc_xcalloc(g->nseries, sizeof(*g->iters));
    g->iter_dur = hc_xcalloc(g->nseries, sizeof(*g->iter_dur));
    for (size_t k = 0; k < g->nseries; k++) {
        gate_figs_init(&g->total[k], g->series[k].hists, g->series[k].all);
        hc_hist_new(1000, HC_CLIENT_HIST_HIGHEST, 2, &g->iter_dur[k]);
    }
    g->verdicts = hc_xcalloc(n, sizeof(*g->verdicts));
    for (size_t i = 0; i < g->nts; i++) {
        g->verdicts[i].t = &g->ts[i];
        g->verdicts[i].observed = NAN;
    }
    *out = g;
    return 0;
}

void gate_free(struct gate *g)
{
    if (g == NULL)
        return;
    for (unsigned i = 0; g->threads != NULL && i < g->nthreads; i++) {
        pthread_mutex_destroy(&g->threads[i].lock);
        for (size_t k = 0; k < g->nseries; k++)
            gate_figs_destroy(&g->threads[i].figs[k]);
        free(g->threads[i].figs);
    }
    free(g->threads);
    for (size_t k = 0; k < g->nseries; k++) {
        free(g->series[k].reqs);
        if (g->total != NULL)
            gate_figs_destroy(&g->total[k]);
        if (g->iter_dur != NULL)
            hc_hist_free(g->iter_dur[k]);
    }
    free(g->total);
    free(g->iters);
    free(g->iter_dur);
    free(g->series);
    free(g->series_of);
    free(g->verdicts);
    free(g->ts);
    free(g);
}

/* ---- the callbacks (worker threads) ---- */

/* One report, counted into every series it belongs to. status -1: a transport failure. */
struct gate_report {
    unsigned thread;
    uint32_t req;
    long flow;
    int status;
    bool failed;
    uint64_t bytes;
    uint64_t checks_pass, checks_fail;
    int64_t lat, raw;
};

static void gate_count(struct gate *g, const struct gate_report *r)
{
    struct gate_thread *t = &g->threads[r->thread];
    pthread_mutex_lock(&t->lock);
    for (size_t k = 0; k < g->nseries; k++) {
        const struct gate_series *s = &g->series[k];
        if (!s->all) {
            if (r->req >= g->nreqs || !s->reqs[r->req])
                continue;
            if (s->status >= 0 && s->status != r->status)
                continue;
            if (s->flow >= 0 && s->flow != r->flow)
                continue;
        }
        struct gate_figs *f = &t->figs[k];
        f->reqs++;
        f->failed += r->failed;
        f->bytes_in += r->bytes;
        f->checks_pass += r->checks_pass;
        f->checks_fail += r->checks_fail;
        if (f->lat != NULL && r->status >= 0) {
            hc_hist_record(f->lat, r->lat);
            hc_hist_record(f->raw, r->raw);
        }
    }
    pthread_mutex_unlock(&t->lock);
}

static void gate_on_response(void *ctx, const struct hc_client_response *resp)
{
    struct gate *g = ctx;
    struct gate_report r = {
        .thread = resp->thread,
        .req = resp->req,
        .flow = -1,
        .status = resp->status,
        .bytes = resp->bytes,
        .lat = resp->done_ns - resp->due_ns,
        .raw = resp->done_ns - resp->sent_ns,
    };
    uint64_t p0 = 0, f0 = 0, p1 = 0, f1 = 0;
    int expected = -1;
    if (g->run != NULL && resp->req < g->nreqs) {
        /* Before the runner's callback, which may end the iteration or count its checks. */
        r.flow = hc_runner_flow_of(g->run, resp->thread, resp->user);
        hc_runner_thread_checks(g->run, resp->thread, resp->req, &p0, &f0);
        expected = hc_check_status_expected(g->cfg->plan->requests[resp->req].checks, resp->status);
    }
    if (g->inner_response != NULL)
        g->inner_response(g->inner_ctx, resp);
    if (g->run != NULL && resp->req < g->nreqs) {
        hc_runner_thread_checks(g->run, resp->thread, resp->req, &p1, &f1);
        r.checks_pass = p1 - p0;
        r.checks_fail = f1 - f0;
    }
    r.failed = expected < 0 ? resp->status >= 400 : expected == 0;
    gate_count(g, &r);
}

static void gate_on_failure(void *ctx, const struct hc_client_failure *fail)
{
    struct gate *g = ctx;
    struct gate_report r = {
        .thread = fail->thread,
        .req = fail->req,
        .flow = -1,
        .status = -1,
        .failed = true,
    };
    if (g->run != NULL)
        r.flow = hc_runner_flow_of(g->run, fail->thread, fail->user);
    if (g->inner_failure != NULL)
        g->inner_failure(g->inner_ctx, fail);
    gate_count(g, &r);
}

void gate_configure(struct gate *g, struct hc_client_config *cc)
{
    g->inner_response = cc->on_response;
    g->inner_failure = cc->on_failure;
    g->inner_ctx = cc->cb_ctx;
    cc->on_response = gate_on_response;
    cc->on_failure = gate_on_failure;
    cc->cb_ctx = g;
}

void gate_attach(struct gate *g, struct hc_client *c, const struct hc_runner *run)
{
    g->client = c;
    g->run = run;
}

/* ---- judging (main thread) ---- */

static double gate_ms(int64_t ns)
{
    return (double)ns / 1e6;
}

static double gate_trend(const struct hc_threshold *t, const struct hc_hist *h)
{
    if (h == NULL || hc_hist_total_count(h) == 0)
        return NAN;
    switch (t->agg) {
    case HC_THRESHOLD_AVG:
        return hc_hist_mean(h) / 1e6;
    case HC_THRESHOLD_MIN:
        return gate_ms(hc_hist_min(h));
    case HC_THRESHOLD_MAX:
        return gate_ms(hc_hist_max(h));
    case HC_THRESHOLD_MED:
        return gate_ms(hc_hist_value_at_percentile(h, 50));
    case HC_THRESHOLD_PCT:
        return gate_ms(hc_hist_value_at_percentile(h, t->pct));
    default:
        return NAN;
    }
}

static double gate_counter(const struct gate *g, const struct hc_threshold *t, double count)
{
    if (t->agg == HC_THRESHOLD_COUNT)
        return count;
    double sec = (double)g->elapsed_ns / HC_NSEC_PER_SEC;
    return sec > 0 ? count / sec : NAN;
}

static double gate_share(uint64_t part, uint64_t whole)
{
    return whole > 0 ? (double)part / (double)whole : NAN;
}

/*
 * The observed value of threshold i from the totals so far. *known: false for a figure only
 * the end of the run has (the iterations, data_sent), which abortOnFail then skips.
 */
static double gate_observe(const struct gate *g, size_t i, bool *known)
{
    const struct hc_threshold *t = &g->ts[i];
    size_t k = g->series_of[i];
    const struct gate_figs *f = &g->total[k];
    *known = true;
    const char *m = t->metric;
    if (strcmp(m, "http_req_duration") == 0)
        return gate_trend(t, f->lat);
    if (strcmp(m, "http_req_duration_uncorrected") == 0)
        return gate_trend(t, f->raw);
    if (strcmp(m, "http_req_failed") == 0)
        return gate_share(f->failed, f->reqs);
    if (strcmp(m, "http_reqs") == 0)
        return gate_counter(g, t, (double)f->reqs);
    if (strcmp(m, "checks") == 0)
        return gate_share(f->checks_pass, f->checks_pass + f->checks_fail);
    if (strcmp(m, "data_received") == 0)
        return gate_counter(g, t, (double)f->bytes_in);
    *known = g->finished;
    if (!g->finished)
        return NAN;
    if (strcmp(m, "data_sent") == 0)
        return gate_counter(g, t, (double)g->data_sent);
    if (strcmp(m, "iterations") == 0)
        return gate_counter(g, t, (double)g->iters[k]);
    return gate_trend(t, g->iter_dur[k]);
}

/* Adds every worker's figures since the last call into the totals. */
static void gate_take(struct gate *g)
{
    for (unsigned i = 0; i < g->nthreads; i++) {
        struct gate_thread *t = &g->threads[i];
        pthread_mutex_lock(&t->lock);
        for (size_t k = 0; k < g->nseries; k++)
            gate_figs_move(&g->total[k], &t->figs[k]);
        pthread_mutex_unlock(&t->lock);
    }
}

/* Adds the whole run's latencies of one hand-off into the series without tags. */
static void gate_add_whole(struct gate *g, const struct hc_hist *lat, const struct hc_hist *raw)
{
    for (size_t k = 0; k < g->nseries; k++) {
        if (!g->series[k].all)
            continue;
        hc_hist_add(g->total[k].lat, lat);
        hc_hist_add(g->total[k].raw, raw);
    }
}

bool gate_tick(struct gate *g, const struct hc_hist *lat, const struct hc_hist *raw,
               int64_t elapsed_ns)
{
    gate_add_whole(g, lat, raw);
    gate_take(g);
    g->elapsed_ns = elapsed_ns;
    if (g->aborted >= 0)
        return true;
    for (size_t i = 0; i < g->nts; i++) {
        const struct hc_threshold *t = &g->ts[i];
        if (!t->abort_on_fail || elapsed_ns < t->delay_abort_ns)
            continue;
        bool known;
        double v = gate_observe(g, i, &known);
        /* No sample yet is not a failure during the run: the end judges it. */
        if (!known || isnan(v) || hc_threshold_passes(t, v))
            continue;
        g->aborted = (long)i;
        g->abort_sec = (double)elapsed_ns / HC_NSEC_PER_SEC;
        hc_client_stop(g->client);
        return true;
    }
    return false;
}

void gate_finish(struct gate *g, const struct hc_client_stats *total, int64_t elapsed_ns)
{
    gate_take(g);
    g->elapsed_ns = elapsed_ns;
    g->data_sent = total->bytes_written;
    for (size_t k = 0; k < g->nseries; k++) {
        if (g->series[k].all)
            g->total[k].bytes_in = total->bytes_read;
    }
    if (g->run != NULL) {
        const struct hc_runner_flow *flows;
        size_t nflows = hc_runner_flows(g->run, &flows);
        for (size_t k = 0; k < g->nseries; k++) {
            for (size_t f = 0; f < nflows; f++) {
                if (g->series[k].flow >= 0 && (size_t)g->series[k].flow != f)
                    continue;
                g->iters[k] += flows[f].iterations;
                hc_hist_add(g->iter_dur[k], flows[f].durations);
            }
        }
    }
    g->finished = true;
    for (size_t i = 0; i < g->nts; i++) {
        bool known;
        struct gate_verdict *v = &g->verdicts[i];
        v->observed = gate_observe(g, i, &known);
        v->passed = hc_threshold_passes(&g->ts[i], v->observed);
        v->aborted = (long)i == g->aborted;
        v->abort_sec = v->aborted ? g->abort_sec : 0;
        /* The verdict that stopped the run stands, whatever the rest of the run did. */
        if (v->aborted)
            v->passed = false;
    }
}

size_t gate_verdicts(const struct gate *g, const struct gate_verdict **out)
{
    *out = g->verdicts;
    return g->nts;
}

bool gate_passed(const struct gate *g)
{
    for (size_t i = 0; i < g->nts; i++)
        if (!g->verdicts[i].passed)
            return false;
    return true;
}

const struct gate_verdict *gate_aborted(const struct gate *g)
{
    return g != NULL && g->aborted >= 0 ? &g->verdicts[g->aborted] : NULL;
}

int gate_exit_code(const struct gate *g, bool interrupted, const struct hc_client_stats *total)
{
    if (interrupted || total->responses == 0)
        return 1;
    return gate_passed(g) ? 0 : HCLOAD_EXIT_THRESHOLD;
}

/* ---- the writers ---- */

/* "p(95)", "avg", ...: the aggregation as written. */
static void gate_agg_name(const struct hc_threshold *t, char *dst, size_t len)
{
    static const char *const names[] = {
        [HC_THRESHOLD_AVG] = "avg",      [HC_THRESHOLD_MIN] = "min", [HC_THRESHOLD_MAX] = "max",
        [HC_THRESHOLD_MED] = "med",      [HC_THRESHOLD_PCT] = "p",   [HC_THRESHOLD_COUNT] = "count",
        [HC_THRESHOLD_RATE_OF] = "rate",
    };
    if (t->agg == HC_THRESHOLD_PCT)
        snprintf(dst, len, "p(%g)", t->pct);
    else
        snprintf(dst, len, "%s", names[t->agg]);
}

void gate_observed_text(const struct gate_verdict *v, char *dst, size_t len)
{
    char agg[32], val[64];
    gate_agg_name(v->t, agg, sizeof(agg));
    if (isnan(v->observed))
        snprintf(val, sizeof(val), "no samples");
    else
        hc_threshold_format_value(v->t, v->observed, val, sizeof(val));
    snprintf(dst, len, "%s %s", agg, val);
}

void gate_text(const struct gate *g, struct hc_buf *out)
{
    hc_buf_appendf(out, "  Thresholds\n");
    for (size_t i = 0; i < g->nts; i++) {
        const struct gate_verdict *v = &g->verdicts[i];
        char obs[128];
        gate_observed_text(v, obs, sizeof(obs));
        hc_buf_appendf(out, "    %s %-48s %s", v->passed ? "\u2713" : "\u2717", v->t->text, obs);
        if (v->aborted)
            hc_buf_appendf(out, "  (stopped the run at %.1fs)", v->abort_sec);
        hc_buf_appendf(out, "\n");
    }
}

/* The unit of a threshold's values in the JSON. */
static const char *gate_unit(const struct hc_threshold *t)
{
    if (t->kind == HC_THRESHOLD_TREND)
        return "ms";
    if (t->kind == HC_THRESHOLD_RATE)
        return "share";
    if (t->agg == HC_THRESHOLD_RATE_OF)
        return "per_second";
    return strncmp(t->metric, "data_", 5) == 0 ? "bytes" : "count";
}

json_t *gate_json(const struct gate *g)
{
    json_t *a = json_array();
    for (size_t i = 0; i < g->nts; i++) {
        const struct gate_verdict *v = &g->verdicts[i];
        const struct hc_threshold *t = v->t;
        char agg[32];
        gate_agg_name(t, agg, sizeof(agg));
        json_t *tags = json_object();
        for (size_t k = 0; k < t->ntags; k++)
            json_object_set_new(tags, t->tags[k].key, json_string(t->tags[k].value));
        const char *brace = strchr(t->text, '}');
        const char *expr = strstr(brace != NULL ? brace : t->text, ": ");
        json_t *o = json_object();
        json_object_set_new(o, "threshold", json_string(t->text));
        json_object_set_new(o, "metric", json_string(t->metric));
        json_object_set_new(o, "tags", tags);
        json_object_set_new(o, "expression", json_string(expr != NULL ? expr + 2 : ""));
        json_object_set_new(o, "aggregation", json_string(agg));
        json_object_set_new(o, "unit", json_string(gate_unit(t)));
        json_object_set_new(o, "limit", json_real(t->value));
        json_object_set_new(o, "observed",
                            isnan(v->observed) ? json_null() : json_real(v->observed));
        json_object_set_new(o, "passed", json_boolean(v->passed));
        json_object_set_new(o, "abort_on_fail", json_boolean(t->abort_on_fail));
        json_object_set_new(o, "delay_abort_eval_s",
                            json_real((double)t->delay_abort_ns / HC_NSEC_PER_SEC));
        json_object_set_new(o, "stopped_run_at_s",
                            v->aborted ? json_real(v->abort_sec) : json_null());
        json_array_append_new(a, o);
    }
    return a;
}
