/*
 * hc/client.h: hc's HTTP load client (hcload's engine, for hcwarm and CI gates too): a set of
 * prepared requests sent from many connections on worker threads, in a closed model (each
 * connection sends its next request when the last completes) or an open one (requests follow
 * a schedule of arrival times, coordinated-omission-correct), with every request reported
 * through one seam.
 *
 * The request set. A run sends requests chosen from an array of prepared ones. Each holds its
 * bytes as written on the wire (for the native HTTP/1.1 engine), the same request as pieces
 * (method, URL, header texts, body: for HTTP/2 and the libcurl engine), a name for reports, and its
 * response parse mode: whether the engine keeps the response's headers and body for the
 * caller, or only counts them (the fast path). A set is built before the run and read-only
 * while it runs. Without a picker every request is request 0, written as a prefix of its
 * prebuilt pipelined batch (hc_client_reqset_batch): k pipelined requests are one send() of
 * shared bytes, nothing copied. With a picker (hc_client_pick_cb, a plan runner's hook) each
 * request slot is chosen, and possibly written, by the caller.
 *
 * The seam. Both engines report every request exactly once, either as a response (any status)
 * or as a failure of one kind, with the request's index in the set, the per-slot user value the
 * picker chose, and its three times: when it was due (the open model's schedule; in the closed
 * model, when it was sent), when it was sent, and when it completed. The client's statistics
 * (struct hc_client_stats, per thread, and the once-a-second hand-off) are the first consumer
 * of these reports; the caller's on_response / on_failure, if set, the next.
 *
 * Use (a plan runner; hcload's quick mode is the same without pick and with a batch):
 *
 *     hc_client_reqset_init(&set);
 *     hc_client_reqset_add(&set, &spec);          once per request of the plan
 *     cfg = (struct hc_client_config){.addr = ..., .threads = 2, .connections = 64,
 *            .duration_ns = ..., .timeout_ns = ..., .pipeline = 1, .model = HC_CLIENT_OPEN,
 *            .rate = 500, .reqs = &set, .pick = next_step, .on_response = check,
 *            .on_failure = failed, .cb_ctx = plan, .pick_ctx = plan};
 *     hc_client_new(&cfg, &c);                    after hc_net_raise_nofile
 *     hc_client_start(c);
 *     while (!hc_client_wait(c, next_second))     each second, per thread i:
 *         hc_client_take(c, i, lat, raw, &responses, &errors);
 *     hc_client_join(c);
 *     hc_client_total(c, &total);                 and hc_client_first_failure(c)
 *     hc_client_free(c);
 *
 * next_step picks the request of each slot (and may write its varied bytes into the
 * connection's output, see struct hc_client_pick); check sees the response of that slot with
 * the user value next_step gave it, and its headers and body when the request keeps them.
 * When next_step has nothing for a slot yet (an iteration's next step waits for a response or
 * a think time) it answers HC_CLIENT_PICK_IDLE, and check calls hc_client_wake once the step
 * is due, so the worker offers its free slots again (common/runner.c does this).
 *
 * Engines. http:// and https:// over HTTP/1.1 go through the native engine (one epoll loop per
 * thread, edge-triggered sockets, one send() and one recv() per request in steady state; TLS by
 * OpenSSL over memory buffers, client_tls.c); HTTP/2 and plans with several targets through
 * libcurl's multi interface on the same loops.
 *
 * Threads. hc_client_new, _start, _wait, _take, _join, _total and _free are for one controlling
 * thread (the "main thread"). hc_client_set_rate and hc_client_stop may be called from any
 * thread between hc_client_new and hc_client_free (hc_client_stop also from a signal
 * handler). Every callback (pick, on_response, on_failure) runs on the worker thread that owns
 * the request, never two at once for one thread, and must not block; callbacks of different
 * threads run in parallel. The configuration and the request set are read-only from
 * hc_client_new to hc_client_free.
 *
 * Ownership. hc_client_new copies the configuration struct but not what it points to: the
 * request set and the stages must outlive the client. Pointers handed to callbacks are valid
 * during the call only.
 *
 * Bounds (hc/limits.h): HC_CLIENT_MAX_CONNECTIONS, _THREADS, _PIPELINE, _REQUESTS,
 * _REQUEST_BYTES, _BATCH_BYTES, _STAGES, _READ_BYTES; responses within the http module's
 * HC_HTTP_MAX_* (a larger one is a parse failure).
 */
