/*
 * hc/admit.h: admission by expected wait, one rule for every queue that serves requests.
 *
 * A bound on a queue's length says nothing about time: 50,000 waiting writes at 20,000 a
 * second are a 2.5 s wait, 50 waiting reads at 10 us each are nothing. What a client cares
 * about is how long its request would wait, so a queue admits a request when the work queued
 * ahead of it is expected to be served within a target:
 *
 *     expected wait = units queued ahead x recent time of a unit / units served at once
 *
 * A "unit" is what the queue serves in one go (a task for a thread pool, a whole batch for a
 * group committer) and its time is a moving average of the last ones measured (a quarter
 * weight on the newest, so it follows a change in a few units and ignores one outlier). Work
 * already being served is not counted: every request waits for it, however fast the server,
 * so a server that keeps up admits everything and refusing only starts once a queue forms.
 * A queue must stay over the target for HC_ADMIT_PERSIST_NS before anything is refused (as
 * CoDel asks a standing queue, not a burst, before it drops): one slow unit (a dependency's
 * timeout, a burst of arrivals) raises the estimate for a moment, and refusing then would fail
 * requests a few milliseconds of patience serve. Past that, a request is refused at once,
 * without waiting (the caller answers 503 with Retry-After), so under any overload admitted
 * work waits about the target while refusals cost microseconds. Once refused, the controller says
 * it is shedding until a request is admitted HC_ADMIT_QUIET_NS after the last refusal, so a caller
 * can report the two transitions.
 *
 * Not thread-safe: the owner of the queue calls these under the lock that guards its queue
 * (the depth it passes and the admission must agree).
 */
#ifndef HC_ADMIT_H
#define HC_ADMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How long after the last refusal an admission ends a period of shedding. */
#define HC_ADMIT_QUIET_NS ((int64_t)1000 * 1000 * 1000)
/* How long the expected wait must stay over the target before requests are refused. */
#define HC_ADMIT_PERSIST_NS ((int64_t)50 * 1000 * 1000)

/* What hc_admit_check decided. */
enum hc_admit_verdict {
    HC_ADMIT_OK = 0,     /* admitted */
    HC_ADMIT_REFUSED,    /* refused: the expected wait is over the target */
    HC_ADMIT_SHED_START, /* refused, and the first refusal since shedding last stopped */
    HC_ADMIT_SHED_STOP,  /* admitted, and the quiet period after the last refusal is over */
};

struct hc_admit {
    int64_t target_ns;       /* refuse a request expected to wait longer (0: admit all) */
    unsigned servers;        /* units served at once (pool threads; 1 for a committer) */
    int64_t unit_ns;         /* moving average of a unit's service time (0: none measured) */
    bool shedding;           /* refused since the last quiet period */
    int64_t last_refused_ns; /* when the last refusal was */
    int64_t last_wait_ns;    /* the expected wait of the last refusal, for a report */
    int64_t over_since_ns;   /* since when the expected wait is over the target, 0: it is not */
    uint64_t refused;        /* requests refused in all */
};

/* Starts a controller with target_ns (0 or less: admission by time off) and servers (>= 1). */
void hc_admit_init(struct hc_admit *a, int64_t target_ns, unsigned servers);

/* Records that one unit took took_ns to serve (ignored when not positive). */
void hc_admit_observe(struct hc_admit *a, int64_t took_ns);

/* The wait a request would see behind `ahead` units queued and not yet being served. */
int64_t hc_admit_expected_wait(const struct hc_admit *a, size_t ahead);

/*
 * Decides on one request behind `ahead` queued units at time now_ns (hc_now_ns()): refused
 * when the expected wait is over the target and has been since HC_ADMIT_PERSIST_NS or more. The
 * verdict also tells the start and end of a period of shedding (see the top), once each.
 */
enum hc_admit_verdict hc_admit_check(struct hc_admit *a, size_t ahead, int64_t now_ns);

/* Whether a verdict admits the request. */
static inline bool hc_admit_ok(enum hc_admit_verdict v)
{
    return v == HC_ADMIT_OK || v == HC_ADMIT_SHED_STOP;
}

#endif
