/*
 * summary.h: the figures of one target at one sample, as the overview panel, the JSON lines
 * and the alert expressions know them: request and error rates, latency quantiles, cache hit
 * ratio, pool and queue backlogs, shards down, breakers open; for Redis, operations per
 * second, hit ratio, memory and clients; for MySQL, queries per second, threads and
 * replication lag.
 *
 * Every figure is a double in base units (seconds, bytes, per second, a ratio 0..1), NaN when
 * the target does not have it or it needs an earlier sample (rates on the first one). Each has
 * a name, which is what `--alert 'p99 > 50ms'` and the JSON keys use.
 */
#ifndef HCMON_SUMMARY_H
#define HCMON_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "hc/metrics.h"
#include "rate.h"
#include "target.h"

enum summary_field {
    SUMMARY_UP = 0,         /* 1 when the last scrape worked, 0 when the target is down */
    SUMMARY_SCRAPE_SECONDS, /* how long the scrape took */
    SUMMARY_REQUESTS,       /* hc_http_requests_total, summed */
    SUMMARY_RATE,           /* requests per second */
    SUMMARY_ERRORS,         /* requests answered 5xx, summed */
    SUMMARY_ERROR_RATE,     /* 5xx per second */
    SUMMARY_ERROR_RATIO,    /* 5xx / all over the interval */
    SUMMARY_P50,            /* request latency quantiles over the interval, seconds */
    SUMMARY_P99,
    SUMMARY_P999,
    SUMMARY_CONNECTIONS,   /* open client connections */
    SUMMARY_HIT_RATIO,     /* cache hits / lookups over the interval (Redis: keyspace) */
    SUMMARY_POOL_QUEUE,    /* tasks waiting in every pool */
    SUMMARY_POOL_ACTIVE,   /* workers busy in every pool */
    SUMMARY_REJECTED_RATE, /* pool rejections per second */
    SUMMARY_QUEUE_DEPTH,   /* messages waiting in every queue */
    SUMMARY_QUEUE_OLDEST,  /* the age of the oldest waiting message, seconds */
    SUMMARY_SHARDS_DOWN,   /* shards (any role) not answering */
    SUMMARY_BREAKERS_OPEN, /* circuit breakers open or half-open */
    SUMMARY_SHED_RATE,     /* requests shed by degradation per second */
    SUMMARY_LIMITED_RATE,  /* requests refused by rate limiting per second */
    SUMMARY_OPS,           /* Redis commands / MySQL queries per second */
    SUMMARY_MEMORY,        /* Redis used memory / process resident memory, bytes */
    SUMMARY_CLIENTS,       /* Redis connected clients / MySQL threads connected */
    SUMMARY_LAG,           /* replication lag, seconds */
    SUMMARY_ROW_OPS,       /* MySQL rows read + inserted + updated + deleted per second */
    SUMMARY_COUNT,
};

/* How a figure is shown and parsed. */
enum summary_unit {
    SUMMARY_UNIT_NUMBER = 0, /* a plain number or count */
    SUMMARY_UNIT_SECONDS,    /* a duration */
    SUMMARY_UNIT_PER_SEC,    /* a rate */
    SUMMARY_UNIT_RATIO,      /* 0..1, shown as a percentage */
    SUMMARY_UNIT_BYTES,      /* a size */
};

struct summary {
    double v[SUMMARY_COUNT]; /* by enum summary_field; NaN: not available */
};

/* The name of a field ("p99", "error_ratio"), or NULL past the end. */
const char *summary_field_name(enum summary_field f);

/* The unit of a field. */
enum summary_unit summary_field_unit(enum summary_field f);

/* The field called name (also "p(99)" and "p(99.9)", hcload's spelling), or -1. */
int summary_field_find(const char *name);

/* Sets every field to NaN. */
void summary_clear(struct summary *s);

/*
 * Fills s from the target's page cur and the previous one (prev, its index; NULL on the
 * first sample), dt_s seconds apart. Rates need prev; quantiles and the hit ratio use the
 * interval's increase, or the whole history of the counters on the first sample. UP is 1.
 */
void summary_compute(struct summary *s, enum target_kind kind, const struct rate_index *prev,
                     const struct hc_metrics_page *cur, double dt_s);

/* Formats field f's value for a screen: "1.23ms", "12.5k" (rates), "97.1%", "3.20MiB", whole
 * numbers below 10^7 exactly ("127947"), "-" for NaN. */
void summary_format(enum summary_field f, double v, char *dst, size_t dstlen);

#endif
