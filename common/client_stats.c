/*
 * client_stats.c: per-thread counters and their merge, the client's statistics consumer. Kept
 * apart from the worker so a summary or a JSON writer sees one plain structure and never the
 * engine.
 */
#include "hc/client.h"

#include <string.h>

int hc_client_stats_new_hist(struct hc_hist **out)
{
    return hc_hist_new(HC_CLIENT_HIST_LOWEST, HC_CLIENT_HIST_HIGHEST, HC_CLIENT_HIST_SIGFIGS, out);
}

int hc_client_stats_init(struct hc_client_stats *s)
{
    memset(s, 0, sizeof(*s));
    int rc = hc_client_stats_new_hist(&s->lat);
    if (rc == 0)
        rc = hc_client_stats_new_hist(&s->raw);
    return rc;
}

void hc_client_stats_destroy(struct hc_client_stats *s)
{
    if (s == NULL)
        return;
    hc_hist_free(s->lat);
    hc_hist_free(s->raw);
    s->lat = NULL;
    s->raw = NULL;
    for (int i = 0; i < HC_CLIENT_STATUS_CLASSES; i++) {
        hc_hist_free(s->class_lat[i]);
        hc_hist_free(s->class_raw[i]);
        s->class_lat[i] = NULL;
        s->class_raw[i] = NULL;
    }
}

/* Makes class k's histograms of s if it has none. 0, or as hc_hist_new. */
static int class_make(struct hc_client_stats *s, int k)
{
    int rc = 0;

    if (s->class_lat[k] == NULL)
        rc = hc_client_stats_new_hist(&s->class_lat[k]);
    if (rc == 0 && s->class_raw[k] == NULL)
        rc = hc_client_stats_new_hist(&s->class_raw[k]);
    return rc;
}

void hc_client_stats_class(struct hc_client_stats *s, int status, int64_t lat_ns, int64_t raw_ns)
{
    int k = status / 100 - 1;

    if (status < 100 || k >= HC_CLIENT_STATUS_CLASSES || class_make(s, k) < 0)
        return;
    hc_hist_record(s->class_lat[k], lat_ns);
    hc_hist_record(s->class_raw[k], raw_ns);
}

void hc_client_stats_add(struct hc_client_stats *dst, const struct hc_client_stats *src)
{
    dst->responses += src->responses;
    for (int i = 0; i < HC_CLIENT_STATUS_MAX; i++)
        dst->status[i] += src->status[i];
    dst->status_other += src->status_other;
    for (int i = 0; i < HC_CLIENT_ERR_KINDS; i++)
        dst->errors[i] += src->errors[i];
    dst->bytes_read += src->bytes_read;
    dst->bytes_written += src->bytes_written;
    dst->connects += src->connects;
    dst->tls_handshakes += src->tls_handshakes;
    dst->tls_resumed += src->tls_resumed;
    dst->connect_ns += src->connect_ns;
    dst->tls_ns += src->tls_ns;
    dst->first_bytes += src->first_bytes;
    dst->first_byte_ns += src->first_byte_ns;
    dst->h2_goaways += src->h2_goaways;
    dst->h2_resets += src->h2_resets;
    dst->sent += src->sent;
    dst->queued += src->queued;
    dst->unsent += src->unsent;
    dst->http2 += src->http2;
    hc_hist_add(dst->lat, src->lat);
    hc_hist_add(dst->raw, src->raw);
    for (int k = 0; k < HC_CLIENT_STATUS_CLASSES; k++) {
        if (src->class_lat[k] == NULL || class_make(dst, k) < 0)
            continue;
        hc_hist_add(dst->class_lat[k], src->class_lat[k]);
        hc_hist_add(dst->class_raw[k], src->class_raw[k]);
    }
}

uint64_t hc_client_stats_errors_total(const struct hc_client_stats *s)
{
    uint64_t n = 0;
    for (int i = 0; i < HC_CLIENT_ERR_KINDS; i++)
        n += s->errors[i];
    return n;
}

uint64_t hc_client_stats_non_2xx_3xx(const struct hc_client_stats *s)
{
    uint64_t ok = 0;
    for (int i = 200; i < 400; i++)
        ok += s->status[i];
    return s->responses - ok;
}
