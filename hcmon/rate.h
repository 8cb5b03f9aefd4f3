/*
 * rate.h: turning two scrapes of a page into what happened between them: counter increases
 * (with counter resets handled the way Prometheus's rate() does), per-second rates, and
 * histogram quantiles over the interval (from the difference of the cumulative buckets,
 * estimated with the metrics module's histogram_quantile).
 *
 * Series are matched across the two pages by name and label set (label order does not
 * matter). A counter whose value went down was reset (the process restarted): its increase
 * is its new value, counted from zero. A series absent from the earlier page also counts
 * from zero (it appeared with its first events).
 */
#ifndef HCMON_RATE_H
#define HCMON_RATE_H

#include <stddef.h>

#include "hc/metrics.h"

/* The increase of a counter that went from prev to cur: cur - prev, or cur after a reset. */
double rate_increase(double prev, double cur);

/* An index of one page's samples by series identity. */
struct rate_index;

/* Builds the index of page p (which must outlive it). p may be NULL: an empty index. */
struct rate_index *rate_index_new(const struct hc_metrics_page *p);

/* Frees an index. Accepts NULL. */
void rate_index_free(struct rate_index *ix);

/* The page an index was built on (NULL for an empty one). */
const struct hc_metrics_page *rate_index_page(const struct rate_index *ix);

/* The sample of the indexed page with the same name and labels as s, or NULL. */
const struct hc_metrics_sample *rate_index_find(const struct rate_index *ix,
                                                const struct hc_metrics_sample *s);

/*
 * The summed increase, from the indexed page to cur, of every series named name that matches
 * match (hc_metrics_page_find's matcher). NaN when prev is NULL or its page is NULL (no
 * earlier scrape); 0 when no series matches.
 */
double rate_family_increase(const struct rate_index *prev, const struct hc_metrics_page *cur,
                            const char *name, const char *const *match);

/* rate_family_increase() / dt_s; NaN when dt_s <= 0 or the increase is NaN. */
double rate_family_rate(const struct rate_index *prev, const struct hc_metrics_page *cur,
                        const char *name, const char *const *match, double dt_s);

/*
 * Quantile q of histogram name (its name_bucket series matching match, summed by le) over the
 * interval from prev's page to cur: the bucket counts of cur minus those of prev, then
 * hc_metrics_bucket_quantile(). When prev is NULL, or the buckets changed shape or went down
 * (a reset), the cumulative buckets of cur are used. NaN when there are no observations in
 * the window; *count (if not NULL) gets the observations it covers.
 */
double rate_quantile(const struct rate_index *prev, const struct hc_metrics_page *cur,
                     const char *name, const char *const *match, double q, double *count);

#endif