#ifndef HC_CLIENT_H
#define HC_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "hc/buf.h"
#include "hc/hist.h"
#include "hc/http.h"

/* Response parse modes, per request (any combination; 0 is the counting fast path). */
#define HC_CLIENT_KEEP_HEADERS 0x1u /* hand the response's header fields to on_response */
#define HC_CLIENT_KEEP_BODY    0x2u /* hand its body to on_response */

/* The request index of a failure that no request slot stands for (a refused connect). */
#define HC_CLIENT_NO_REQUEST UINT32_MAX

/* Kinds of failed requests, in the order the summaries list them. */
enum hc_client_err {
    HC_CLIENT_ERR_CONNECT, /* the connection could not be made (refused, unreachable, timed out) */
    HC_CLIENT_ERR_READ,    /* the server closed the connection before the whole response */
    HC_CLIENT_ERR_WRITE,   /* the request could not be written */
    HC_CLIENT_ERR_TIMEOUT, /* no complete response within the timeout */
    HC_CLIENT_ERR_PARSE,   /* the response was not valid HTTP/1.x (or too large, or unasked) */
    HC_CLIENT_ERR_RESET,   /* the connection was reset (RST) */
    HC_CLIENT_ERR_KINDS,   /* the kinds the engines report */
    /*
     * A response whose status the caller counts as a failure (a check). The engines never
     * report it: they hand every response to on_response; a consumer that checks statuses
     * classifies with it.
     */
    HC_CLIENT_ERR_STATUS = HC_CLIENT_ERR_KINDS,
};

/* "connect", "read", "write", "timeout", "parse", "reset", then "status". */
extern const char *const hc_client_err_names[HC_CLIENT_ERR_KINDS + 1];

/* One prepared request. All strings are owned by the set; read-only while a run goes on. */
struct hc_client_request {
    char *name;         /* for reports ("" when not named) */
    char *method;       /* "GET", "POST", ... */
    char *url;          /* absolute URL (HTTP/2's :authority and :path; libcurl's target) */
    char **headers;     /* nheaders "Name: value" texts (HTTP/2's and libcurl's) */
    size_t nheaders;    /* entries in headers */
    char *body;         /* body bytes (NUL-ended), or NULL for no body */
    size_t body_len;    /* bytes of body */
    bool head;          /* the method is HEAD: the response has no body */
    unsigned keep;      /* HC_CLIENT_KEEP_* */
    struct hc_buf wire; /* the whole request as written on an HTTP/1.1 connection */
};

/* A request to add to a set, as pieces; every pointer is copied. */
struct hc_client_request_spec {
    const char *name;                     /* NULL: "" */
    const char *method;                   /* a token */
    const char *url;                      /* absolute URL text (the libcurl engine's) */
    const char *target;                   /* origin-form target written on the wire */
    const char *host;                     /* Host value to add, or NULL (headers carry one) */
    const struct hc_http_header *headers; /* nheaders fields, in order */
    size_t nheaders;
    const void *body; /* NULL: no body (and no Content-Length) */
    size_t body_len;
    unsigned keep; /* HC_CLIENT_KEEP_* */
};

/* A request set: n prepared requests, at most HC_CLIENT_MAX_REQUESTS (hc/limits.h). */
struct hc_client_reqset {
    struct hc_client_request *reqs; /* n requests */
    size_t n;
    size_t cap;          /* entries allocated in reqs */
    struct hc_buf batch; /* hc_client_reqset_batch: copies of reqs[0] back to back */
    unsigned copies;     /* copies in batch (0: none built) */
};

/* hc_client_reqset_init / destroy: an empty set in caller storage. destroy accepts NULL. */
void hc_client_reqset_init(struct hc_client_reqset *s);
void hc_client_reqset_destroy(struct hc_client_reqset *s);

