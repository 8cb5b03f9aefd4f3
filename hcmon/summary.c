/*
 * summary.c: the overview figures of a target from two scrapes of its page.
 *
 * Redis and MySQL targets reach here as pages too (info.c writes their INFO and status as
 * exposition text under redis_ and mysql_ names), so one code path turns counters into rates
 * for all three kinds of target and a recording replays through the same computations.
 */
#include "summary.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hc/units.h"

static const struct {
    const char *name;
    enum summary_unit unit;
} summary_fields[SUMMARY_COUNT] = {
    [SUMMARY_UP] = {"up", SUMMARY_UNIT_NUMBER},
    [SUMMARY_SCRAPE_SECONDS] = {"scrape_seconds", SUMMARY_UNIT_SECONDS},
    [SUMMARY_REQUESTS] = {"requests", SUMMARY_UNIT_NUMBER},
    [SUMMARY_RATE] = {"rate", SUMMARY_UNIT_PER_SEC},
    [SUMMARY_ERRORS] = {"errors", SUMMARY_UNIT_NUMBER},
    [SUMMARY_ERROR_RATE] = {"error_rate", SUMMARY_UNIT_PER_SEC},
    [SUMMARY_ERROR_RATIO] = {"error_ratio", SUMMARY_UNIT_RATIO},
    [SUMMARY_P50] = {"p50", SUMMARY_UNIT_SECONDS},
    [SUMMARY_P99] = {"p99", SUMMARY_UNIT_SECONDS},
    [SUMMARY_P999] = {"p999", SUMMARY_UNIT_SECONDS},
    [SUMMARY_CONNECTIONS] = {"connections", SUMMARY_UNIT_NUMBER},
    [SUMMARY_HIT_RATIO] = {"hit_ratio", SUMMARY_UNIT_RATIO},
    [SUMMARY_POOL_QUEUE] = {"pool_queue", SUMMARY_UNIT_NUMBER},
    [SUMMARY_POOL_ACTIVE] = {"pool_active", SUMMARY_UNIT_NUMBER},
    [SUMMARY_REJECTED_RATE] = {"rejected_rate", SUMMARY_UNIT_PER_SEC},
    [SUMMARY_QUEUE_DEPTH] = {"queue_depth", SUMMARY_UNIT_NUMBER},
    [SUMMARY_QUEUE_OLDEST] = {"queue_oldest", SUMMARY_UNIT_SECONDS},
    [SUMMARY_SHARDS_DOWN] = {"shards_down", SUMMARY_UNIT_NUMBER},
    [SUMMARY_BREAKERS_OPEN] = {"breakers_open", SUMMARY_UNIT_NUMBER},
    [SUMMARY_SHED_RATE] = {"shed_rate", SUMMARY_UNIT_PER_SEC},
    [SUMMARY_LIMITED_RATE] = {"limited_rate", SUMMARY_UNIT_PER_SEC},
    [SUMMARY_OPS] = {"ops", SUMMARY_UNIT_PER_SEC},
    [SUMMARY_MEMORY] = {"memory", SUMMARY_UNIT_BYTES},
    [SUMMARY_CLIENTS] = {"clients", SUMMARY_UNIT_NUMBER},
    [SUMMARY_LAG] = {"lag", SUMMARY_UNIT_SECONDS},
    [SUMMARY_ROW_OPS] = {"row_ops", SUMMARY_UNIT_PER_SEC},
};

const char *summary_field_name(enum summary_field f)
{
    return (unsigned)f < SUMMARY_COUNT ? summary_fields[f].name : NULL;
}

enum summary_unit summary_field_unit(enum summary_field f)
{
    return (unsigned)f < SUMMARY_COUNT ? summary_fields[f].unit : SUMMARY_UNIT_NUMBER;
}

