/*
 * signals.h: when is a service warm? The goals of a warm-up step (p99 below a bound, error
 * rate below a bound, cache hit ratio above a bound), the signals measured over a window of
 * traffic, the verdict naming every signal that missed its goal with its value, and the ramp
 * of request rates a step climbs.
 *
 * Hit ratio. From the X-Cache response header (hcserver: L1 and L2 are hits, DB a miss;
 * HIT... and MISS... as CDNs and Varnish write it), or from the service's /metrics: the
 * change of hc_cache_hits_total (every level summed) against that of hc_cache_misses_total of
 * the level with the fewest misses. A read that misses every level counts one miss per level,
 * so the fewest misses are those of the last level, the reads no cache answered:
 * hits / (hits + last-level misses) is the share of reads a cache answered, whatever the
 * number of levels.
 *
 * The ramp. Step i of n (0-based) runs at from + (to - from) * f^(1/A), f = i / (n - 1): with
 * A = 1 the steps are linear; A > 1 climbs faster at first, as Envoy's slow-start
 * "aggression" shapes a new host's weight over its window.
 */
#ifndef HCWARM_SIGNALS_H
#define HCWARM_SIGNALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/metrics.h"

/* A step's goals; a goal that is off is not checked. */
struct goals {
    int64_t p99_ns;       /* p99 below this; 0: off */
    double max_errors;    /* error rate (0..1) below this; < 0: off */
    double min_hit_ratio; /* hit ratio (0..1) at least this; < 0: off */
};

/* The signals of one window. */
struct signals {
    uint64_t responses; /* complete responses */
    uint64_t errors;    /* responses that were not 2xx/3xx, and failed requests */
    uint64_t requests;  /* responses + failed requests */
    int64_t p99_ns;     /* corrected p99 over the window (0 without responses) */
    double error_rate;  /* errors / requests (0 without requests) */
    bool hit_known;     /* some read said hit or miss */
    double hit_ratio;   /* hits / (hits + misses) when hit_known */
};

/* goals_off: every goal off. */
void goals_off(struct goals *g);

/*
 * signals_check: whether s meets every goal of g. When not, why gets every missed goal with
 * its value and the goal ("p99 12.3ms above 5ms; hit ratio 0.421 below 0.95"); a window
 * without a request misses every goal ("no responses").
 */
bool signals_check(const struct goals *g, const struct signals *s, char *why, size_t whylen);

/* signals_format: "p99 1.2ms  errors 0.00%  hit 0.97" (what is known) into buf. */
void signals_format(const struct signals *s, char *buf, size_t len);

/*
 * signals_x_cache: +1 for a hit, -1 for a miss, 0 for neither, from an X-Cache value
 * (case-insensitive: L1, L2, HIT...; DB, MISS..., EXPIRED, PASS, BYPASS).
 */
int signals_x_cache(const char *value, size_t len);

/*
 * signals_metrics_counts: the hit and miss counters of a /metrics page (see the top), into
 * *hits and *misses. 0, or -ENOENT when the page has no hc_cache_hits_total.
 */
int signals_metrics_counts(const struct hc_metrics_page *page, double *hits, double *misses);

/*
 * signals_parse_ratio: "0.95", "95%" into *out (0..1). 0 or HC_ESYNTAX / HC_ERANGE.
 */
int signals_parse_ratio(const char *text, double *out);

/*
 * signals_parse_curve: "linear" (A = 1) or "aggression:A" (A > 0, at most 100) into *a.
 * 0 or HC_ESYNTAX.
 */
int signals_parse_curve(const char *text, double *a);

/* ramp_rate: step i of n's rate on the ramp from..to with aggression a (see the top). */
double ramp_rate(double from, double to, unsigned i, unsigned n, double a);

#endif
