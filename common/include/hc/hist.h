/*
 * hc/hist.h: HDR histograms (HdrHistogram's layout), their V2 compressed encoding, and
 * HdrHistogram interval logs (.hlog).
 *
 * A histogram counts int64 values between 0 and a highest trackable value with a fixed number
 * of significant decimal digits of precision. Its memory is fixed at creation: buckets double
 * in width, each split into sub-buckets, exactly as HdrHistogram lays them out, so a count
 * array index here is the same index in HdrHistogram (Java or C) and encoded histograms travel
 * between them unchanged.
 *
 * Recording (hc_hist_record) is a static inline of a few instructions with no allocation: it is
 * made for one call per request on a load generator's hot path. A histogram is not thread-safe:
 * each thread records into its own and the owner merges them with hc_hist_add at the end.
 *
 * Reported values follow HdrHistogram: a value stands for its bucket, so the minimum is the
 * lowest value equivalent to the smallest recorded value, the maximum and percentiles are the
 * highest value equivalent to theirs, and the mean and deviation use bucket midpoints.
 */
#ifndef HC_HIST_H
#define HC_HIST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hc/buf.h"
#include "hc/core.h"
#include "hc/limits.h"

struct hc_hist {
    int64_t lowest;             /* lowest discernible value (>= 1) */
    int64_t highest;            /* highest trackable value (>= 2 * lowest) */
    int32_t sigfigs;            /* significant decimal digits kept, 1..5 */
    int32_t unit_magnitude;     /* floor(log2(lowest)): values below 2^this share index 0 */
    int32_t sub_half_magnitude; /* log2(sub_half_count) */
    int32_t sub_count;          /* sub-buckets in bucket 0 (a power of 2) */
    int32_t sub_half_count;     /* sub_count / 2: the sub-buckets each later bucket adds */
    int32_t bucket_count;       /* buckets needed to reach highest */
    int64_t sub_mask;           /* (sub_count - 1) << unit_magnitude */
    int32_t counts_len;         /* entries in counts */
    int64_t total_count;        /* sum of counts */
    int64_t min_value;          /* smallest non-zero value recorded, INT64_MAX when none */
    int64_t max_value;          /* largest value recorded, 0 when none */
    int64_t out_of_range;       /* values refused by record because they were < 0 or > range */
    int64_t *counts;            /* counts_len counters, owned */
};

/*
 * hc_hist_new: a zeroed histogram tracking lowest..highest with sigfigs digits of precision.
 * lowest >= 1, highest >= 2 * lowest, sigfigs 1..5 (3 is the usual choice), and the layout
 * must fit HdrHistogram's limits. Returns 0 and sets *out (free with hc_hist_free), or -EINVAL.
 */
int hc_hist_new(int64_t lowest, int64_t highest, int sigfigs, struct hc_hist **out);

/*
 * hc_hist_counts_len: the number of count slots (8 bytes each) hc_hist_new would allocate for
 * these arguments, or -EINVAL when it would refuse them.
 */
int64_t hc_hist_counts_len(int64_t lowest, int64_t highest, int sigfigs);

/* Frees the histogram and its counts. Accepts NULL. */
void hc_hist_free(struct hc_hist *h);

/* Zeroes every count, the total, min, max and the out-of-range tally; keeps the layout. */
void hc_hist_reset(struct hc_hist *h);

/* The counts index of v >= 0 (internal to the inlines below; may be >= counts_len). */
static inline int32_t hc_hist__index(const struct hc_hist *h, int64_t v)
{
    int32_t pow2ceil = 64 - __builtin_clzll((uint64_t)v | (uint64_t)h->sub_mask);
    int32_t bucket = pow2ceil - h->unit_magnitude - (h->sub_half_magnitude + 1);
    int32_t sub = (int32_t)(v >> (bucket + h->unit_magnitude));
    return ((bucket + 1) << h->sub_half_magnitude) + (sub - h->sub_half_count);
}

/*
 * hc_hist_record_n: counts value v n times (n >= 1). Returns true, or false when v is negative
 * or above the histogram's range: then nothing is counted except h->out_of_range (by n).
 */
