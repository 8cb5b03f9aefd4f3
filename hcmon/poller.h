/*
 * poller.h: one thread per target, each sampling on its own schedule, handing results to
 * the screen (or the batch writer) through one bounded queue.
 *
 * A poller fetches (scrape.h) and parses (the metrics module) off the screen's thread, so a
 * target that stalls costs its own thread's time only. After a failure it waits longer
 * before the next try (the interval doubled per failure, up to 30 s or the interval if
 * longer), and says when, so the screen can count down; in batch mode every try keeps the
 * interval so that N samples take N intervals.
 *
 * Threads: the poller set's fields are written at start and read-only after, except the
 * queue and the interval (under the set's lock) and the stop flag.
 */
#ifndef HCMON_POLLER_H
#define HCMON_POLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/metrics.h"
#include "scrape.h"
#include "target.h"

/* One sample of one target, as taken by a poller or read back from a recording. */
struct poller_result {
    size_t target;                /* index into the targets */
    int64_t wall_ns;              /* when the sample was taken (CLOCK_REALTIME) */
    int64_t mono_ns;              /* the same on the monotonic clock: rates divide by its steps */
    double scrape_s;              /* how long it took */
    bool ok;                      /* the target answered with a page that parsed */
    char *text;                   /* the page text (owned; also when it did not parse), or NULL */
    size_t len;                   /* its bytes */
    struct hc_metrics_page *page; /* parsed (owned) when ok */
    char reason[256];             /* why not ok */
    int64_t retry_ns;             /* not ok: the next try starts this long after this one */
};

/* Frees what a result owns and zeroes it. Accepts NULL. */
void poller_result_destroy(struct poller_result *r);

/*
 * Parses r->text into r->page; on failure sets ok false with the parser's message as the
 * reason ("line 3: bad value \"x\""). Used by the pollers and by replay.
 */
void poller_result_parse(struct poller_result *r);

struct poller_set;

/*
 * Starts one poller per target. count: samples each takes before its thread ends (0: until
 * poller_set_stop). batch: retries keep the interval. wake_fd: a descriptor written one byte
 * each time a result is queued (-1: none), for a poll() loop. The targets and cfg must outlive
 * the set. Returns 0 with *out, or -errno when a thread cannot start.
 */
int poller_set_start(const struct target *targets, size_t ntargets, const struct scrape_config *cfg,
                     int64_t interval_ns, uint64_t count, bool batch, int wake_fd,
                     struct poller_set **out);

/* Takes the oldest queued result into *r (true), or returns false at once when none is.
 * When the queue is full, the oldest result is dropped for the new one. */
bool poller_set_take(struct poller_set *ps, struct poller_result *r);

/* Waits up to timeout_ns for a result (true) ; false on timeout or when every poller ended
 * and nothing is queued. */
bool poller_set_wait(struct poller_set *ps, struct poller_result *r, int64_t timeout_ns);

/* Whether every poller has ended (all `count` samples taken). */
bool poller_set_done(struct poller_set *ps);

/* Changes the interval of every poller, from its next sample on. */
void poller_set_interval(struct poller_set *ps, int64_t interval_ns);
int64_t poller_set_get_interval(struct poller_set *ps);

/* Stops the pollers (each ends after its fetch in progress, bounded by the timeout), joins
 * them, frees the set and every queued result. Accepts NULL. */
void poller_set_stop(struct poller_set *ps);

#endif
