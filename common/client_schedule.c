/*
 * client_schedule.c: stages, the cumulative-count curve and the pacers that walk it.
 *
 * Why invert the cumulative count rather than step a timer by 1/rate: a ramp changes the rate
 * continuously, and stepping by the current rate's inverse drifts (and stalls forever at a rate
 * of zero). Solving Lambda(t) = k for each request keeps every thread on the one global curve,
 * so requested and achieved counts can be compared exactly at any instant. Within a linear
 * segment Lambda is quadratic in time; the root is taken in the form 2x / (v0 + sqrt(v0^2 +
 * 2ax)), which stays accurate when the acceleration a is tiny or negative.
 *
 * A rate set while running (hc_client_pacer_set_rate) leaves the curve: from the moment it
 * was asked, each pacer walks a constant rate in plain time, thread i of T taking the
 * arrivals at + (i + 1 + kT) / rate, so the threads together still send the new schedule
 * exactly; Poisson arrivals restart with an exponential gap, which the process's lack of
 * memory makes free. The deadline (the worker's) and the -n bound still end the run.
 */
#include "hc/client.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "hc/units.h"

/* The longest text of one stage piece ("1h30m:2500/s" is 12 bytes). */
#define STAGE_PIECE_MAX 64

static int stage_parse_one(const char *piece, size_t len, struct hc_client_stage *out, char *err,
                           size_t errlen)
{
    char text[STAGE_PIECE_MAX];
    if (len == 0 || len >= sizeof(text)) {
        snprintf(err, errlen, "stage \"%.*s\": expected DURATION:VALUE", (int)HC_MIN(len, 64),
                 piece);
        return HC_ESYNTAX;
    }
    memcpy(text, piece, len);
    text[len] = '\0';
    char *colon = strchr(text, ':');
    if (colon == NULL) {
        snprintf(err, errlen, "stage \"%s\": expected DURATION:VALUE", text);
        return HC_ESYNTAX;
    }
    *colon = '\0';
    int64_t dur;
    int rc = hc_units_parse_duration(text, HC_NSEC_PER_SEC, &dur);
    if (rc != 0) {
        snprintf(err, errlen, "stage duration \"%s\": %s", text, hc_strerror(rc));
        return rc;
    }
    if (dur <= 0) {
        snprintf(err, errlen, "stage duration \"%s\": must be more than zero", text);
        return HC_ERANGE;
    }
    double v;
    rc = hc_units_parse_rate(colon + 1, &v);
    if (rc != 0) {
        snprintf(err, errlen, "stage value \"%s\": %s", colon + 1, hc_strerror(rc));
        return rc;
    }
    out->dur_ns = dur;
    out->target = v;
    return 0;
}

int hc_client_schedule_parse_stages(const char *text, struct hc_client_stage **out, size_t *n,
                                    char *err, size_t errlen)
{
    size_t count = 1;
    for (const char *p = text; *p != '\0'; p++)
        count += *p == ',';
    if (count > HC_CLIENT_MAX_STAGES) {
        snprintf(err, errlen, "%zu stages: at most %d", count, HC_CLIENT_MAX_STAGES);
        return HC_ETOOLARGE;
    }
    struct hc_client_stage *st = hc_xcalloc(count, sizeof(*st));
    const char *p = text;
    for (size_t i = 0; i < count; i++) {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        int rc = stage_parse_one(p, len, &st[i], err, errlen);
        if (rc != 0) {
            free(st);
            return rc;
        }
        p += len + 1;
    }
    *out = st;
    *n = count;
    return 0;
}

int hc_client_schedule_init(struct hc_client_schedule *s, double start,
                            const struct hc_client_stage *stages, size_t n, bool open_ended)
{
    s->nsegs = n + (open_ended ? 1 : 0);
    s->segs = hc_xcalloc(s->nsegs ? s->nsegs : 1, sizeof(*s->segs));
    int64_t t = 0;
    double v = start;
    double lambda = 0;
    for (size_t i = 0; i < n; i++) {
        struct hc_client_schedule_seg *g = &s->segs[i];
        g->t0_ns = t;
        g->dur_ns = stages[i].dur_ns;
        g->v0 = v;
        g->v1 = stages[i].target;
        g->lambda0 = lambda;
        g->area = (g->v0 + g->v1) / 2 * ((double)g->dur_ns / HC_NSEC_PER_SEC);
        t += g->dur_ns;
        v = g->v1;
        lambda += g->area;
    }
    s->end_ns = t;
    if (open_ended) {
        struct hc_client_schedule_seg *g = &s->segs[n];
        g->t0_ns = t;
        g->dur_ns = INT64_MAX;
        g->v0 = v;
        g->v1 = v;
        g->lambda0 = lambda;
        g->area = v > 0 ? INFINITY : 0;
        s->end_ns = INT64_MAX;
    }
    return 0;
}

void hc_client_schedule_destroy(struct hc_client_schedule *s)
{
    if (s == NULL)
        return;
    free(s->segs);
    s->segs = NULL;
    s->nsegs = 0;
}

/* The value a segment has tau_ns into it (a tail never changes). */
static double seg_value(const struct hc_client_schedule_seg *g, int64_t tau_ns)
{
    if (g->dur_ns == INT64_MAX)
        return g->v0;
    return g->v0 + (g->v1 - g->v0) * ((double)tau_ns / (double)g->dur_ns);
}

