/*
 * hc/plan.h: load-test plans (`hcload run PLAN.yaml`): what to send, in which mix, with what
 * data, and what a good answer is.
 *
 * A plan is a YAML file (parsed with libyaml) with these top-level keys, all but requests
 * optional (docs/hcload.md has the full reference and an example):
 *
 *   target      the base URL (http or https); request paths are appended to its path
 *   load        connections, duration, requests, rate, arrival, stages, timeout, pipeline,
 *               threads: the quick mode's flags, with the same units (10s, 500/s, 10k)
 *   http2, insecure   the quick mode's --http2 and -k, as true/false
 *   data        named CSV feeders: { csv: FILE, order: sequential|random|unique,
 *               on_end: recycle|stop } (see hc/feed.h)
 *   requests    named requests: method, path or url, headers, body or body_file, check,
 *               extract, weight; every string a template (hc/tmpl.h)
 *   flows       named sequences of requests run in order by one iteration: weight, steps,
 *               think (a duration, or { uniform: [MIN, MAX] } or { exponential: MEAN })
 *   thresholds  metric -> expression(s) as k6 writes them, each a string or
 *               { threshold, abortOnFail, delayAbortEval } (hc/threshold.h parses them)
 *
 * Loading checks everything that can be checked before a run: every key is known (an unknown
 * one gets the nearest known key as a suggestion), every value has the type and unit expected,
 * names are unique, steps name requests that exist, a variable is extracted by an earlier step
 * of every flow that uses it, weights are positive, CSV files and body files are read and
 * templates compiled. Every error names the file, line and column and what was expected:
 * `plan.yaml:7:12: load.rate: expected a rate like 500/s, got "fast"`.
 *
 * Running (for the engine). Per thread, a struct hc_plan_thread (PRNG, feeder cursors); per
 * in-flight iteration, a struct hc_plan_iter. An iteration: hc_plan_pick a flow (O(1), an alias
 * table), hc_plan_iter_begin (claims the CSV rows the flow reads, clears the variables), then
 * per step hc_plan_request_write the request's bytes (or, for libcurl, hc_plan_request_url and
 * the header and body templates rendered one by one), send, hc_plan_iter_check the response
 * (checks counted, extracts stored for the next steps), hc_plan_think_ns before the next step.
 * A request whose parts are all constant is written once at load time, and writing it is one
 * memcpy. If no flow is given, every request is a one-step flow of its own weight (default 1);
 * with flows, only requests that have a weight of their own also run alone.
 *
 * Threads: a loaded plan is read-only except for its feeders' unique counters (hc/feed.h), so
 * one plan serves all threads.
 */
#ifndef HC_PLAN_H
#define HC_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/buf.h"
#include "hc/check.h"
#include "hc/core.h"
#include "hc/feed.h"
#include "hc/limits.h"
#include "hc/threshold.h"
#include "hc/tmpl.h"
#include "hc/url.h"

/* A place in the plan file, for messages. */
struct hc_plan_pos {
    unsigned line; /* 1-based */
    unsigned col;  /* 1-based */
};

/* Bits of hc_plan_load.set: the settings the plan gave (the engine applies its defaults and the
 * command line's overrides to the others). */
#define HC_PLAN_SET_CONNECTIONS (1u << 0)
#define HC_PLAN_SET_DURATION    (1u << 1)
#define HC_PLAN_SET_REQUESTS    (1u << 2)
#define HC_PLAN_SET_RATE        (1u << 3)
#define HC_PLAN_SET_ARRIVAL     (1u << 4)
#define HC_PLAN_SET_STAGES      (1u << 5)
#define HC_PLAN_SET_TIMEOUT     (1u << 6)
#define HC_PLAN_SET_PIPELINE    (1u << 7)
#define HC_PLAN_SET_THREADS     (1u << 8)

enum hc_plan_arrival {
    HC_PLAN_ARRIVAL_CONSTANT = 0, /* evenly spaced arrivals */
    HC_PLAN_ARRIVAL_POISSON,      /* a Poisson process */
};

/* One stage: move the rate (open model) or the connection count (closed) to target over dur. */
struct hc_plan_stage {
    int64_t dur_ns; /* > 0 */
    double target;  /* >= 0 */
};

/* `load:` as given; a field is meaningful only when its HC_PLAN_SET_* bit is set. */
struct hc_plan_load {
    unsigned set;                 /* HC_PLAN_SET_* bits */
    uint64_t connections;         /* 1..HC_HCLOAD_MAX_CONNECTIONS */
    int64_t duration_ns;          /* > 0 (not with stages) */
    uint64_t requests;            /* >= 1 */
    double rate;                  /* per second, > 0 (0 allowed with stages) */
    enum hc_plan_arrival arrival; /* open-model arrival times */
    struct hc_plan_stage *stages; /* nstages (owned) */
    size_t nstages;
    int64_t timeout_ns; /* > 0 */
    uint64_t pipeline;  /* 1..HC_HCLOAD_MAX_PIPELINE */
    uint64_t threads;   /* 1..HC_HCLOAD_MAX_THREADS */
};

