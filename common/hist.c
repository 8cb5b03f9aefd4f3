/*
 * hist.c: the HDR histogram itself: layout, recording helpers, merging, statistics and the
 * iterators.
 *
 * The layout is HdrHistogram's, computed the way HdrHistogram computes it (including its
 * floating-point log2 of the lowest value), because interoperability depends on every index
 * meaning the same value range in both: bucket 0 has sub_count sub-buckets of width
 * 2^unit_magnitude; each following bucket doubles the width and adds only its upper half of
 * sub-buckets (the lower half would repeat the previous bucket). So value precision is
 * constant in relative terms: a bucket's width never exceeds 1 / 10^sigfigs of its values.
 *
 * Statistics walk the counts array; they are called once per report, never per request, so a
 * linear pass (a few thousand slots at 3 digits) is the simple and fast enough choice.
 */
#include "hc/hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ceil(log2(2 * 10^sigfigs)) for sigfigs 1..5: sub-buckets needed for unit resolution there. */
static const int32_t hist_sub_count_magnitude[6] = {0, 5, 8, 11, 15, 18};

/* The layout for lowest..highest at sigfigs digits into h's layout fields, or -EINVAL. */
static int hist_layout(struct hc_hist *h, int64_t lowest, int64_t highest, int sigfigs)
{
    memset(h, 0, sizeof(*h));
    if (lowest < 1 || sigfigs < 1 || sigfigs > 5 || lowest > highest / 2)
        return -EINVAL;
    /* HdrHistogram derives the unit magnitude with a double log2; doing the same keeps our
     * layout identical to its for every lowest value, powers of two included. */
    int32_t unit_magnitude = (int32_t)(log((double)lowest) / log(2.0));
    int32_t sub_half_magnitude = hist_sub_count_magnitude[sigfigs] - 1;
    if (unit_magnitude + sub_half_magnitude > 61)
        return -EINVAL;

    h->lowest = lowest;
    h->highest = highest;
    h->sigfigs = sigfigs;
    h->unit_magnitude = unit_magnitude;
    h->sub_half_magnitude = sub_half_magnitude;
    h->sub_count = (int32_t)1 << (sub_half_magnitude + 1);
    h->sub_half_count = h->sub_count / 2;
    h->sub_mask = ((int64_t)h->sub_count - 1) << unit_magnitude;

    /* Buckets until the first value past highest, stopping before the shift overflows. */
    int64_t smallest_untrackable = (int64_t)h->sub_count << unit_magnitude;
    int32_t buckets = 1;
    while (smallest_untrackable <= highest) {
        if (smallest_untrackable > INT64_MAX / 2) {
            buckets++;
            break;
        }
        smallest_untrackable <<= 1;
        buckets++;
    }
    h->bucket_count = buckets;
    h->counts_len = (buckets + 1) * h->sub_half_count;
    return 0;
}

int64_t hc_hist_counts_len(int64_t lowest, int64_t highest, int sigfigs)
{
    struct hc_hist layout;
    int rc = hist_layout(&layout, lowest, highest, sigfigs);
    return rc != 0 ? rc : layout.counts_len;
}

int hc_hist_new(int64_t lowest, int64_t highest, int sigfigs, struct hc_hist **out)
{
    struct hc_hist layout;
    int rc = hist_layout(&layout, lowest, highest, sigfigs);
    if (rc != 0)
        return rc;
    struct hc_hist *h = hc_xmalloc(sizeof(*h));
    *h = layout;
    h->counts = hc_xcalloc((size_t)h->counts_len, sizeof(int64_t));
    h->total_count = 0;
    h->min_value = INT64_MAX;
    h->max_value = 0;
    h->out_of_range = 0;
    *out = h;
    return 0;
}

void hc_hist_free(struct hc_hist *h)
{
    if (h == NULL)
        return;
    free(h->counts);
    free(h);
}

void hc_hist_reset(struct hc_hist *h)
{
    memset(h->counts, 0, (size_t)h->counts_len * sizeof(int64_t));
    h->total_count = 0;
    h->min_value = INT64_MAX;
    h->max_value = 0;
    h->out_of_range = 0;
}

bool hc_hist_same_layout(const struct hc_hist *a, const struct hc_hist *b)
{
    return a->unit_magnitude == b->unit_magnitude && a->sub_half_magnitude == b->sub_half_magnitude;
}