static inline bool hc_hist_record_n(struct hc_hist *h, int64_t v, int64_t n)
{
    if (HC_UNLIKELY(v < 0)) {
        h->out_of_range += n;
        return false;
    }
    int32_t i = hc_hist__index(h, v);
    if (HC_UNLIKELY(i >= h->counts_len)) {
        h->out_of_range += n;
        return false;
    }
    h->counts[i] += n;
    h->total_count += n;
    if (v > h->max_value)
        h->max_value = v;
    if (v < h->min_value && v != 0)
        h->min_value = v;
    return true;
}

/* hc_hist_record: counts value v once; true, or false when v is out of range (see above). */
static inline bool hc_hist_record(struct hc_hist *h, int64_t v)
{
    return hc_hist_record_n(h, v, 1);
}

/*
 * hc_hist_record_corrected: records v, then corrects for coordinated omission as HdrHistogram's
 * recordValueWithExpectedInterval does: when expected_interval > 0, also records the values a
 * stalled sender would have measured, v - interval, v - 2 * interval, ... down to the last that
 * is >= expected_interval. Runs of those values in one bucket are counted at once, so the cost
 * is bounded by the bucket count, not by v / interval. Returns false (recording nothing) when v
 * is out of range.
 */
bool hc_hist_record_corrected(struct hc_hist *h, int64_t v, int64_t expected_interval);

/*
 * hc_hist_add: adds every count of src into dst. The two may differ in range and precision:
 * when their layouts match, counts add index by index; otherwise each src bucket is recorded
 * at its lowest value. Returns the number of src values dropped because they lie beyond dst's
 * range (0 when everything fit). src's out-of-range tally is added to dst's.
 */
int64_t hc_hist_add(struct hc_hist *dst, const struct hc_hist *src);

/*
 * hc_hist_value_at_percentile: the value at percentile p (0..100, clamped), with HdrHistogram's
 * semantics: the highest value equivalent to the bucket where the cumulative count first
 * reaches ceil(p / 100 * total) (at least 1). p = 0 gives hc_hist_min, p = 100 hc_hist_max.
 * 0 for an empty histogram.
 */
int64_t hc_hist_value_at_percentile(const struct hc_hist *h, double p);

/* Smallest recorded value's lowest equivalent (0 if 0 was recorded or nothing was). */
int64_t hc_hist_min(const struct hc_hist *h);
/* Largest recorded value's highest equivalent (0 when empty). */
int64_t hc_hist_max(const struct hc_hist *h);
/* Mean and standard deviation over bucket midpoints (0 when empty). */
double hc_hist_mean(const struct hc_hist *h);
double hc_hist_stddev(const struct hc_hist *h);
/* Number of values recorded (out-of-range values excluded). */
int64_t hc_hist_total_count(const struct hc_hist *h);
/* The count in v's bucket (0 when v is out of range). */
int64_t hc_hist_count_at(const struct hc_hist *h, int64_t v);

/*
 * Equivalence: values that share a bucket are equivalent. For v >= 0: the size of v's bucket,
 * its lowest and highest values, its midpoint, and the first value of the next bucket.
 */
int64_t hc_hist_equivalent_range(const struct hc_hist *h, int64_t v);
int64_t hc_hist_lowest_equivalent(const struct hc_hist *h, int64_t v);
int64_t hc_hist_highest_equivalent(const struct hc_hist *h, int64_t v);
int64_t hc_hist_median_equivalent(const struct hc_hist *h, int64_t v);
int64_t hc_hist_next_non_equivalent(const struct hc_hist *h, int64_t v);

/* True when a and b have the same bucket layout (counts index identically). */
bool hc_hist_same_layout(const struct hc_hist *a, const struct hc_hist *b);

/*
 * Iteration, as HdrHistogram's iterators: initialise with one of the hc_hist_iter_* functions,
 * then call hc_hist_iter_next until it returns false; each true fills the public fields.
 * The histogram must not change during an iteration. The struct lives in caller storage and
 * owns nothing.
 *
 * - recorded: one step per non-empty bucket; value = the bucket's highest equivalent.
 * - percentiles: the percentile spectrum HdrHistogram and wrk2 print: levels advance in
 *   ticks_per_half_distance equal steps for each halving of the distance to 100%, a step is
 *   reported at the first bucket whose cumulative percentile reaches the level, and a final
 *   step reports 100%. value = highest equivalent of that bucket.
 * - linear: one step per value_units wide band from 0 to past the maximum; value = the band's
 *   top (band n ends at (n + 1) * value_units - 1).
 */