/*
 * hc_client_reqset_add: appends spec as the next request (its index is the old s->n) and
 * writes its wire bytes with hc_http_write_request. 0; -EINVAL for a method, header or target
 * that is not valid HTTP; HC_ETOOLARGE when the request passes HC_CLIENT_MAX_REQUEST_BYTES or
 * the set already holds HC_CLIENT_MAX_REQUESTS. On failure the set is unchanged.
 */
int hc_client_reqset_add(struct hc_client_reqset *s, const struct hc_client_request_spec *spec);

/*
 * hc_client_reqset_batch: builds copies of request 0 back to back (the pipelined batch a
 * connection of the one-request fast path writes a prefix of). 0, -EINVAL for an empty set or
 * copies 0, HC_ETOOLARGE when the batch passes HC_CLIENT_MAX_BATCH_BYTES.
 */
int hc_client_reqset_batch(struct hc_client_reqset *s, unsigned copies);

/* What the engine hands on_response: one complete response. Valid during the call only. */
struct hc_client_response {
    unsigned thread; /* the worker thread that ran it, 0..threads-1 */
    uint32_t req;    /* index in the request set */
    uint64_t user;   /* the slot's user value (hc_client_pick.user; 0 without a picker) */
    int status;      /* HTTP status code */
    int64_t due_ns;  /* when it should have been sent (monotonic; closed model: sent_ns) */
    int64_t sent_ns; /* when it was written */
    int64_t done_ns; /* when the response completed */
    uint64_t bytes;  /* response bytes (native: on the wire; libcurl: header + body) */
    const struct hc_http_header *headers; /* with HC_CLIENT_KEEP_HEADERS: the fields */
    size_t nheaders;                      /* else 0 */
    const char *body; /* with HC_CLIENT_KEEP_BODY: the decoded body (NUL-ended), else NULL */
    size_t body_len;  /* its bytes */
};

/* What the engine hands on_failure: one failed request. Valid during the call only. */
struct hc_client_failure {
    unsigned thread;         /* the worker thread */
    uint32_t req;            /* index in the set, or HC_CLIENT_NO_REQUEST (a failed connect) */
    uint64_t user;           /* the slot's user value (0 without a slot) */
    enum hc_client_err kind; /* what happened */
    int64_t due_ns;          /* as in hc_client_response (0 without a slot) */
    int64_t sent_ns;         /* 0 without a slot */
    int64_t done_ns;         /* when it was given up */
    const char *detail;      /* words for a first-failure line, or NULL (not worth noting) */
};

/*
 * Choosing a request for a slot (a plan runner's hook). The engine presets req and user to 0
 * and, on the native engine, hands the connection's own output buffer (empty the first time in
 * a batch; requests of one batch are appended one after another). The picker sets req (an
 * index in the set) and user (anything: an iteration id), and may append the request's bytes
 * to out itself (a request with varied parts); when it appends nothing, the set's wire bytes
 * of req are sent. HTTP/2 and the libcurl engine pass out NULL and send request req's pieces.
 */
struct hc_client_pick {
    unsigned thread;    /* in: the worker thread */
    struct hc_buf *out; /* in: the connection's output (HTTP/1.1), or NULL (HTTP/2, libcurl) */
    bool resume;        /* in: open model, a slot offered after hc_client_wake, off schedule */
    uint32_t req;       /* out: index in the request set */
    uint64_t user;      /* out: the slot's user value, handed back with its response */
    /*
     * out, HTTP/2 and libcurl only: the request's varied pieces, owned by the picker and valid
     * until the slot is reported (on_response / on_failure). url NULL: request req's own
     * pieces. headers are "Name: value" texts; body NULL: req's body.
     */
    const char *url;
    const char *const *headers;
    size_t nheaders;
    const char *body;
    size_t body_len;
};

/* hc_client_pick_cb's answer for "nothing to send on this slot now" (see below). */
#define HC_CLIENT_PICK_IDLE 1