/* The lowest value counted at index i. */
static int64_t hist_value_at_index(const struct hc_hist *h, int32_t i)
{
    int32_t bucket = (i >> h->sub_half_magnitude) - 1;
    int32_t sub = (i & (h->sub_half_count - 1)) + h->sub_half_count;
    if (bucket < 0) {
        sub -= h->sub_half_count;
        bucket = 0;
    }
    return (int64_t)sub << (bucket + h->unit_magnitude);
}

int64_t hc_hist_equivalent_range(const struct hc_hist *h, int64_t v)
{
    int32_t pow2ceil = 64 - __builtin_clzll((uint64_t)v | (uint64_t)h->sub_mask);
    int32_t bucket = pow2ceil - h->unit_magnitude - (h->sub_half_magnitude + 1);
    int64_t sub = v >> (bucket + h->unit_magnitude);
    if (sub >= h->sub_count)
        bucket++;
    return (int64_t)1 << (h->unit_magnitude + bucket);
}

int64_t hc_hist_lowest_equivalent(const struct hc_hist *h, int64_t v)
{
    int32_t pow2ceil = 64 - __builtin_clzll((uint64_t)v | (uint64_t)h->sub_mask);
    int32_t bucket = pow2ceil - h->unit_magnitude - (h->sub_half_magnitude + 1);
    int64_t sub = v >> (bucket + h->unit_magnitude);
    return sub << (bucket + h->unit_magnitude);
}

int64_t hc_hist_next_non_equivalent(const struct hc_hist *h, int64_t v)
{
    uint64_t next =
        (uint64_t)hc_hist_lowest_equivalent(h, v) + (uint64_t)hc_hist_equivalent_range(h, v);
    /* Only the top bucket of a range reaching INT64_MAX can overflow: saturate there. */
    return next > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)next;
}

int64_t hc_hist_highest_equivalent(const struct hc_hist *h, int64_t v)
{
    int64_t next = hc_hist_next_non_equivalent(h, v);
    return next == INT64_MAX ? INT64_MAX : next - 1;
}

int64_t hc_hist_median_equivalent(const struct hc_hist *h, int64_t v)
{
    return hc_hist_lowest_equivalent(h, v) + (hc_hist_equivalent_range(h, v) >> 1);
}

bool hc_hist_record_corrected(struct hc_hist *h, int64_t v, int64_t expected_interval)
{
    if (!hc_hist_record(h, v))
        return false;
    if (expected_interval <= 0)
        return true;
    /* The missing values form v - k * interval for k = 1.. while >= interval. Rather than one
     * record each (v / interval of them: unbounded), count every run that falls in one bucket
     * with a single record_n at the run's smallest value. */
    int64_t missing = v - expected_interval;
    while (missing >= expected_interval) {
        int64_t floor = HC_MAX(hc_hist_lowest_equivalent(h, missing), expected_interval);
        int64_t n = (missing - floor) / expected_interval + 1;
        int64_t smallest = missing - (n - 1) * expected_interval;
        hc_hist_record_n(h, smallest, n);
        missing = smallest - expected_interval;
    }
    return true;
}

int64_t hc_hist_add(struct hc_hist *dst, const struct hc_hist *src)
{
    int64_t dropped = 0;
    dst->out_of_range += src->out_of_range;
    if (hc_hist_same_layout(dst, src)) {
        for (int32_t i = 0; i < src->counts_len; i++) {
            int64_t c = src->counts[i];
            if (c == 0)
                continue;
            if (i < dst->counts_len) {
                dst->counts[i] += c;
                dst->total_count += c;
            } else {
                dropped += c;
            }
        }
        /* Same layout: the exact extremes carry over when they fit. */
        if (src->total_count > 0) {
            if (src->min_value < dst->min_value &&
                hc_hist__index(dst, src->min_value) < dst->counts_len)
                dst->min_value = src->min_value;
            int64_t max = src->max_value;
            if (hc_hist__index(dst, max) >= dst->counts_len) {
                /* Clipped: the largest src bucket that landed in dst defines the maximum. */
                max = 0;
                for (int32_t i = HC_MIN(src->counts_len, dst->counts_len) - 1; i >= 0; i--) {
                    if (src->counts[i] != 0) {
                        max = hist_value_at_index(src, i);
                        break;
                    }
                }
            }
            if (max > dst->max_value)
                dst->max_value = max;
        }
        dst->out_of_range += dropped;
        return dropped;
    }
    for (int32_t i = 0; i < src->counts_len; i++) {
        int64_t c = src->counts[i];
        if (c == 0)
            continue;
        if (!hc_hist_record_n(dst, hist_value_at_index(src, i), c))
            dropped += c;
    }
    return dropped;
}