struct hc_hist_iter {
    /* public, filled by each successful next */
    int64_t value;           /* value iterated to (see above) */
    int64_t count_at_value;  /* count in the bucket the step stopped at */
    int64_t count_added;     /* values counted since the previous step */
    int64_t count_to_value;  /* values at or below this step */
    double percentile;       /* 100 * count_to_value / total */
    double percentile_level; /* percentile iterator: the level this step reports */

    /* private */
    const struct hc_hist *h;
    int mode;               /* which iterator */
    int32_t index;          /* current counts index */
    bool fresh;             /* index not yet added to count_to_index */
    bool last_step_done;    /* percentiles: the final 100% step was given */
    int64_t total;          /* h->total_count at start */
    int64_t count_to_index; /* cumulative count through index */
    int64_t prev_count_to;  /* count_to_index at the previous step */
    int32_t ticks;          /* percentiles: ticks per half distance */
    double level;           /* percentiles: next level to report */
    int64_t step;           /* linear: band width */
    int64_t band_top;       /* linear: top of the current band */
};

void hc_hist_iter_recorded(struct hc_hist_iter *it, const struct hc_hist *h);
/* ticks_per_half_distance >= 1 (HdrHistogram's tools use 5). */
void hc_hist_iter_percentiles(struct hc_hist_iter *it, const struct hc_hist *h,
                              int32_t ticks_per_half_distance);
/* value_units >= 1. */
void hc_hist_iter_linear(struct hc_hist_iter *it, const struct hc_hist *h, int64_t value_units);
bool hc_hist_iter_next(struct hc_hist_iter *it);

/*
 * hc_hist_print_percentiles: appends h's percentile spectrum to out in HdrHistogram's text
 * form (the .hgrm table: Value, Percentile, TotalCount, 1/(1-Percentile), then the Mean, Max
 * and bucket summary lines), values divided by value_scale (1e6 prints ns as ms), with
 * ticks_per_half_distance steps (5 is HdrHistogram's default). 0 or HC_ETOOLARGE from out.
 */
int hc_hist_print_percentiles(const struct hc_hist *h, struct hc_buf *out,
                              int32_t ticks_per_half_distance, double value_scale);

/*
 * Encoding: HdrHistogram's V2 compressed form, base64 (the "HISTF..." strings of .hlog files):
 * a compressed cookie and length, then zlib-deflated V2 cookie, payload length, normalizing
 * offset, significant digits, lowest, highest, conversion ratio and the counts as ZigZag
 * LEB128 integers (runs of zeros as negative numbers), all big-endian.
 *
 * hc_hist_encode appends the base64 text (no NUL counted, no newline) to out: 0, or
 * HC_ETOOLARGE when out's cap is reached (out then holds a partial blob the caller drops).
 */
int hc_hist_encode(const struct hc_hist *h, struct hc_buf *out);

/*
 * hc_hist_decode: a new histogram from len bytes of base64 text. Accepts the V2 compressed
 * form; V0 and V1 cookies give -ENOTSUP; anything malformed (bad base64, cookie, lengths,
 * layout, counts past the range or overflowing) gives HC_ECODEC; text or layouts beyond the
 * bounds in limits.h give HC_ETOOLARGE. On success returns 0 and sets *out (caller frees).
 */
int hc_hist_decode(const char *b64, size_t len, struct hc_hist **out);

/*
 * Interval logs (.hlog), HdrHistogram's "Histogram log format version 1.3": comment lines
 * starting with '#', among them "#[StartTime: <sec> ...]" and "#[BaseTime: <sec> ...]", a CSV
 * legend, then one line per interval: [Tag=<tag>,]<start>,<length>,<max>,<HISTF blob>, with
 * start relative to the base time, seconds with millisecond digits, and max divided by a ratio
 * (1e6 by default: ns recorded, ms written, what HdrHistogram's tools expect).
 */