/*
 * hc_client_pick_cb: fills p for the next request of p->thread. 0 to send it;
 * HC_CLIENT_PICK_IDLE to leave the slot free for now (a plan's iterations all waiting: the
 * slot is offered again after hc_client_wake, or in the closed model at the next sweep); a
 * negative value when there is nothing more to send (that thread ends its sending, as when -n
 * is used up). Runs on the worker thread, once per request sent; it must not block.
 */
typedef int hc_client_pick_cb(void *ctx, struct hc_client_pick *p);

typedef void hc_client_response_cb(void *ctx, const struct hc_client_response *r);
typedef void hc_client_failure_cb(void *ctx, const struct hc_client_failure *f);

/* ---- statistics: one thread's counts, and their sum ---- */

/*
 * The client's statistics consumer. Responses, statuses, failures by kind and the latencies
 * come from the seam's reports; the engine's own counters (bytes, connects, requests sent,
 * queued and unsent) are counted where they happen. Each worker thread owns one struct and is
 * the only one to touch it while the run goes on; after hc_client_join they are read (or
 * added up) by the main thread. Latencies are nanoseconds in HDR histograms: `lat` counts from
 * when a request was due, `raw` from when it was sent.
 */

/* Status codes counted one by one: 0..HC_CLIENT_STATUS_MAX-1; others go to status_other. */
#define HC_CLIENT_STATUS_MAX 600

/* Latency histograms: 1 ns to 1 hour at 3 significant digits (256 KiB each). */
#define HC_CLIENT_HIST_LOWEST  1
#define HC_CLIENT_HIST_HIGHEST (3600 * HC_NSEC_PER_SEC)
#define HC_CLIENT_HIST_SIGFIGS 3
/* Status classes with latency histograms of their own: 1xx to 5xx. */
#define HC_CLIENT_STATUS_CLASSES 5

struct hc_client_stats {
    uint64_t responses;                    /* complete responses, any status */
    uint64_t status[HC_CLIENT_STATUS_MAX]; /* responses by status code */
    uint64_t status_other;                 /* responses with a code >= HC_CLIENT_STATUS_MAX */
    uint64_t errors[HC_CLIENT_ERR_KINDS];  /* failed requests by kind */
    uint64_t bytes_read;                   /* response bytes received */
    uint64_t bytes_written;                /* request bytes sent */
    uint64_t connects;                     /* connections made */
    uint64_t sent;                         /* requests handed to the kernel (or queued to it) */
    uint64_t queued;                       /* open model: requests that waited for a connection */
    uint64_t unsent;                       /* open model: due requests never sent by the end */
    uint64_t http2;                        /* responses that came over HTTP/2 */
    uint64_t tls_handshakes;               /* native: TLS handshakes completed */
    uint64_t tls_resumed;                  /* of those, resumed from a cached session (ticket) */
    int64_t connect_ns;                    /* native: TCP connect times of `connects`, summed */
    int64_t tls_ns;                        /* native: handshake times, summed */
    uint64_t first_bytes;                  /* native: connections that read a response byte */
    int64_t first_byte_ns; /* their time from ready (connected, or TLS done) to it, summed */
    uint64_t h2_goaways;   /* native HTTP/2: GOAWAY frames received */
    uint64_t h2_resets;    /* native HTTP/2: streams the server reset (RST_STREAM) */
    struct hc_hist *lat;   /* corrected latency, ns */
    struct hc_hist *raw;   /* uncorrected latency, ns */
    /* The same two by status class (1xx..5xx: index 0..4), made at the class's first
     * response (NULL until then), so refusals and admitted requests can be told apart. */
    struct hc_hist *class_lat[HC_CLIENT_STATUS_CLASSES];
    struct hc_hist *class_raw[HC_CLIENT_STATUS_CLASSES];
};

/*
 * hc_client_stats_class: records one response's latencies (corrected, uncorrected, ns) under
 * its status class, making the class's histograms at its first response. Statuses outside
 * 100..599 are not recorded by class.
 */
void hc_client_stats_class(struct hc_client_stats *s, int status, int64_t lat_ns, int64_t raw_ns);

