/*
 * paths.h: what `hcwarm http` and `hcwarm replay` send: a list of request targets, in the
 * order to send them, from a list file (--urls), an access log (--from-log, replay's LOG) or
 * hcserver's hot-key report (--from-hotkeys).
 *
 * The distinct (method, target) pairs become the client's prepared requests (at most
 * HC_CLIENT_MAX_REQUESTS of them); the sequence says which one each send is, so a log's mix
 * (a hot path logged a thousand times) is kept without a thousand copies of it. For a replay
 * each send also has its time, relative to the log's first line.
 *
 * Malformed lines are reported as FILE:LINE: why (through the report's error counter), counted
 * and skipped; the good ones still load.
 */
#ifndef HCWARM_PATHS_H
#define HCWARM_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"

struct config;

struct paths {
    char **methods;     /* per distinct request: "GET" or "HEAD" (owned) */
    char **targets;     /* per distinct request: the origin-form target (owned) */
    size_t n;           /* distinct requests */
    uint32_t *seq;      /* nseq indexes into targets, the order of sending */
    int64_t *at_ns;     /* replay: per send, ns after the first line's time (or NULL) */
    size_t nseq;        /* sends */
    uint64_t lines;     /* lines read (not counting blank and comment lines) */
    uint64_t malformed; /* lines that did not parse */
    uint64_t skipped;   /* log lines not replayable by design (a method with a body) */
    int64_t span_ns;    /* replay: the last send's at_ns */
    /* private: the hash index over (method, target) */
    uint32_t *slots;
    size_t nslots;
};

/* paths_init / paths_destroy: an empty list; destroy accepts NULL. */
void paths_init(struct paths *p);
void paths_destroy(struct paths *p);

/*
 * paths_add: appends one send of method target (an origin-form target); at_ns is its time
 * for a replay (ignored unless the list keeps times). 0, or HC_ETOOLARGE past
 * HC_CLIENT_MAX_REQUESTS distinct requests or HC_HCWARM_MAX_ITEMS sends.
 */
int paths_add(struct paths *p, const char *method, size_t mlen, const char *target, size_t tlen,
              int64_t at_ns);

/*
 * paths_load_urls: a list file: a target (/path?query) or an absolute http:// URL (its target
 * is taken) a line; blank lines and lines starting with '#' are not entries. 0, or a negative
 * code with err (the file cannot be read, too many entries). Malformed lines go to r.
 */
int paths_load_urls(struct paths *p, const char *file, struct report *r, char *err, size_t errlen);

/*
 * paths_load_log: an access log (accesslog.h), GET and HEAD lines (other methods are counted
 * in skipped: the log has no bodies to send). With times, each send keeps its time relative to
 * the first good line; a line earlier than the one before it is sent with that one (a log's
 * lines are written when requests end, so a slow request is logged late). 0 or a negative code
 * with err.
 */
int paths_load_log(struct paths *p, const char *file, bool times, struct report *r, char *err,
                   size_t errlen);

/*
 * paths_load_hotkeys: the ids of hcserver's hot-key report at cfg->hotkeys_url (at most
 * cfg->limit, asked with cfg's token, timeout and TLS settings), each as GET /api/orders/ID.
 * 0 or a negative code with err.
 */
int paths_load_hotkeys(struct paths *p, const struct config *cfg, char *err, size_t errlen);

#endif