#define HC_HLOG_DEFAULT_MAX_RATIO 1000000.0

struct hc_hlog_writer {
    struct hc_buf *out; /* destination buffer, or NULL */
    FILE *file;         /* destination stream when out is NULL (not owned) */
    double max_ratio;   /* interval max is written as max / max_ratio */
    double base_sec;    /* interval starts are written relative to this (epoch seconds) */
    struct hc_buf line; /* scratch for one line */
};

/*
 * hc_hlog_writer_init: a writer appending to out (when not NULL) or else writing to file.
 * max_ratio <= 0 selects HC_HLOG_DEFAULT_MAX_RATIO. Release with hc_hlog_writer_destroy (which
 * neither closes file nor frees out).
 */
void hc_hlog_writer_init(struct hc_hlog_writer *w, struct hc_buf *out, FILE *file,
                         double max_ratio);
void hc_hlog_writer_destroy(struct hc_hlog_writer *w);

/*
 * hc_hlog_writer_header: the version line, "#[StartTime: ...]" for start_sec (epoch seconds,
 * with its UTC date), "#[BaseTime: ...]" for base_sec, and the CSV legend. Later interval
 * starts are written relative to base_sec. 0, HC_ETOOLARGE (buffer) or -EIO (stream).
 */
int hc_hlog_writer_header(struct hc_hlog_writer *w, double start_sec, double base_sec);

/* Appends "#<text>" as a comment line; text must not contain a newline (-EINVAL). */
int hc_hlog_writer_comment(struct hc_hlog_writer *w, const char *text);

/*
 * hc_hlog_writer_interval: one interval line for h, covering start_sec (epoch seconds) for
 * length_sec. tag may be NULL; otherwise 1..HC_HLOG_MAX_TAG_BYTES bytes with no ',', space,
 * control character (-EINVAL). 0, -EINVAL, HC_ETOOLARGE or -EIO.
 */
int hc_hlog_writer_interval(struct hc_hlog_writer *w, const char *tag, double start_sec,
                            double length_sec, const struct hc_hist *h);

/* One interval read back by hc_hlog_reader_next. */
struct hc_hlog_entry {
    char tag[HC_HLOG_MAX_TAG_BYTES + 1]; /* "" when the line has no tag */
    double start_sec;                    /* start as written (relative to the base time) */
    double abs_start_sec;                /* start_sec + the log's base time (epoch seconds) */
    double length_sec;                   /* interval length */
    double max;                          /* interval max as written (in the writer's ratio units) */
    struct hc_hist *hist;                /* the decoded histogram; the caller owns and frees it */
};

struct hc_hlog_reader;

/*
 * hc_hlog_reader_new: a reader over file (not owned, read sequentially) or, when file is NULL,
 * over len bytes at data (not copied: they must outlive the reader). Always succeeds (0).
 */
int hc_hlog_reader_new(FILE *file, const char *data, size_t len, struct hc_hlog_reader **out);
void hc_hlog_reader_free(struct hc_hlog_reader *r);

/*
 * hc_hlog_reader_next: reads lines up to the next interval line, taking in StartTime, BaseTime
 * and skipping comments, the legend, blank lines and CR of CRLF endings. Returns 1 with *e
 * filled (e->hist owned by the caller), 0 at end of input, or a negative code for a malformed
 * line (HC_ESYNTAX, HC_ECODEC, -ENOTSUP, HC_ETOOLARGE for a line past HC_HLOG_MAX_LINE_BYTES,
 * -EIO): then hc_hlog_reader_error names the line ("line 7: ..."). After an error the reader
 * may continue with the next line.
 */
int hc_hlog_reader_next(struct hc_hlog_reader *r, struct hc_hlog_entry *e);

/* The last error's message ("" if none), valid until the next call. */
const char *hc_hlog_reader_error(const struct hc_hlog_reader *r);
/* StartTime and BaseTime seen so far (epoch seconds; 0 when absent). */
double hc_hlog_reader_start_time(const struct hc_hlog_reader *r);
double hc_hlog_reader_base_time(const struct hc_hlog_reader *r);
/* Number of the last line read (1-based). */
long hc_hlog_reader_line(const struct hc_hlog_reader *r);

#endif
