/*
 * scrape.h: fetching one sample of a target as exposition text: GET of an http(s) endpoint
 * through libcurl, INFO (and XLEN of the configured streams) through hiredis, SHOW GLOBAL
 * STATUS and the replica status through libmariadb, the last two written as text by info.c.
 *
 * A scraper belongs to one poller thread and keeps its connection open between samples
 * (HTTP keep-alive, one Redis or MySQL session), reconnecting after a failure. Every call is
 * bounded in time (connect and whole-call timeouts) and in size (the page cap): a target
 * that stalls, resets or sends too much fails with a reason, never blocks past the timeout.
 */
#ifndef HCMON_SCRAPE_H
#define HCMON_SCRAPE_H

#include <stddef.h>
#include <stdint.h>

#include "hc/buf.h"
#include "hc/opt.h"
#include "target.h"

struct scrape_config {
    int64_t timeout_ns;                /* the most one sample may take, connect included */
    size_t max_page;                   /* the largest page (or reply) accepted, bytes */
    const char *mysql_password;        /* for mysql:// targets, or NULL */
    const char *redis_password;        /* for redis:// targets (AUTH), or NULL */
    const struct hc_opt_list *streams; /* Redis streams whose XLEN is shown */
    bool insecure;                     /* https: do not verify certificates */
};

struct scrape_session;

/* A scraper for target t (which, like cfg, must outlive it). Never fails: connecting
 * happens at the first fetch. */
struct scrape_session *scrape_new(const struct target *t, const struct scrape_config *cfg);

/* Frees the scraper and closes its connection. Accepts NULL. */
void scrape_free(struct scrape_session *s);

/*
 * Takes one sample: the page text replaces out's content. Returns 0, or a negative code
 * with a one-line reason in err ("connection refused", "timed out after 2s", "HTTP 503",
 * "page larger than 32.0MiB", "Redis: NOAUTH ..."): the target is down.
 */
int scrape_fetch(struct scrape_session *s, struct hc_buf *out, char *err, size_t errlen);

/* Once per process, before any scraper thread starts (libcurl's and libmariadb's globals). */
void scrape_global_init(void);

#endif
