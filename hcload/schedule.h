/*
 * schedule.h: the load plan over time. A schedule is a piecewise-linear curve of a value (a
 * request rate in the open model, a connection count in the closed model) made of stages, as
 * `--stages 10s:100,30s:100,10s:0` writes it: each stage moves the value linearly from where
 * the previous one ended to its target over its duration.
 *
 * A pacer walks the open model's arrival times. The cumulative request count Lambda(t), the
 * integral of the rate, maps time to "how many requests should have been sent by now"; the
 * k-th request of the global schedule is due where Lambda(t) = k. With T threads, thread i takes
 * k = i, i + T, i + 2T, ... for constant arrivals, so the union of all threads' sends is the
 * global schedule exactly; for Poisson arrivals each thread draws exponential gaps of mean T in
 * Lambda space (time rescaling), and the superposition of the T independent streams is a Poisson
 * process of the full rate, ramps included.
 */
#ifndef HCLOAD_SCHEDULE_H
#define HCLOAD_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One stage: move the value to target over dur_ns. */
struct stage {
    int64_t dur_ns; /* > 0 */
    double target;  /* >= 0: requests per second (open) or connections (closed) */
};

/* A stage as the schedule keeps it, with its start time and the requests due before it. */
struct schedule_seg {
    int64_t t0_ns;  /* start, relative to the run's start */
    int64_t dur_ns; /* length; INT64_MAX for the open-ended tail */
    double v0, v1;  /* value at the start and at the end */
    double lambda0; /* integral of the value from 0 to t0, in value x seconds */
    double area;    /* integral over this segment (infinite for a tail with v0 > 0) */
};

struct schedule {
    struct schedule_seg *segs; /* nsegs segments, owned */
    size_t nsegs;
    int64_t end_ns; /* end of the last segment, INT64_MAX when open-ended */
};

/*
 * schedule_parse_stages: "DUR:VALUE[,DUR:VALUE...]" into a new array (*out, n entries, the
 * caller frees it). DUR goes through the units module (bare numbers are seconds), VALUE is a
 * non-negative number (a rate may carry "/s"). 0, or HC_ESYNTAX / HC_ERANGE / HC_ETOOLARGE
 * (more than HC_HCLOAD_MAX_STAGES) with a reason in err.
 */
int schedule_parse_stages(const char *text, struct stage **out, size_t *n, char *err,
                          size_t errlen);

/*
 * schedule_init: a schedule that starts at value start and runs through the n stages; when
 * open_ended, the last value then holds forever (so n may be 0: a constant start). Returns 0.
 * Free with schedule_destroy.
 */
int schedule_init(struct schedule *s, double start, const struct stage *stages, size_t n,
                  bool open_ended);
void schedule_destroy(struct schedule *s);

/* schedule_value_at: the value at t_ns after the start (the last value after the end). */
double schedule_value_at(const struct schedule *s, int64_t t_ns);

/*
 * schedule_time_at: the time (ns after the start) where the cumulative count reaches lambda,
 * or -1 when the schedule ends first. *hint is a segment index kept between calls with growing
 * lambda (start it at 0), which makes a walk through the schedule O(1) per call.
 */
int64_t schedule_time_at(const struct schedule *s, double lambda, size_t *hint);

/* schedule_count_until: the cumulative count Lambda(t_ns). */
double schedule_count_until(const struct schedule *s, int64_t t_ns);

/* A thread's walk through the arrival times of the global schedule (see the top). */
struct pacer {
    const struct schedule *s; /* not owned */
    double lambda;            /* the cumulative count of the next request */
    double stride;            /* T: the thread count */
    bool poisson;             /* exponential gaps instead of fixed ones */
    uint64_t rng;             /* xorshift state for the gaps */
    size_t hint;              /* segment hint for schedule_time_at */
    int64_t base_ns;          /* the run's start, CLOCK_MONOTONIC */
    int64_t next_ns;          /* when the next request is due (absolute), INT64_MAX: no more */
};

/*
 * pacer_init: thread index of nthreads walks s from base_ns (absolute monotonic time); seed
 * varies the Poisson draws. next_ns is then the first due time.
 */
void pacer_init(struct pacer *p, const struct schedule *s, unsigned index, unsigned nthreads,
                bool poisson, uint64_t seed, int64_t base_ns);

/* pacer_next: moves to this thread's next request; next_ns becomes INT64_MAX at the end. */
void pacer_next(struct pacer *p);

#endif