/* A header of a request: a name and a value template (HC_TMPL_HEADER). */
struct hc_plan_header {
    char *name; /* as written */
    struct hc_tmpl *value;
};

struct hc_plan_request {
    char *name;                     /* the key under requests: */
    struct hc_plan_pos pos;         /* where it is defined */
    char *method;                   /* GET, or POST when there is a body, unless given */
    const struct hc_url *url;       /* scheme, host and port: the target's or own_url */
    struct hc_url own_url;          /* `url:`'s authority (zeroed when the request uses target) */
    struct hc_tmpl *target;         /* the request target (path and query), HC_TMPL_PATH */
    struct hc_plan_header *headers; /* nheaders, as written */
    size_t nheaders;
    bool has_host;               /* the plan sets Host itself */
    struct hc_tmpl *body;        /* the body (inline or body_file), or NULL */
    struct hc_check_set *checks; /* check: and extract: (never NULL; may be empty) */
    double weight;               /* > 0; meaningful when weighted */
    bool weighted;               /* the request gave its own weight */
    uint64_t vars_used;          /* bit i: a template of the request reads variable i */
    uint64_t vars_set;           /* bit i: an extract of the request sets variable i */
    uint64_t feeds_used;         /* bit i: a template reads feeder i */
    unsigned needs;              /* HC_CHECK_NEED_* for the response parser */
    bool constant;               /* every part is constant: prebuilt holds the request */
    struct hc_buf prebuilt;      /* the whole request on the wire when constant */
};

enum hc_plan_think_kind {
    HC_PLAN_THINK_NONE = 0,    /* no pause between steps */
    HC_PLAN_THINK_CONSTANT,    /* a_ns */
    HC_PLAN_THINK_UNIFORM,     /* uniform in [a_ns, b_ns] */
    HC_PLAN_THINK_EXPONENTIAL, /* exponential with mean a_ns */
};

struct hc_plan_think {
    enum hc_plan_think_kind kind;
    int64_t a_ns; /* constant value, uniform minimum, exponential mean */
    int64_t b_ns; /* uniform maximum */
};

struct hc_plan_flow {
    char *name;             /* the key under flows:, or the request's name for a one-step flow */
    struct hc_plan_pos pos; /* where it is defined */
    double weight;          /* > 0 */
    size_t *steps;          /* nsteps request indexes, in order */
    size_t nsteps;          /* 1..HC_PLAN_MAX_STEPS */
    struct hc_plan_think think; /* between steps */
    uint64_t feeds_used;        /* bit i: some step reads feeder i (claimed per iteration) */
    bool implicit;              /* a request with its own weight, run alone */
};

struct hc_plan_feed {
    char *name; /* the key under data: */
    char *path; /* the CSV file, resolved against the plan's folder */
    struct hc_feed *feed;
};

/* One `thresholds:` metric and its expressions, parsed (hcload's gate judges them). */
struct hc_plan_threshold {
    char *metric;               /* the key as written: "http_req_duration{name:create}" */
    struct hc_threshold *exprs; /* nexprs, with abort_on_fail and delay_abort_ns set */
    struct hc_plan_pos *at;     /* nexprs: where each expression is written */
    size_t nexprs;
    struct hc_plan_pos pos; /* where the metric is written */
};

struct hc_plan {
    char *file;           /* the plan's name in messages */
    bool has_target;      /* target: was given */
    struct hc_url target; /* parsed */
    struct hc_plan_load load;
    bool http2;                 /* http2: true */
    bool insecure;              /* insecure: true */
    struct hc_plan_feed *feeds; /* nfeeds, in file order */
    size_t nfeeds;
    char **vars; /* nvars variable names (every extract's), index = variable */
    size_t nvars;
    struct hc_plan_request *requests; /* nrequests, in file order */
    size_t nrequests;
    struct hc_plan_flow *flows; /* nflows: named flows in file order, then one-step ones */
    size_t nflows;
    struct hc_plan_threshold *thresholds; /* nthresholds */
    size_t nthresholds;
    uint64_t hash;      /* FNV-1a 64 over the plan text, its CSV files and body files */
    char hash_hex[17];  /* the same as 16 hex digits */
    double *alias_prob; /* nflows: Vose alias table for hc_plan_pick */
    size_t *alias_next; /* nflows */
};