int64_t hc_hist_value_at_percentile(const struct hc_hist *h, double p)
{
    if (h->total_count == 0)
        return 0;
    /* As HdrHistogram: step one ulp down first so that a percentile which is exactly a count
     * boundary, but computed with round-off above it, does not spill into the next bucket. */
    double req = nextafter(p, -INFINITY);
    if (!(req > 0.0))
        req = 0.0;
    if (req > 100.0)
        req = 100.0;
    int64_t want = (int64_t)ceil(req / 100.0 * (double)h->total_count);
    if (want < 1)
        want = 1;
    int64_t seen = 0;
    for (int32_t i = 0; i < h->counts_len; i++) {
        seen += h->counts[i];
        if (seen >= want) {
            int64_t v = hist_value_at_index(h, i);
            return p <= 0.0 ? hc_hist_lowest_equivalent(h, v) : hc_hist_highest_equivalent(h, v);
        }
    }
    return 0;
}

int64_t hc_hist_min(const struct hc_hist *h)
{
    if (h->total_count == 0 || h->counts[0] > 0)
        return 0;
    return hc_hist_lowest_equivalent(h, h->min_value);
}

int64_t hc_hist_max(const struct hc_hist *h)
{
    if (h->max_value == 0)
        return 0;
    return hc_hist_highest_equivalent(h, h->max_value);
}

int64_t hc_hist_total_count(const struct hc_hist *h)
{
    return h->total_count;
}

int64_t hc_hist_count_at(const struct hc_hist *h, int64_t v)
{
    if (v < 0)
        return 0;
    int32_t i = hc_hist__index(h, v);
    return i < h->counts_len ? h->counts[i] : 0;
}

double hc_hist_mean(const struct hc_hist *h)
{
    if (h->total_count == 0)
        return 0.0;
    double sum = 0.0;
    for (int32_t i = 0; i < h->counts_len; i++) {
        if (h->counts[i] != 0)
            sum += (double)hc_hist_median_equivalent(h, hist_value_at_index(h, i)) *
                   (double)h->counts[i];
    }
    return sum / (double)h->total_count;
}

double hc_hist_stddev(const struct hc_hist *h)
{
    if (h->total_count == 0)
        return 0.0;
    double mean = hc_hist_mean(h);
    double sum = 0.0;
    for (int32_t i = 0; i < h->counts_len; i++) {
        if (h->counts[i] != 0) {
            double d = (double)hc_hist_median_equivalent(h, hist_value_at_index(h, i)) - mean;
            sum += d * d * (double)h->counts[i];
        }
    }
    return sqrt(sum / (double)h->total_count);
}

/* Iterator modes. */
enum { HIST_ITER_RECORDED, HIST_ITER_PERCENTILES, HIST_ITER_LINEAR };

static void hist_iter_start(struct hc_hist_iter *it, const struct hc_hist *h, int mode)
{
    memset(it, 0, sizeof(*it));
    it->h = h;
    it->mode = mode;
    it->index = 0;
    it->fresh = true;
    it->total = h->total_count;
}

void hc_hist_iter_recorded(struct hc_hist_iter *it, const struct hc_hist *h)
{
    hist_iter_start(it, h, HIST_ITER_RECORDED);
}

void hc_hist_iter_percentiles(struct hc_hist_iter *it, const struct hc_hist *h,
                              int32_t ticks_per_half_distance)
{
    hist_iter_start(it, h, HIST_ITER_PERCENTILES);
    it->ticks = ticks_per_half_distance > 0 ? ticks_per_half_distance : 1;
    it->level = 0.0;
}

void hc_hist_iter_linear(struct hc_hist_iter *it, const struct hc_hist *h, int64_t value_units)
{
    hist_iter_start(it, h, HIST_ITER_LINEAR);
    it->step = value_units > 0 ? value_units : 1;
    it->band_top = it->step - 1;
}

/* Has the walk, standing at it->index, reached the next level to report? */
static bool hist_iter_reached(const struct hc_hist_iter *it, int64_t count_here)
{
    const struct hc_hist *h = it->h;
    switch (it->mode) {
    case HIST_ITER_RECORDED:
        return count_here != 0;
    case HIST_ITER_PERCENTILES:
        if (count_here == 0)
            return false;
        return 100.0 * (double)it->count_to_index / (double)it->total >= it->level;
    default:
        /* Linear: the band's top lies in this bucket (or we stand on the last slot). */
        return hist_value_at_index(h, it->index) >= hc_hist_lowest_equivalent(h, it->band_top) ||
               it->index >= h->counts_len - 1;
    }
}