int summary_field_find(const char *name)
{
    if (strcmp(name, "p(50)") == 0)
        return SUMMARY_P50;
    if (strcmp(name, "p(99)") == 0)
        return SUMMARY_P99;
    if (strcmp(name, "p(99.9)") == 0 || strcmp(name, "p99.9") == 0)
        return SUMMARY_P999;
    for (int i = 0; i < SUMMARY_COUNT; i++) {
        if (strcmp(name, summary_fields[i].name) == 0)
            return i;
    }
    return -1;
}

void summary_clear(struct summary *s)
{
    for (size_t i = 0; i < SUMMARY_COUNT; i++)
        s->v[i] = NAN;
}

/* The sum of a family on page p, NaN when it has no sample. */
static double summary_sum(const struct hc_metrics_page *p, const char *name,
                          const char *const *match)
{
    size_t n = 0;
    double v = hc_metrics_page_sum(p, name, match, &n);
    return n > 0 ? v : NAN;
}

/* The largest value of a family on page p, NaN when it has no sample. */
static double summary_max(const struct hc_metrics_page *p, const char *name)
{
    double m = NAN;
    for (size_t i = 0; i < p->nsamples; i++) {
        if (strcmp(p->samples[i].name, name) == 0 && !(p->samples[i].value <= m))
            m = p->samples[i].value;
    }
    return m;
}

/* How many samples of a family satisfy v == want (eq) or v != want. */
static double summary_count_where(const struct hc_metrics_page *p, const char *name, double want,
                                  bool eq)
{
    double n = 0;
    bool any = false;
    for (size_t i = 0; i < p->nsamples; i++) {
        if (strcmp(p->samples[i].name, name) != 0)
            continue;
        any = true;
        if ((p->samples[i].value == want) == eq)
            n++;
    }
    return any ? n : NAN;
}

/* A counter's increase over the interval, or its whole value on the first sample. */
static double summary_window(const struct rate_index *prev, const struct hc_metrics_page *cur,
                             const char *name, const char *const *match)
{
    if (rate_index_page(prev) == NULL)
        return summary_sum(cur, name, match);
    if (hc_metrics_page_find(cur, name, match) == NULL)
        return NAN;
    return rate_family_increase(prev, cur, name, match);
}

/* A rate, NaN unless the family is on the page. */
static double summary_rate(const struct rate_index *prev, const struct hc_metrics_page *cur,
                           const char *name, double dt_s)
{
    if (hc_metrics_page_find(cur, name, NULL) == NULL)
        return NAN;
    return rate_family_rate(prev, cur, name, NULL, dt_s);
}

static double summary_ratio(double num, double den)
{
    if (isnan(num) || isnan(den) || den <= 0)
        return NAN;
    return num / den;
}

/* The 5xx share of hc_http_requests_total: code labels starting with '5'. */
static double summary_errors(const struct hc_metrics_page *p, const struct rate_index *prev,
                             bool increase)
{
    double sum = 0;
    bool any = false;
    for (size_t i = 0; i < p->nsamples; i++) {
        const struct hc_metrics_sample *s = &p->samples[i];
        if (strcmp(s->name, "hc_http_requests_total") != 0)
            continue;
        any = true;
        bool err = false;
        for (size_t l = 0; l < s->nlabels; l++) {
            if (strcmp(s->labels[l].name, "code") == 0 && s->labels[l].value[0] == '5')
                err = true;
        }
        if (!err)
            continue;
        if (increase) {
            const struct hc_metrics_sample *ps = rate_index_find(prev, s);
            sum += ps != NULL ? rate_increase(ps->value, s->value) : s->value;
        } else {
            sum += s->value;
        }
    }
    return any ? sum : NAN;
}