/* hc_client_stats_init: zeroed counters and two empty histograms. 0, or -EINVAL (hc_hist_new). */
int hc_client_stats_init(struct hc_client_stats *s);

/* Frees the histograms. Accepts NULL. */
void hc_client_stats_destroy(struct hc_client_stats *s);

/* hc_client_stats_new_hist: an empty histogram of the layout above in *out (0, as hc_hist_new). */
int hc_client_stats_new_hist(struct hc_hist **out);

/* hc_client_stats_add: adds every counter and histogram of src into dst. */
void hc_client_stats_add(struct hc_client_stats *dst, const struct hc_client_stats *src);

/* The failed requests of every kind. */
uint64_t hc_client_stats_errors_total(const struct hc_client_stats *s);

/* Responses whose status is not 2xx or 3xx. */
uint64_t hc_client_stats_non_2xx_3xx(const struct hc_client_stats *s);

/*
 * hc_client_stats_response: counts one response by status. Hot path: the latencies go into the
 * worker's interval histograms, which it adds to lat and raw once a second. The worker calls it
 * from the engine seam (hc_client_worker_response); the engines never write statistics themselves.
 */
static inline void hc_client_stats_response(struct hc_client_stats *s, int status)
{
    s->responses++;
    if (HC_LIKELY(status >= 0 && status < HC_CLIENT_STATUS_MAX))
        s->status[status]++;
    else
        s->status_other++;
}

/* ---- the schedule: the load over time ---- */

/*
 * A schedule is a piecewise-linear curve of a value (a request rate in the open model, a
 * connection count in the closed model) made of stages, as `--stages 10s:100,30s:100,10s:0`
 * writes it: each stage moves the value linearly from where the previous one ended to its
 * target over its duration.
 *
 * A pacer walks the open model's arrival times. The cumulative request count Lambda(t), the
 * integral of the rate, maps time to "how many requests should have been sent by now"; the
 * k-th request of the global schedule is due where Lambda(t) = k. With T threads, thread i takes
 * k = i, i + T, i + 2T, ... for constant arrivals, so the union of all threads' sends is the
 * global schedule exactly; for Poisson arrivals each thread draws exponential gaps of mean T in
 * Lambda space (time rescaling), and the superposition of the T independent streams is a Poisson
 * process of the full rate, ramps included.
 */

/* One stage: move the value to target over dur_ns. */
struct hc_client_stage {
    int64_t dur_ns; /* > 0 */
    double target;  /* >= 0: requests per second (open) or connections (closed) */
};

/* A stage as the schedule keeps it, with its start time and the requests due before it. */
struct hc_client_schedule_seg {
    int64_t t0_ns;  /* start, relative to the run's start */
    int64_t dur_ns; /* length; INT64_MAX for the open-ended tail */
    double v0, v1;  /* value at the start and at the end */
    double lambda0; /* integral of the value from 0 to t0, in value x seconds */
    double area;    /* integral over this segment (infinite for a tail with v0 > 0) */
};

struct hc_client_schedule {
    struct hc_client_schedule_seg *segs; /* nsegs segments, owned */
    size_t nsegs;
    int64_t end_ns; /* end of the last segment, INT64_MAX when open-ended */
};

/*
 * hc_client_schedule_parse_stages: "DUR:VALUE[,DUR:VALUE...]" into a new array (*out, n entries,
 * the caller frees it). DUR goes through the units module (bare numbers are seconds), VALUE is a
 * non-negative number (a rate may carry "/s"). 0, or HC_ESYNTAX / HC_ERANGE / HC_ETOOLARGE
 * (more than HC_CLIENT_MAX_STAGES) with a reason in err.
 */
int hc_client_schedule_parse_stages(const char *text, struct hc_client_stage **out, size_t *n,
                                    char *err, size_t errlen);

/*
 * hc_client_schedule_init: a schedule that starts at value start and runs through the n stages;
 * when open_ended, the last value then holds forever (so n may be 0: a constant start). Returns 0.
 * Free with hc_client_schedule_destroy.
 */
