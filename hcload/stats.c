/*
 * stats.c: per-thread counters and their merge. Kept apart from the worker so the summary and
 * the JSON writer see one plain structure and never the engine.
 */
#include "stats.h"

#include <string.h>

int stats_new_hist(struct hc_hist **out)
{
    return hc_hist_new(STATS_HIST_LOWEST, STATS_HIST_HIGHEST, STATS_HIST_SIGFIGS, out);
}

int stats_init(struct stats *s)
{
    memset(s, 0, sizeof(*s));
    int rc = stats_new_hist(&s->lat);
    if (rc == 0)
        rc = stats_new_hist(&s->raw);
    return rc;
}

void stats_destroy(struct stats *s)
{
    if (s == NULL)
        return;
    hc_hist_free(s->lat);
    hc_hist_free(s->raw);
    s->lat = NULL;
    s->raw = NULL;
}

void stats_add(struct stats *dst, const struct stats *src)
{
    dst->responses += src->responses;
    for (int i = 0; i < STATS_STATUS_MAX; i++)
        dst->status[i] += src->status[i];
    dst->status_other += src->status_other;
    for (int i = 0; i < HC_CLIENT_ERR_KINDS; i++)
        dst->errors[i] += src->errors[i];
    dst->bytes_read += src->bytes_read;
    dst->bytes_written += src->bytes_written;
    dst->connects += src->connects;
    dst->sent += src->sent;
    dst->queued += src->queued;
    dst->unsent += src->unsent;
    hc_hist_add(dst->lat, src->lat);
    hc_hist_add(dst->raw, src->raw);
}

uint64_t stats_errors_total(const struct stats *s)
{
    uint64_t n = 0;
    for (int i = 0; i < HC_CLIENT_ERR_KINDS; i++)
        n += s->errors[i];
    return n;
}

uint64_t stats_non_2xx_3xx(const struct stats *s)
{
    uint64_t ok = 0;
    for (int i = 200; i < 400; i++)
        ok += s->status[i];
    return s->responses - ok;
}