static void summary_http(struct summary *s, const struct rate_index *prev,
                         const struct hc_metrics_page *cur, double dt_s)
{
    bool have_prev = rate_index_page(prev) != NULL && dt_s > 0;
    s->v[SUMMARY_REQUESTS] = summary_sum(cur, "hc_http_requests_total", NULL);
    s->v[SUMMARY_ERRORS] = summary_errors(cur, prev, false);
    if (have_prev && !isnan(s->v[SUMMARY_REQUESTS])) {
        double all = rate_family_increase(prev, cur, "hc_http_requests_total", NULL);
        double errs = summary_errors(cur, prev, true);
        s->v[SUMMARY_RATE] = all / dt_s;
        s->v[SUMMARY_ERROR_RATE] = errs / dt_s;
        s->v[SUMMARY_ERROR_RATIO] = all > 0 ? errs / all : NAN;
    } else if (!have_prev) {
        s->v[SUMMARY_ERROR_RATIO] = summary_ratio(s->v[SUMMARY_ERRORS], s->v[SUMMARY_REQUESTS]);
    }
    static const char *const lat = "hc_http_request_duration_seconds";
    s->v[SUMMARY_P50] = rate_quantile(prev, cur, lat, NULL, 0.5, NULL);
    s->v[SUMMARY_P99] = rate_quantile(prev, cur, lat, NULL, 0.99, NULL);
    s->v[SUMMARY_P999] = rate_quantile(prev, cur, lat, NULL, 0.999, NULL);
    s->v[SUMMARY_CONNECTIONS] = summary_sum(cur, "hc_http_connections", NULL);
    double hits = summary_window(prev, cur, "hc_cache_hits_total", NULL);
    double misses = summary_window(prev, cur, "hc_cache_misses_total", NULL);
    s->v[SUMMARY_HIT_RATIO] = summary_ratio(hits, hits + misses);
    s->v[SUMMARY_POOL_QUEUE] = summary_sum(cur, "hc_pool_queue_depth", NULL);
    s->v[SUMMARY_POOL_ACTIVE] = summary_sum(cur, "hc_pool_active", NULL);
    s->v[SUMMARY_REJECTED_RATE] = summary_rate(prev, cur, "hc_pool_rejected_total", dt_s);
    s->v[SUMMARY_QUEUE_DEPTH] = summary_sum(cur, "hc_queue_depth", NULL);
    s->v[SUMMARY_QUEUE_OLDEST] = summary_max(cur, "hc_queue_oldest_age_seconds");
    s->v[SUMMARY_SHARDS_DOWN] = summary_count_where(cur, "hc_shard_up", 1, false);
    s->v[SUMMARY_BREAKERS_OPEN] = summary_count_where(cur, "hc_breaker_state", 0, false);
    s->v[SUMMARY_SHED_RATE] = summary_rate(prev, cur, "hc_degraded_total", dt_s);
    s->v[SUMMARY_LIMITED_RATE] = summary_rate(prev, cur, "hc_ratelimited_total", dt_s);
    s->v[SUMMARY_MEMORY] = summary_sum(cur, "process_resident_memory_bytes", NULL);
}

static void summary_redis(struct summary *s, const struct rate_index *prev,
                          const struct hc_metrics_page *cur, double dt_s)
{
    s->v[SUMMARY_OPS] = summary_rate(prev, cur, "redis_total_commands_processed_total", dt_s);
    if (isnan(s->v[SUMMARY_OPS]))
        s->v[SUMMARY_OPS] = summary_sum(cur, "redis_instantaneous_ops_per_sec", NULL);
    double hits = summary_window(prev, cur, "redis_keyspace_hits_total", NULL);
    double misses = summary_window(prev, cur, "redis_keyspace_misses_total", NULL);
    s->v[SUMMARY_HIT_RATIO] = summary_ratio(hits, hits + misses);
    s->v[SUMMARY_MEMORY] = summary_sum(cur, "redis_used_memory", NULL);
    s->v[SUMMARY_CLIENTS] = summary_sum(cur, "redis_connected_clients", NULL);
    s->v[SUMMARY_LAG] = summary_max(cur, "redis_slave_lag");
}