int hc_client_schedule_init(struct hc_client_schedule *s, double start,
                            const struct hc_client_stage *stages, size_t n, bool open_ended);
void hc_client_schedule_destroy(struct hc_client_schedule *s);

/* hc_client_schedule_value_at: the value at t_ns after the start (the last value after the end). */
double hc_client_schedule_value_at(const struct hc_client_schedule *s, int64_t t_ns);

/*
 * hc_client_schedule_time_at: the time (ns after the start) where the cumulative count reaches
 * lambda, or -1 when the schedule ends first. *hint is a segment index kept between calls with
 * growing lambda (start it at 0), which makes a walk through the schedule O(1) per call.
 */
int64_t hc_client_schedule_time_at(const struct hc_client_schedule *s, double lambda, size_t *hint);

/* hc_client_schedule_count_until: the cumulative count Lambda(t_ns). */
double hc_client_schedule_count_until(const struct hc_client_schedule *s, int64_t t_ns);

/* A thread's walk through the arrival times of the global schedule (see the top). */
struct hc_client_pacer {
    const struct hc_client_schedule *s; /* not owned */
    double lambda;                      /* the cumulative count of the next request */
    double stride;                      /* T: the thread count */
    bool poisson;                       /* exponential gaps instead of fixed ones */
    uint64_t rng;                       /* xorshift state for the gaps */
    size_t hint;                        /* segment hint for hc_client_schedule_time_at */
    int64_t base_ns;                    /* the run's start, CLOCK_MONOTONIC */
    int64_t next_ns;   /* when the next request is due (absolute), INT64_MAX: no more */
    unsigned index;    /* this thread's index */
    bool fixed;        /* hc_client_pacer_set_rate was called: the schedule is left */
    double fixed_rate; /* then: requests per second of all threads together */
    double fixed_ns;   /* then: the next due time (absolute ns, as a double) */
};

/*
 * hc_client_pacer_init: thread index of nthreads walks s from base_ns (absolute monotonic time);
 * seed varies the Poisson draws. next_ns is then the first due time.
 */
void hc_client_pacer_init(struct hc_client_pacer *p, const struct hc_client_schedule *s,
                          unsigned index, unsigned nthreads, bool poisson, uint64_t seed,
                          int64_t base_ns);

/*
 * hc_client_pacer_set_rate: leaves the schedule for a constant rate (all threads together,
 * constant or Poisson as the pacer's arrivals) from at_ns on; next_ns becomes this thread's
 * first arrival of it (INT64_MAX for rate 0, until the next call).
 */
void hc_client_pacer_set_rate(struct hc_client_pacer *p, double rate, int64_t at_ns);

/* hc_client_pacer_next: moves to this thread's next request; next_ns becomes INT64_MAX at the end.
 */
void hc_client_pacer_next(struct hc_client_pacer *p);

/* ---- the fast framing of the common response (the native engine's; fuzzed) ---- */

/*
 * Most load tests read the same small response over and over: "HTTP/1.1 200 OK", a few plain
 * headers, a Content-Length and a body, all in one read. hc_client_frame_response recognises
 * exactly that shape (a strict subset of what the http module accepts) and says how long the
 * response is; anything else, including a response split across reads, is left to the library
 * parser, which stays the single authority on HTTP. The subset is differentially fuzzed
 * against the library (tests/fuzz/fuzz_client_frame.c): on any input where it answers,
 * hc_http_parse must complete a message of the same length, with the same status, that keeps
 * the connection open.
 */

/* Longest start line plus header section the fast path reads; longer goes to the library. */
#define HC_CLIENT_FRAME_MAX_HEAD_BYTES 8192

/* Most header fields the fast path reads; more go to the library. */
#define HC_CLIENT_FRAME_MAX_FIELDS 64

