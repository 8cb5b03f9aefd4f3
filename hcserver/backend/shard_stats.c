/*
 * shard_stats.c: a shard's hc_shard_* series. The families are registered by whoever asks
 * first and found again by the others (the registry returns an existing family of the same
 * name, type and labels), so a backend's parts need not share a pointer to count together.
 */
#include "backend/shard_stats.h"

#include <stdio.h>
#include <string.h>

#include "hc/core.h"

void shard_stats_init(struct shard_stats *st, struct hc_metrics *m, unsigned shard,
                      const char *role)
{
    static const double lat[] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                 0.005,   0.01,   0.025,   0.05,   0.1,   0.5};
    static const double sizes[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096};
    struct hc_metrics_family *f;
    char num[16];
    const char *v[2] = {num, role};

    memset(st, 0, sizeof(*st));
    if (m == NULL)
        return;
    snprintf(num, sizeof(num), "%u", shard);
    if (hc_metrics_register_counter(m, "hc_shard_queries_total",
                                    "Statements and transactions run on a shard.", "shard,role",
                                    &f) == 0)
        hc_metrics_counter_get(f, v, &st->queries);
    if (hc_metrics_register_counter(m, "hc_shard_errors_total",
                                    "Statements and transactions on a shard that failed.",
                                    "shard,role", &f) == 0)
        hc_metrics_counter_get(f, v, &st->errors);
    if (hc_metrics_register_histogram(m, "hc_shard_query_duration_seconds",
                                      "Time of a read, or of a whole committed write batch.",
                                      "shard,role", lat, HC_ARRAY_LEN(lat), &f) == 0)
        hc_metrics_histogram_get(f, v, &st->latency);
    if (hc_metrics_register_gauge(m, "hc_shard_up", "1 while the shard answers, else 0.",
                                  "shard,role", &f) == 0)
        hc_metrics_gauge_get(f, v, &st->up);
    if (hc_metrics_register_histogram(m, "hc_shard_commit_batch_size",
                                      "Writes committed together in one transaction (group "
                                      "commit).",
                                      "shard,role", sizes, HC_ARRAY_LEN(sizes), &f) == 0)
        hc_metrics_histogram_get(f, v, &st->batch);
    if (st->queries == NULL || st->errors == NULL || st->latency == NULL || st->up == NULL ||
        st->batch == NULL)
        memset(st, 0, sizeof(*st));
    else
        hc_metrics_gauge_set(st->up, 1.0);
}

void shard_stats_observe(const struct shard_stats *st, int64_t start_ns, bool ok)
{
    if (st->queries == NULL)
        return;
    hc_metrics_counter_inc(st->queries);
    if (!ok)
        hc_metrics_counter_inc(st->errors);
    hc_metrics_histogram_observe(st->latency, (double)(hc_now_ns() - start_ns) / HC_NSEC_PER_SEC);
}

void shard_stats_batch(const struct shard_stats *st, size_t n, bool ok)
{
    if (st->up == NULL)
        return;
    hc_metrics_gauge_set(st->up, ok ? 1.0 : 0.0);
    hc_metrics_histogram_observe(st->batch, (double)n);
}

void shard_stats_up(const struct shard_stats *st, bool up)
{
    if (st->up != NULL)
        hc_metrics_gauge_set(st->up, up ? 1.0 : 0.0);
}