/*
 * hc_plan_load: reads and loads the plan file at path (files it names are relative to its
 * folder). Returns 0 with *out set (free with hc_plan_free), or a negative code with *out NULL
 * and "FILE:LINE:COL: what was expected" in err: HC_ESYNTAX malformed YAML or a value of the
 * wrong form, HC_EUNKNOWN an unknown key or name, HC_ERANGE a value out of range,
 * HC_ETOOLARGE past a bound of hc/limits.h, or the negative errno of a file that cannot be read.
 */
int hc_plan_load(const char *path, struct hc_plan **out, char *err, size_t errlen);

/*
 * hc_plan_parse: the same from the len bytes at text, named name in messages, with the files it
 * names relative to dir (NULL: the current folder).
 */
int hc_plan_parse(const char *name, const char *text, size_t len, const char *dir,
                  struct hc_plan **out, char *err, size_t errlen);

/* Frees a plan and everything it holds. Accepts NULL. */
void hc_plan_free(struct hc_plan *p);

/* The index of the request / flow / variable / feeder called name, or -1. */
long hc_plan_find_request(const struct hc_plan *p, const char *name);
long hc_plan_find_flow(const struct hc_plan *p, const char *name);
long hc_plan_find_var(const struct hc_plan *p, const char *name);

/* A flow chosen by weight: O(1) per pick (one PRNG draw on the alias table). */
const struct hc_plan_flow *hc_plan_pick(const struct hc_plan *p, struct hc_tmpl_rng *rng);

/* A think time drawn for f (0 for none), in nanoseconds. */
int64_t hc_plan_think_ns(const struct hc_plan_flow *f, struct hc_tmpl_rng *rng);

/* What one thread keeps across iterations: its PRNG and its cursors of sequential feeders. */
struct hc_plan_thread {
    struct hc_tmpl_rng rng;
    uint64_t cursors[HC_PLAN_MAX_FEEDS];
};

/* A thread's state, its PRNG seeded from seed (give each thread its own). */
void hc_plan_thread_init(struct hc_plan_thread *t, uint64_t seed);

/*
 * One iteration in flight: the rows it claimed, the variables its steps extracted, and the
 * template context that reads them. Lives in the caller's memory (one per in-flight iteration,
 * reused from one iteration to the next).
 */
struct hc_plan_iter {
    struct hc_plan *plan;                                /* not owned */
    struct hc_plan_thread *thread;                       /* not owned */
    const struct hc_plan_flow *flow;                     /* the flow running */
    const struct hc_tmpl_value *rows[HC_PLAN_MAX_FEEDS]; /* per feeder: its row, or NULL */
    struct hc_check_vars vars;                           /* the plan's variables */
    struct hc_tmpl_ctx ctx;                              /* what templates read */
};

/* Prepares it for plan p on thread t (allocates the variables). Free with _destroy. */
void hc_plan_iter_init(struct hc_plan_iter *it, struct hc_plan *p, struct hc_plan_thread *t);
void hc_plan_iter_destroy(struct hc_plan_iter *it);

/*
 * hc_plan_iter_begin: starts an iteration of flow f: clears the variables, sets {{seq}} and
 * {{now_ms}}, and claims one row of every feeder the flow reads. 0, or -ENODATA when a feeder
 * with on_end: stop has run out (the caller ends the run: the data is used up).
 */
int hc_plan_iter_begin(struct hc_plan_iter *it, const struct hc_plan_flow *f, uint64_t seq,
                       int64_t now_ms);

/*
 * hc_plan_request_write: appends request r as HTTP/1.1 bytes to out (start line, Host, the
 * plan's headers, Content-Length when there is a body or the method sends one, the body),
 * templates rendered from ctx (NULL for a constant request). scratch is a buffer of the
 * caller's reused for the body (it is reset first), so that a warm pair of buffers allocates
 * nothing. 0; HC_ETOOLARGE when out or scratch is full; -ENOENT for an unset variable; out is
 * unchanged on failure.
 */
int hc_plan_request_write(const struct hc_plan_request *r, const struct hc_tmpl_ctx *ctx,
                          struct hc_buf *scratch, struct hc_buf *out);

/*
 * hc_plan_request_url: appends the request's absolute URL to out ("http://host:port" and the
 * rendered target), for an engine that takes URLs (libcurl); its headers and body render from
 * r->headers and r->body with hc_tmpl_render. 0, HC_ETOOLARGE or -ENOENT; out is unchanged on
 * failure.
 */
int hc_plan_request_url(const struct hc_plan_request *r, const struct hc_tmpl_ctx *ctx,
                        struct hc_buf *out);

/*
 * hc_plan_iter_check: evaluates r's checks and extracts on resp, storing the extracted values
 * in the iteration's variables for the next steps; results as for hc_check_eval (may be NULL).
 * Returns the number of failed checks and extracts.
 */
size_t hc_plan_iter_check(struct hc_plan_iter *it, const struct hc_plan_request *r,
                          const struct hc_check_response *resp, struct hc_check_result *results);

#endif