/*
 * hc_client_frame_response: whether data[0..len) begins with one whole response of the simple
 * shape: "HTTP/1.1 " and a status 200..599 other than 204 and 304, a reason of printable ASCII,
 * header fields of token names and printable values (no obs-fold), exactly one
 * Content-Length of at most nine digits, no Transfer-Encoding, Upgrade or Proxy-Connection,
 * Connection (if any) exactly "keep-alive", and the whole body within len. Returns the
 * response's length in bytes and sets *status; returns 0 (and leaves *status) when the bytes
 * are anything else, and the caller must parse them with the library. The connection stays
 * open after a response this accepts. Never reads past data + len.
 */
size_t hc_client_frame_response(const char *data, size_t len, int *status);

/* ---- the client ---- */

enum hc_client_model {
    HC_CLIENT_CLOSED, /* each connection sends its next request when the last one completes */
    HC_CLIENT_OPEN,   /* requests follow a schedule of arrival times, whatever the server does */
};

/* What a run does. Filled by the caller; hc_client_new copies it (not what it points to). */
struct hc_client_config {
    struct sockaddr_storage addr; /* native engine: the server's resolved address */
    bool curl;                    /* the libcurl engine (HTTP/2, several targets) */
    bool tls;                     /* https://: TLS on every connection (HTTP/2 by ALPN) */
    bool http2;                   /* speak HTTP/2 (native: `pipeline` streams a connection) */
    bool insecure;                /* no TLS certificate checks */
    const char *tls_host;         /* native: the name for SNI and the certificate (an IP literal:
                                     checked as an address, no SNI); NULL: no name check */
    const char *cafile;         /* PEM file of the CAs to trust instead of the system's, or NULL */
    const char *cert;           /* PEM client certificate, or NULL */
    const char *key;            /* PEM private key of cert; NULL: cert holds it */
    unsigned tls_min;           /* lowest TLS version, as on the wire (0x0303: 1.2); 0: 1.2 */
    unsigned tls_max;           /* highest (0x0304: 1.3); 0: the library's highest */
    unsigned threads;           /* worker threads, 1..HC_CLIENT_MAX_THREADS */
    size_t connections;         /* in all, >= threads; split over them (native) or transfers */
    uint64_t requests;          /* stop after exactly this many requests; 0: no bound */
    int64_t duration_ns;        /* stop sending after this long; INT64_MAX: until `requests` */
    int64_t timeout_ns;         /* per request and per connect */
    unsigned pipeline;          /* native: requests in flight per connection, >= 1 */
    enum hc_client_model model; /* closed or open */
    double rate;                /* open model: requests per second (the stages' start) */
    bool poisson;               /* open model: Poisson arrivals instead of constant ones */
    const struct hc_client_stage *stages; /* nstages stages (not owned), or NULL: */
    size_t nstages;                       /* open: rates from `rate`; closed: connections from 0 */
    const struct hc_client_reqset *reqs;  /* the requests (not owned); at least one */
    hc_client_pick_cb *pick;              /* chooses each request; NULL: request 0, batched */
    void *pick_ctx;                       /* passed to pick */
    hc_client_response_cb *on_response;   /* each response after the statistics; or NULL */
    hc_client_failure_cb *on_failure;     /* each failed request after them; or NULL */
    void *cb_ctx;                         /* passed to on_response and on_failure */
};

struct hc_client;

/*
 * hc_client_global_init / cleanup: the libcurl engine's process-wide setup; call them on the
 * main thread around every client that uses it (cfg.curl). 0 or -EIO.
 */
int hc_client_global_init(void);
void hc_client_global_cleanup(void);

/*
 * hc_client_new: prepares a run of cfg: the schedule, and per thread an event loop, its
 * connections (or libcurl transfers), buffers and histograms. Nothing is connected yet; the
 * caller raises the open-files limit first (hc_net_raise_nofile) for cfg->connections. 0, or
 * -EINVAL for a configuration out of its bounds, or a negative errno when a loop or libcurl
 * cannot be set up. *out is set either way; free it with hc_client_free.
 */
int hc_client_new(const struct hc_client_config *cfg, struct hc_client **out);

/*
 * hc_client_start: starts the worker threads; the run's clock starts now. 0, or the negative
 * errno of a thread that could not be created (the ones started are then stopped; join them
 * with hc_client_join, report nothing). Main thread, once.
 */