double hc_client_schedule_value_at(const struct hc_client_schedule *s, int64_t t_ns)
{
    if (s->nsegs == 0)
        return 0;
    for (size_t i = 0; i < s->nsegs; i++) {
        const struct hc_client_schedule_seg *g = &s->segs[i];
        if (g->dur_ns == INT64_MAX || t_ns < g->t0_ns + g->dur_ns)
            return seg_value(g, t_ns < g->t0_ns ? 0 : t_ns - g->t0_ns);
    }
    return s->segs[s->nsegs - 1].v1;
}

double hc_client_schedule_count_until(const struct hc_client_schedule *s, int64_t t_ns)
{
    double total = 0;
    for (size_t i = 0; i < s->nsegs; i++) {
        const struct hc_client_schedule_seg *g = &s->segs[i];
        if (t_ns <= g->t0_ns)
            break;
        int64_t tau = t_ns - g->t0_ns;
        if (g->dur_ns != INT64_MAX && tau >= g->dur_ns) {
            total = g->lambda0 + g->area;
            continue;
        }
        double sec = (double)tau / HC_NSEC_PER_SEC;
        return g->lambda0 + (g->v0 + seg_value(g, tau)) / 2 * sec;
    }
    return total;
}

int64_t hc_client_schedule_time_at(const struct hc_client_schedule *s, double lambda, size_t *hint)
{
    size_t i = *hint;
    while (i < s->nsegs && lambda >= s->segs[i].lambda0 + s->segs[i].area)
        i++;
    if (i >= s->nsegs)
        return -1;
    *hint = i;
    const struct hc_client_schedule_seg *g = &s->segs[i];
    double x = lambda - g->lambda0;
    if (x < 0)
        x = 0;
    double a = 0;
    if (g->dur_ns != INT64_MAX)
        a = (g->v1 - g->v0) / ((double)g->dur_ns / HC_NSEC_PER_SEC);
    double disc = g->v0 * g->v0 + 2 * a * x;
    double denom = g->v0 + sqrt(disc > 0 ? disc : 0);
    double tau = denom > 0 ? 2 * x / denom : 0;
    double ns = tau * HC_NSEC_PER_SEC;
    if (g->dur_ns != INT64_MAX && ns > (double)g->dur_ns)
        ns = (double)g->dur_ns;
    if (ns > 9.0e18 - (double)g->t0_ns)
        return -1;
    return g->t0_ns + (int64_t)ns;
}

/* xorshift64*: a fast, decent generator for arrival gaps (not for anything secret). */
static double pacer_uniform(struct hc_client_pacer *p)
{
    p->rng ^= p->rng >> 12;
    p->rng ^= p->rng << 25;
    p->rng ^= p->rng >> 27;
    uint64_t r = p->rng * 2685821657736338717ULL;
    /* 53 random bits into (0, 1]: never 0, so the logarithm below stays finite. */
    return ((double)(r >> 11) + 1.0) / 9007199254740992.0;
}

static void pacer_place(struct hc_client_pacer *p)
{
    int64_t t = hc_client_schedule_time_at(p->s, p->lambda, &p->hint);
    p->next_ns = t < 0 ? INT64_MAX : p->base_ns + t;
}

void hc_client_pacer_init(struct hc_client_pacer *p, const struct hc_client_schedule *s,
                          unsigned index, unsigned nthreads, bool poisson, uint64_t seed,
                          int64_t base_ns)
{
    p->s = s;
    p->stride = nthreads ? nthreads : 1;
    p->poisson = poisson;
    p->rng = (seed ^ (0x9E3779B97F4A7C15ULL * (index + 1))) | 1;
    p->hint = 0;
    p->base_ns = base_ns;
    p->index = index;
    p->fixed = false;
    if (poisson)
        p->lambda = -log(pacer_uniform(p)) * p->stride;
    else
        p->lambda = index;
    pacer_place(p);
}

/* A gap of the fixed rate, in ns: stride / rate seconds, or an exponential draw of that mean. */
static double pacer_fixed_gap(struct hc_client_pacer *p)
{
    double mean = p->stride * (double)HC_NSEC_PER_SEC / p->fixed_rate;
    return p->poisson ? -log(pacer_uniform(p)) * mean : mean;
}

/* Where the fixed-rate walk stands (fixed_ns) as an absolute time, INT64_MAX past the range. */
static void pacer_place_fixed(struct hc_client_pacer *p)
{
    p->next_ns = p->fixed_ns < 9.0e18 ? (int64_t)p->fixed_ns : INT64_MAX;
}

void hc_client_pacer_set_rate(struct hc_client_pacer *p, double rate, int64_t at_ns)
{
    p->fixed = true;
    p->fixed_rate = rate;
    if (rate <= 0) {
        p->next_ns = INT64_MAX;
        return;
    }
    /*
     * Constant: thread i of T takes the global arrivals at + (i + 1 + kT) / rate, so the union
     * of all threads is the new schedule exactly; Poisson: an exponential first gap (the
     * process is memoryless, so the restart costs nothing).
     */
    if (p->poisson)
        p->fixed_ns = (double)at_ns + pacer_fixed_gap(p);
    else
        p->fixed_ns = (double)at_ns + (double)(p->index + 1) * (double)HC_NSEC_PER_SEC / rate;
    pacer_place_fixed(p);
}

void hc_client_pacer_next(struct hc_client_pacer *p)
{
    if (p->next_ns == INT64_MAX)
        return;
    if (p->fixed) {
        p->fixed_ns += pacer_fixed_gap(p);
        pacer_place_fixed(p);
        return;
    }
    if (p->poisson)
        p->lambda += -log(pacer_uniform(p)) * p->stride;
    else
        p->lambda += p->stride;
    pacer_place(p);
}