static void summary_mysql(struct summary *s, const struct rate_index *prev,
                          const struct hc_metrics_page *cur, double dt_s)
{
    s->v[SUMMARY_OPS] = summary_rate(prev, cur, "mysql_questions_total", dt_s);
    s->v[SUMMARY_CLIENTS] = summary_sum(cur, "mysql_threads_connected", NULL);
    s->v[SUMMARY_LAG] = summary_sum(cur, "mysql_replica_lag_seconds", NULL);
    /* MySQL counts InnoDB's row operations; MariaDB (which dropped Innodb_rows_*) counts
     * rows read and the handler's row writes, updates and deletes. */
    static const char *const rows[] = {
        "mysql_innodb_rows_read_total", "mysql_innodb_rows_inserted_total",
        "mysql_innodb_rows_updated_total", "mysql_innodb_rows_deleted_total"};
    static const char *const mariadb_rows[] = {"mysql_rows_read_total", "mysql_handler_write_total",
                                               "mysql_handler_update_total",
                                               "mysql_handler_delete_total"};
    bool innodb = hc_metrics_page_find(cur, rows[0], NULL) != NULL;
    double sum = NAN;
    for (size_t i = 0; i < HC_ARRAY_LEN(rows); i++) {
        double r = summary_rate(prev, cur, innodb ? rows[i] : mariadb_rows[i], dt_s);
        if (!isnan(r))
            sum = isnan(sum) ? r : sum + r;
    }
    s->v[SUMMARY_ROW_OPS] = sum;
    double reads = summary_window(prev, cur, "mysql_innodb_buffer_pool_read_requests_total", NULL);
    double disk = summary_window(prev, cur, "mysql_innodb_buffer_pool_reads_total", NULL);
    s->v[SUMMARY_HIT_RATIO] = summary_ratio(reads - disk, reads);
}

void summary_compute(struct summary *s, enum target_kind kind, const struct rate_index *prev,
                     const struct hc_metrics_page *cur, double dt_s)
{
    summary_clear(s);
    s->v[SUMMARY_UP] = 1;
    if (cur == NULL)
        return;
    switch (kind) {
    case TARGET_HTTP:
        summary_http(s, prev, cur, dt_s);
        break;
    case TARGET_REDIS:
        summary_redis(s, prev, cur, dt_s);
        break;
    case TARGET_MYSQL:
        summary_mysql(s, prev, cur, dt_s);
        break;
    }
}

void summary_format(enum summary_field f, double v, char *dst, size_t dstlen)
{
    if (dstlen == 0)
        return;
    if (isnan(v)) {
        snprintf(dst, dstlen, "-");
        return;
    }
    char tmp[HC_UNITS_FMT_MAX];
    switch (summary_field_unit(f)) {
    case SUMMARY_UNIT_SECONDS:
        if (fabs(v) < 9e9)
            hc_units_format_duration((int64_t)llround(v * 1e9), tmp, sizeof(tmp));
        else
            snprintf(tmp, sizeof(tmp), "%.3gs", v);
        break;
    case SUMMARY_UNIT_PER_SEC:
        hc_units_format_rate(v, tmp, sizeof(tmp));
        break;
    case SUMMARY_UNIT_RATIO:
        snprintf(tmp, sizeof(tmp), "%.1f%%", v * 100);
        break;
    case SUMMARY_UNIT_BYTES:
        hc_units_format_size(v > 0 ? (uint64_t)v : 0, tmp, sizeof(tmp));
        break;
    case SUMMARY_UNIT_NUMBER:
    default:
        if (v > -1e7 && v < 1e7 && v == floor(v))
            snprintf(tmp, sizeof(tmp), "%.0f", v); /* exact, as the endpoint says it */
        else if (v >= 0 && v < 1e19 && v == floor(v))
            hc_units_format_count((uint64_t)v, tmp, sizeof(tmp));
        else
            snprintf(tmp, sizeof(tmp), "%.3g", v);
        break;
    }
    snprintf(dst, dstlen, "%s", tmp);
}
