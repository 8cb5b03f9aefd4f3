/*
 * traffic.h: the request traffic of `hcwarm http` and `hcwarm replay`, through the client
 * engine of common/ (hc/client.h), and the signals it measures.
 *
 * Two ways to send a struct paths:
 *   ramp  (http)    the open model at a rate the caller moves step by step (traffic_set_rate),
 *                   cycling through the sequence until stopped. Latency counts from when each
 *                   request was due on the schedule.
 *   timed (replay)  each send at its own time, the log's offset divided by the speed factor,
 *                   once. The engine runs in its closed model with a picker that answers "idle"
 *                   until the next send is due and wakes the worker then; a send that finds
 *                   every connection busy goes out late, and its latency still counts from its
 *                   intended time (the open model's accounting: a slow server cannot hide its
 *                   slowness by delaying the requests).
 *
 * Every response and failure is counted by the worker that owns it into its thread's window
 * (a lock per thread, taken once a response); the main thread moves the windows into its own
 * with traffic_take, once a second.
 */
#ifndef HCWARM_TRAFFIC_H
#define HCWARM_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/hist.h"
#include "hc/plan.h"
#include "paths.h"
#include "signals.h"

struct traffic_cfg {
    const char *target;        /* the service: http[s]://HOST[:PORT] (a path is ignored) */
    const struct paths *paths; /* what to send (outlives the traffic), unless plan */
    struct hc_plan *plan;      /* or an hcload plan's requests and flows (outlives it), or NULL */
    unsigned threads;          /* worker threads */
    size_t connections;        /* in all */
    int64_t timeout_ns;        /* per request */
    bool timed;                /* replay; else a ramp */
    double speed;              /* timed: the speed factor (> 0) */
    double rate;               /* ramp: the first rate (requests per second) */
    int64_t duration_ns;       /* a bound on the whole run */
    bool x_cache;              /* count X-Cache hits and misses (keeps response headers) */
    bool insecure;             /* https: no certificate checks */
    const char *cafile;        /* https: the CAs to trust instead of the system's, or NULL */
};

/* What a window of traffic measured. */
struct traffic_window {
    struct hc_hist *lat;   /* corrected latency, ns */
    uint64_t responses;    /* complete responses */
    uint64_t bad_status;   /* of them: not 2xx or 3xx */
    uint64_t failures;     /* failed requests (connect, read, timeout, ...) */
    uint64_t hits, misses; /* X-Cache said so */
    uint64_t late;         /* timed: sends that went out more than 10 ms after their time */
    char failure[200];     /* the last failure's words ("" when none) */
};

struct traffic;

/* traffic_window_init / destroy / reset: an empty window in caller storage. */
void traffic_window_init(struct traffic_window *w);
void traffic_window_destroy(struct traffic_window *w);
void traffic_window_reset(struct traffic_window *w);

/* traffic_window_add: adds src into dst (the failure words too, when src has some). */
void traffic_window_add(struct traffic_window *dst, const struct traffic_window *src);

/* traffic_signals: the window's signals (hits and misses as counted, when x_cache). */
void traffic_signals(const struct traffic_window *w, struct signals *s);

/*
 * traffic_new: resolves the target and prepares the requests and the client. 0, or a negative
 * code with err. *out is set either way (free it with traffic_free).
 */
int traffic_new(const struct traffic_cfg *cfg, struct traffic **out, char *err, size_t errlen);

/* traffic_start: the run begins now. 0 or a negative errno with err. */
int traffic_start(struct traffic *t, char *err, size_t errlen);

/* traffic_start_ns: the monotonic time the run began (a timed run's time zero). */
int64_t traffic_start_ns(const struct traffic *t);

/* traffic_set_rate: a ramp's new rate, from the next arrival on. */
void traffic_set_rate(struct traffic *t, double rate);

/* traffic_wait: until every worker is done or deadline_ns; whether all are done. */
bool traffic_wait(struct traffic *t, int64_t deadline_ns);

/* traffic_take: moves what every worker counted since the last call into w (added). */
void traffic_take(struct traffic *t, struct traffic_window *w);

/* traffic_sent: sends picked so far (all threads; approximate while running). */
uint64_t traffic_sent(const struct traffic *t);

/* traffic_stop: asks the workers to end now. Any thread, also a signal handler. */
void traffic_stop(struct traffic *t);

/* traffic_join: waits for the workers (after traffic_start). */
void traffic_join(struct traffic *t);

/* traffic_free: joins the workers if that was not done, frees everything. Accepts NULL. */
void traffic_free(struct traffic *t);

#endif