int hc_client_start(struct hc_client *c);

/* hc_client_start_ns: the CLOCK_MONOTONIC start of the run (after hc_client_start). */
int64_t hc_client_start_ns(const struct hc_client *c);

/* hc_client_threads: the worker threads of the run. */
unsigned hc_client_threads(const struct hc_client *c);

/*
 * hc_client_wait: waits until every thread is done or CLOCK_MONOTONIC reaches deadline_ns.
 * Returns whether all are done. Main thread.
 */
bool hc_client_wait(struct hc_client *c, int64_t deadline_ns);

/*
 * hc_client_take: the interval hand-off. Each thread hands over its second's latencies and
 * counts once a second (and at its end); this moves what thread handed over since the last
 * call into lat and raw (added; histograms of the hc_client_stats_new_hist layout) and
 * *responses and *errors (added). Returns whether that thread is done (everything handed
 * over). Main thread.
 */
bool hc_client_take(struct hc_client *c, unsigned thread, struct hc_hist *lat, struct hc_hist *raw,
                    uint64_t *responses, uint64_t *errors);

/*
 * hc_client_sent: the requests thread had sent by its last hand-off (the same moment as the
 * responses and errors hc_client_take hands over, so the difference of their totals is what
 * was in flight then). Main thread.
 */
uint64_t hc_client_sent(struct hc_client *c, unsigned thread);

/*
 * hc_client_set_rate: from the next arrival on, the open model sends rate requests per second
 * (constant or Poisson as configured; rate 0 pauses), whatever the stages said; the deadline
 * and the -n bound still hold. Any thread, while the client runs. 0; -EINVAL for a negative
 * or non-finite rate; -ENOTSUP in the closed model.
 */
int hc_client_set_rate(struct hc_client *c, double rate);

/*
 * hc_client_wake: from at_ns (monotonic; a time past means after the current I/O batch) the
 * worker thread offers its free slots to the picker again: in the closed model it fills every
 * idle connection, in the open model it offers each free connection with p->resume set, off
 * the schedule, until the picker answers HC_CLIENT_PICK_IDLE. A later call with an earlier
 * time moves the wake-up earlier; one with a later time, while one is pending, changes
 * nothing (the picker asks for another then). For a plan runner's next step of an iteration
 * (after a response, after a think time). Only on that worker's thread, from a callback.
 */
void hc_client_wake(struct hc_client *c, unsigned thread, int64_t at_ns);

/* hc_client_stop: asks every thread to end now (in flight: forgotten). Any thread, signals. */
void hc_client_stop(struct hc_client *c);

/* hc_client_join: waits for the threads started to end. Main thread, after hc_client_start. */
void hc_client_join(struct hc_client *c);

/*
 * After hc_client_join: the statistics of one thread; all of them added into total (which
 * hc_client_stats_init prepared); the CLOCK_MONOTONIC end of the last thread; the first
 * failure noted by any thread ("kind: words", or NULL when none); a thread's event loop
 * failure (negative errno, 0 when none).
 */
const struct hc_client_stats *hc_client_thread_stats(const struct hc_client *c, unsigned thread);
void hc_client_total(const struct hc_client *c, struct hc_client_stats *total);
int64_t hc_client_end_ns(const struct hc_client *c);
const char *hc_client_first_failure(const struct hc_client *c);
int hc_client_thread_error(const struct hc_client *c, unsigned thread);

/*
 * hc_client_planned: open model: the requests the schedule plans in its first t_ns (as
 * configured, not counting hc_client_set_rate); 0 in the closed model.
 */
double hc_client_planned(const struct hc_client *c, int64_t t_ns);

/*
 * hc_client_setup_error: why hc_client_new failed, in words (a CA file, certificate or key
 * that cannot be loaded), or NULL when it gave none.
 */
const char *hc_client_setup_error(const struct hc_client *c);

/* hc_client_free: frees everything (after hc_client_join if it was started). Accepts NULL. */
void hc_client_free(struct hc_client *c);

#endif