/* Moves the reporting level past the step just reported. */
static void hist_iter_advance_level(struct hc_hist_iter *it)
{
    if (it->mode == HIST_ITER_PERCENTILES) {
        /* Fixed-size ticks within each half of the remaining distance to 100%, as HdrHistogram
         * prints them: the tick count doubles each time the distance halves. */
        double left = 100.0 - it->level;
        if (left <= 0.0) {
            it->level = INFINITY;
            return;
        }
        int64_t halvings = (int64_t)(log(100.0 / left) / log(2.0));
        double ticks = (double)it->ticks * ldexp(1.0, (int)HC_MIN(halvings + 1, 1000));
        it->level += 100.0 / ticks;
    } else if (it->mode == HIST_ITER_LINEAR) {
        it->band_top = it->band_top > INT64_MAX - it->step ? INT64_MAX : it->band_top + it->step;
    }
}

static bool hist_iter_more(struct hc_hist_iter *it)
{
    if (it->count_to_index < it->total)
        return true;
    if (it->mode == HIST_ITER_PERCENTILES && !it->last_step_done && it->total > 0) {
        /* One last step reports 100% at the final bucket. */
        it->level = 100.0;
        it->last_step_done = true;
        return true;
    }
    if (it->mode == HIST_ITER_LINEAR && it->index < it->h->counts_len - 1) {
        /* Keep reporting bands until the one holding the last recorded value is closed. */
        return it->band_top + 1 < hist_value_at_index(it->h, it->index + 1) &&
               it->band_top != INT64_MAX;
    }
    return false;
}

bool hc_hist_iter_next(struct hc_hist_iter *it)
{
    const struct hc_hist *h = it->h;
    if (!hist_iter_more(it))
        return false;
    while (it->index < h->counts_len) {
        int64_t count_here = h->counts[it->index];
        if (it->fresh) {
            it->count_to_index += count_here;
            it->fresh = false;
        }
        if (hist_iter_reached(it, count_here)) {
            int64_t v = hist_value_at_index(h, it->index);
            it->value =
                it->mode == HIST_ITER_LINEAR ? it->band_top : hc_hist_highest_equivalent(h, v);
            it->count_at_value = count_here;
            it->count_added = it->count_to_index - it->prev_count_to;
            it->count_to_value = it->count_to_index;
            it->percentile =
                it->total > 0 ? 100.0 * (double)it->count_to_index / (double)it->total : 0.0;
            it->percentile_level = it->mode == HIST_ITER_PERCENTILES ? it->level : it->percentile;
            it->prev_count_to = it->count_to_index;
            hist_iter_advance_level(it);
            if (it->mode == HIST_ITER_RECORDED) {
                it->index++;
                it->fresh = true;
            }
            return true;
        }
        it->index++;
        it->fresh = true;
    }
    return false;
}

int hc_hist_print_percentiles(const struct hc_hist *h, struct hc_buf *out,
                              int32_t ticks_per_half_distance, double value_scale)
{
    int rc = hc_buf_appendf(out, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount",
                            "1/(1-Percentile)");
    struct hc_hist_iter it;
    hc_hist_iter_percentiles(&it, h, ticks_per_half_distance);
    while (rc == 0 && hc_hist_iter_next(&it)) {
        double q = it.percentile_level / 100.0;
        double v = (double)it.value / value_scale;
        if (it.percentile_level != 100.0)
            rc = hc_buf_appendf(out, "%12.*f %2.12f %10lld %14.2f\n", (int)h->sigfigs, v, q,
                                (long long)it.count_to_value, 1.0 / (1.0 - q));
        else
            rc = hc_buf_appendf(out, "%12.*f %2.12f %10lld\n", (int)h->sigfigs, v, q,
                                (long long)it.count_to_value);
    }
    if (rc == 0)
        rc = hc_buf_appendf(out, "#[Mean    = %12.*f, StdDeviation   = %12.*f]\n", (int)h->sigfigs,
                            hc_hist_mean(h) / value_scale, (int)h->sigfigs,
                            hc_hist_stddev(h) / value_scale);
    if (rc == 0)
        rc = hc_buf_appendf(out, "#[Max     = %12.*f, Total count    = %12lld]\n", (int)h->sigfigs,
                            (double)hc_hist_max(h) / value_scale, (long long)h->total_count);
    if (rc == 0)
        rc = hc_buf_appendf(out, "#[Buckets = %12d, SubBuckets     = %12d]\n", h->bucket_count,
                            h->sub_count);
    return rc;
}
