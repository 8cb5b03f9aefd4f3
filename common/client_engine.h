/*
 * client_engine.h: the client module's insides, shared by its files and by nothing else (not
 * a public header: the names carry the module's prefix only so that the library exports
 * nothing unprefixed).
 *
 * A worker (client_worker.c) is one thread with its own event loop, its share of the
 * connections, its pacer (open model) and its statistics; nothing on the request path is
 * shared with another thread except, with -n, one atomic ticket counter.
 *
 * A native connection (client_conn.c) is a small state machine: CLOSED -> CONNECTING -> OPEN
 * -> CLOSED, registered once with the loop, edge-triggered, for reading and writing, so a
 * request costs one send() and one recv() and no epoll_ctl in steady state. Requests come from
 * the request set built before the run. Without a picker a connection writes a prefix of the
 * set's shared batch (`pipeline` copies of request 0 back to back), so sending k pipelined
 * requests is one system call; with one, each slot's request is picked into the connection's
 * own output buffer. Each slot of the in-flight ring records which request it carries, its
 * user value and its times. Responses are parsed with the http module's header-skipping,
 * body-counting mode (or the mode the request asks), except that a whole response of the
 * common shape (hc_client_frame_response) is framed without it.
 *
 * TLS (client_tls.c): an https:// connection of the native engine adds a HANDSHAKE state between
 * CONNECTING and OPEN and runs OpenSSL over two memory BIOs, so the engine itself still makes
 * the only system calls: one recv() of ciphertext handed to OpenSSL, one send() of what it
 * sealed.
 *
 * HTTP/2 (client_h2.c): with --http2 an OPEN connection carries an nghttp2 session over the
 * same reads and writes; its in-flight ring becomes a table of stream slots (streams complete
 * in any order), filled up to c->depth, the server's concurrent-stream limit.
 *
 * The libcurl engine (client_multi.c), for plans whose requests go to several targets (the
 * native engine connects to one address): one CURLM multi
 * handle per worker, driven by the worker's own loop (libcurl's socket and timer callbacks map onto
 * hc_loop_add/mod/del and an hc_loop_timer), so the threads, pacing, statistics and hand-off
 * are the native engine's. Each of a worker's connections becomes one easy handle: a request
 * in flight. TLS and HTTP/2 themselves are the packaged libraries' (OpenSSL, nghttp2) on both
 * engines; libcurl adds only its connection handling for many targets.
 *
 * Reporting. Both engines report each request once, through hc_client_worker_response and
 * hc_client_worker_failure (the seam of hc/client.h): these feed the worker's statistics, then
 * the caller's on_response / on_failure.
 *
 * Hand-off to the main thread: once a second a worker adds its interval histograms and counts
 * into its struct hc_client_handoff under the hand-off's mutex; the main thread takes them
 * under the same mutex (hc_client_take). Final statistics are read after join.
 */
#ifndef HC_CLIENT_ENGINE_H
#define HC_CLIENT_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/client.h"
#include "hc/hist.h"
#include "hc/http.h"
#include "hc/loop.h"

/*
 * What every worker shares: read-only after start, but for the ticket counter, the done
 * counter and the rate set while running (each under its lock, or atomic).
 */
struct hc_client_run {
    const struct hc_client_config *cfg; /* the configuration */
    struct hc_client_schedule sched;    /* open: the rate; closed with stages: connections */
    bool conn_stages;                   /* closed model with --stages */
    int64_t start_ns;                   /* CLOCK_MONOTONIC start of the run */
    _Atomic uint64_t tickets;           /* with -n: requests claimed so far by all workers */
    pthread_mutex_t done_lock;          /* guards done; done_cond is signalled when it grows */
    pthread_cond_t done_cond;  /* on CLOCK_MONOTONIC, so the main thread can wait with a tick */
    unsigned done;             /* workers that have finished */
    unsigned gated;            /* native engine: workers with a private descriptor table */
    bool gate_open;            /* every worker may go on: all gated, or some never started */
    pthread_mutex_t rate_lock; /* guards rate and rate_at_ns */
    double rate;               /* hc_client_set_rate: the rate asked for */
    int64_t rate_at_ns;        /* when it was asked (monotonic) */
    _Atomic uint64_t rate_gen; /* bumped by each hc_client_set_rate; 0: never */
    struct ssl_ctx_st *tls;    /* native engine, https://: the TLS context all workers share */
};

/* hc_client_run_sync_init / destroy: the done counter's lock and condition. */
void hc_client_run_sync_init(struct hc_client_run *r);
void hc_client_run_sync_destroy(struct hc_client_run *r);

/*
 * hc_client_run_wait_done: waits until all n workers are done or the monotonic clock reaches
 * deadline_ns, whichever comes first. Returns whether all are done. Main thread.
 */
bool hc_client_run_wait_done(struct hc_client_run *r, unsigned n, int64_t deadline_ns);

/*
 * hc_client_run_open_gate: lets workers waiting at the start gate go on (the main thread calls it
 * when not every worker could be started, so none waits for the missing ones). Any thread.
 */
void hc_client_run_open_gate(struct hc_client_run *r);

/*
 * hc_client_run_claim: claims up to want of the -n requests still unclaimed. Returns how many were
 * claimed (want when the run has no -n bound; 0 when every request is claimed). Any thread.
 */
unsigned hc_client_run_claim(struct hc_client_run *r, unsigned want);

/*
 * hc_client_run_unclaim: gives back n claimed requests that were not sent (the picker had
 * nothing for their slots). A worker that found the count used up meanwhile has already
 * ended; the requests given back then go to the others. Any thread.
 */
void hc_client_run_unclaim(struct hc_client_run *r, unsigned n);

enum hc_client_conn_state {
    HC_CLIENT_CONN_CLOSED,     /* no descriptor */
    HC_CLIENT_CONN_CONNECTING, /* non-blocking connect under way */
    HC_CLIENT_CONN_HANDSHAKE,  /* TCP connected, TLS handshake under way */
    HC_CLIENT_CONN_OPEN,       /* connected; requests may be in flight */
};

struct hc_client_worker;

/* One request in flight: which it is and its times. */
struct hc_client_slot {
    int64_t sent;  /* when the request was written (ns) */
    int64_t due;   /* when it should have been (open model), else sent */
    uint64_t user; /* the picker's user value (0 without one) */
    uint32_t req;  /* index in the request set */
};

struct hc_client_conn {
    struct hc_client_worker *w;      /* owner */
    int fd;                          /* -1 when CLOSED */
    enum hc_client_conn_state state; /* see above */
    unsigned index;                  /* position in the worker's array */
    unsigned head;                   /* in-flight ring: slot of the oldest request */
    unsigned count;                  /* in-flight ring: requests sent and not yet answered */
    struct hc_client_slot *slots;    /* the in-flight ring, `pipeline` slots */
    const char *wdata;               /* what is being written: the shared batch, or out's bytes */
    size_t wpos, wend;               /* the unwritten part of wdata, [wpos, wend) */
    struct hc_buf out;               /* with a picker: the requests it chose, as written */
    uint64_t msg_bytes;              /* bytes of the response being parsed by the library */
    unsigned keep;                   /* the parser's current mode, as HC_CLIENT_KEEP_* */
    int64_t since;                   /* CONNECTING: when the connect began; HANDSHAKE: when
                                        it ended; OPEN: when the connection became ready */
    bool first_byte;                 /* OPEN: a response byte has been read */
    struct ssl_st *ssl;              /* https://: the TLS session, else NULL */
    struct bio_st *tls_in;           /* memory BIO: ciphertext read, for OpenSSL to decrypt */
    struct bio_st *tls_out;          /* memory BIO: ciphertext OpenSSL wrote, to send */
    size_t tls_sent;                 /* bytes at the front of tls_out already sent */
    bool sealed;                     /* [wpos, wend) is encrypted into tls_out, not yet sent */
    unsigned depth;                  /* requests it may carry at once: `pipeline`, or with
                                        HTTP/2 as many as the server allows (0 after GOAWAY) */
    struct nghttp2_session *h2;      /* HTTP/2: the session, else NULL */
    struct hc_client_h2_slot *h2s;   /* HTTP/2: per-slot stream state, `pipeline` of them */
    unsigned *h2free;                /* HTTP/2: free slot indices (a stack) */
    unsigned h2nfree;                /* entries on it */
    bool goaway;                     /* HTTP/2: the server sent GOAWAY */
    bool answered;                   /* HTTP/2: a stream of this session got its response */
    int64_t retry_at;                /* CLOSED: no reconnect before this (after a failed connect) */
    long ready_pos;                  /* open model: index on the worker's ready stack, -1 if off */
    bool midmsg;                     /* the last read ended inside a response */
    bool wanted;                     /* should be connected (closed-model stages turn this off) */
    bool fill_pending;               /* closed model: on the worker's fill list */
    struct hc_http_parser parser;    /* response parser (skip headers, count body) */
};

/* The mutex-protected hand-off of one second's results to the main thread. */
struct hc_client_handoff {
    pthread_mutex_t lock; /* guards every field below */
    struct hc_hist *lat;  /* corrected latencies since the main thread last took them */
    struct hc_hist *raw;  /* uncorrected latencies, same period */
    uint64_t responses;   /* responses, same period */
    uint64_t errors;      /* failed requests, same period */
    uint64_t sent;        /* requests sent since the start, as of the last hand-off */
    bool done;            /* the worker has finished and flushed everything */
};

struct hc_client_worker {
    unsigned index;                     /* 0..threads-1 */
    struct hc_client_run *run;          /* shared */
    const struct hc_client_config *cfg; /* run->cfg */
    struct hc_loop *loop;               /* this thread's loop */
    pthread_t thread;                   /* valid once started */
    bool started;                       /* thread was created */
    struct hc_client_multi *multi;      /* the libcurl engine (several targets), or NULL */
    struct hc_client_conn *conns;       /* nconns connections (none with the libcurl engine) */
    size_t nconns;
    struct hc_client_conn **ready; /* open model: connections that can take a request now */
    size_t nready;
    struct hc_client_pacer pacer; /* open model: this thread's arrival times */
    bool starved;                 /* open model: a due request found no free connection */
    int64_t first_open_ns; /* when a connection (or transfer) first completed; INT64_MAX: not yet */
    uint64_t rate_gen;     /* the run's rate_gen this worker's pacer follows */
    struct hc_loop_timer pace_timer;  /* open model: the next due request */
    struct hc_loop_timer sweep_timer; /* timeouts, reconnects, closed-model stages */
    struct hc_loop_timer tick_timer;  /* once a second: hand the interval over */
    struct hc_loop_timer end_timer;   /* the deadline, then the hard stop after it */
    struct hc_loop_timer fill_timer;  /* closed model: sends the fill list after an I/O batch */
    struct hc_loop_timer wake_timer;  /* hc_client_wake: offer the free slots to the picker */
    bool resuming;                    /* open model: the slots picked now are off schedule */
    struct hc_client_conn **fills;    /* closed model: connections answered in this I/O batch */
    size_t nfills;
    int64_t sweep_ns;     /* sweep period */
    int64_t deadline_ns;  /* absolute end of sending, INT64_MAX with -n alone */
    int64_t next_tick_ns; /* absolute time of the next tick */
    uint64_t inflight;    /* requests in flight on all connections */
    bool ending;          /* no new requests: deadline passed, -n claimed, or stopping */
    bool hard_ending;     /* the end timer now marks the hard stop */
    bool finished;        /* everything closed and counted */
    int64_t end_ns;       /* when this worker finished (monotonic) */
    char *rbuf;           /* HC_CLIENT_READ_BYTES of read buffer */
    char *tbuf;           /* https://: HC_CLIENT_READ_BYTES of decrypted bytes */
    struct ssl_session_st **tls_sessions;   /* HC_CLIENT_MAX_TLS_SESSIONS, a ring (client_tls.c) */
    unsigned tls_first, tls_count;          /* the oldest kept session; how many are kept */
    char tls_error[256];                    /* why the last TLS handshake (or record, or HTTP/2
                                               frame) failed */
    unsigned owed;                          /* HTTP/2: refused by a GOAWAY, to send again */
    struct nghttp2_session_callbacks *h2cb; /* HTTP/2: the callbacks of every session */
    struct hc_http_header *h2hdrs;          /* HTTP/2: a kept response's fields */
    char *h2scratch;                        /* HTTP/2: lower-cased request field names */
    struct hc_client_stats stats;           /* totals, read by the main thread after join */
    struct hc_hist *ival_lat;               /* this second's corrected latencies */
    struct hc_hist *ival_raw;               /* this second's uncorrected latencies */
    uint64_t ival_responses;                /* this second's responses */
    uint64_t ival_errors;                   /* this second's failed requests */
    struct hc_client_handoff slot;          /* hand-off to the main thread */
    int error;                              /* a setup failure (negative errno), 0 when none */
    char first_error[160]; /* what the first failed request died of ("" when none) */
};

/*
 * hc_client_worker_init: prepares worker index of run with nconns connections (its loop, buffers
 * and histograms). 0 or a negative errno (the loop could not be made). Free with
 * hc_client_worker_destroy, also after a failure.
 */
int hc_client_worker_init(struct hc_client_worker *w, struct hc_client_run *run, unsigned index,
                          size_t nconns);
void hc_client_worker_destroy(struct hc_client_worker *w);

/* hc_client_worker_main: the thread body (arg is the struct hc_client_worker). Returns NULL. */
void *hc_client_worker_main(void *arg);

/* hc_client_worker_stop: asks the worker to end now. Any thread, and signal handlers. */
void hc_client_worker_stop(struct hc_client_worker *w);

/*
 * hc_client_worker_take: moves what the worker handed over since the last call into lat/raw (added)
 * and *responses and *errors (added). Returns whether the worker is done. Main thread.
 */
/* hc_client_worker_sent: the slot's sent count (under its lock). Main thread. */
uint64_t hc_client_worker_sent(struct hc_client_worker *w);

bool hc_client_worker_take(struct hc_client_worker *w, struct hc_hist *lat, struct hc_hist *raw,
                           uint64_t *responses, uint64_t *errors);

/* client_conn.c: the connection state machine, called by the worker. */
void hc_client_conn_init(struct hc_client_conn *c, struct hc_client_worker *w, unsigned index);
void hc_client_conn_destroy(struct hc_client_conn *c);
/* Starts connecting a CLOSED connection; a failure counts a connect error. */
void hc_client_conn_connect(struct hc_client_conn *c);
/* Closes without counting anything (in-flight requests are forgotten). */
void hc_client_conn_close(struct hc_client_conn *c);
/* Fails every in-flight request with kind, closes, and reconnects unless the worker is ending. */
void hc_client_conn_fail(struct hc_client_conn *c, enum hc_client_err kind);
/* Reports every in-flight request as failed with kind (detail: words for the first, or NULL). */
void hc_client_conn_fail_inflight(struct hc_client_conn *c, enum hc_client_err kind,
                                  const char *detail);
/* Closed model: fills the pipeline with new requests (claims -n tickets). */
void hc_client_conn_fill(struct hc_client_conn *c);
/* Open model: sends one request due at due_ns on a connection from the ready stack. */
void hc_client_conn_send(struct hc_client_conn *c, int64_t due_ns, int64_t now_ns);

/* client_tls.c: TLS for native connections, over memory BIOs (see the file's comment). */

/*
 * hc_client_tls_ctx_new: the context of cfg's TLS settings (versions, CAs, verification, client
 * certificate, session cache). 0, or -EINVAL with the reason in err. Free with
 * hc_client_tls_ctx_free (accepts NULL).
 */
int hc_client_tls_ctx_new(const struct hc_client_config *cfg, struct ssl_ctx_st **out, char *err,
                          size_t errlen);
void hc_client_tls_ctx_free(struct ssl_ctx_st *ctx);
/* hc_client_tls_forget: drops worker w's cached session. */
void hc_client_tls_forget(struct hc_client_worker *w);
/*
 * hc_client_tls_begin: starts the client handshake on connected c (ALPN, SNI, the cached
 * session). 0, or -EPROTO with the reason in w->tls_error.
 */
int hc_client_tls_begin(struct hc_client_conn *c);
/*
 * hc_client_tls_handshake: goes on with the handshake after input. 1: done; 0: it waits for
 * more; -EPROTO: failed, the reason in w->tls_error.
 */
int hc_client_tls_handshake(struct hc_client_conn *c);
/* hc_client_tls_input: hands n bytes read from the socket to OpenSSL. */
void hc_client_tls_input(struct hc_client_conn *c, const char *data, size_t n);
/*
 * hc_client_tls_read: decrypts into buf. Bytes decrypted; -EAGAIN: needs more input; 0: the
 * server closed the TLS session; -EBADMSG: a record that is not valid TLS (reason in
 * w->tls_error).
 */
ssize_t hc_client_tls_read(struct hc_client_conn *c, char *buf, size_t len);
/* hc_client_tls_seal: encrypts len bytes into tls_out. 0 or -EIO. */
int hc_client_tls_seal(struct hc_client_conn *c, const char *data, size_t len);
/*
 * hc_client_tls_push: sends what tls_out holds. 0: all sent (or nothing to send); -EAGAIN: the
 * rest waits for the write edge; another negative errno: the socket failed.
 */
int hc_client_tls_push(struct hc_client_conn *c);
/* hc_client_tls_unsent: ciphertext waits to be sent. */
bool hc_client_tls_unsent(const struct hc_client_conn *c);
/* hc_client_tls_alpn_h2: the server chose HTTP/2 by ALPN. */
bool hc_client_tls_alpn_h2(const struct hc_client_conn *c);
/* hc_client_tls_partial: OpenSSL holds part of a record (it waits for the rest). */
bool hc_client_tls_partial(const struct hc_client_conn *c);
/* hc_client_tls_close: frees the session (the descriptor is the caller's). */
void hc_client_tls_close(struct hc_client_conn *c);

/* client_h2.c: HTTP/2 on native connections (see the file's comment). */

/* Most header fields of one HTTP/2 request or kept response, pseudo-headers included. */
#define HC_CLIENT_H2_MAX_FIELDS (HC_HTTP_MAX_HEADERS + 8)
/* Bytes of lower-cased field names of one request. */
#define HC_CLIENT_H2_SCRATCH 8192

struct hc_client_h2_slot;
/* The callbacks every session of a worker shares. 0 or -ENOMEM. */
int hc_client_h2_callbacks_new(struct nghttp2_session_callbacks **out);
void hc_client_h2_callbacks_free(struct nghttp2_session_callbacks *cb);
/* hc_client_h2_begin: a client session on open c (SETTINGS, windows). 0 or a negative errno. */
int hc_client_h2_begin(struct hc_client_conn *c);
/* hc_client_h2_close: drops the session (in-flight streams are forgotten). */
void hc_client_h2_close(struct hc_client_conn *c);
/* hc_client_h2_destroy: also frees the slot tables. */
void hc_client_h2_destroy(struct hc_client_conn *c);
/* hc_client_h2_queue: submits up to k requests (picked, or request 0). Returns how many. */
unsigned hc_client_h2_queue(struct hc_client_conn *c, unsigned k, int64_t due_ns, int64_t now_ns);
/* hc_client_h2_input: hands bytes read to nghttp2 (streams complete from here). 0 or -EBADMSG
 * (the reason in w->tls_error). */
int hc_client_h2_input(struct hc_client_conn *c, const char *data, size_t len);
/* hc_client_h2_pending: the frames nghttp2 has to send, into [wpos, wend) of c->out. 0 or
 * -EBADMSG. */
int hc_client_h2_pending(struct hc_client_conn *c);
/*
 * Whether nghttp2 has frames to send; whether the session has ended (it reads no more: after a
 * GOAWAY with no stream left, or a protocol error, whose words are then in w->tls_error).
 */
bool hc_client_h2_wants_write(const struct hc_client_conn *c);
bool hc_client_h2_ended(const struct hc_client_conn *c);
/* Reports every open stream as failed with kind (detail for the first). */
void hc_client_h2_fail_inflight(struct hc_client_conn *c, enum hc_client_err kind,
                                const char *detail);
/* When the oldest open stream was sent (INT64_MAX: none). */
int64_t hc_client_h2_oldest(const struct hc_client_conn *c);

/* client_worker.c, for the engines. */
void hc_client_worker_ready_update(struct hc_client_worker *w, struct hc_client_conn *c);
void hc_client_worker_dispatch(struct hc_client_worker *w);
/* Closed model: c has room for requests again; they go out once this I/O batch is read. */
void hc_client_worker_defer_fill(struct hc_client_worker *w, struct hc_client_conn *c);
void hc_client_worker_check_done(struct hc_client_worker *w);
/* hc_client_worker_wake: hc_client_wake for worker w (its loop thread). */
void hc_client_worker_wake(struct hc_client_worker *w, int64_t at_ns);
/*
 * The engine seam: every response and every failed request of this worker, reported once by
 * either engine. Each feeds the worker's statistics (and its first failure, from a failure's
 * detail), then the caller's on_response / on_failure. Loop thread.
 */
void hc_client_worker_response(struct hc_client_worker *w, const struct hc_client_response *r);
void hc_client_worker_failure(struct hc_client_worker *w, const struct hc_client_failure *f);

/* client_multi.c: the libcurl engine. */

/*
 * hc_client_multi_new: an engine for worker w with n easy handles (its share of the
 * connections), set up from the worker's configuration. 0, or -ENOMEM / -EIO when libcurl
 * refuses. Free with hc_client_multi_free.
 */
int hc_client_multi_new(struct hc_client_worker *w, size_t n, struct hc_client_multi **out);
void hc_client_multi_free(struct hc_client_multi *m);
/* Closed model: starts a request on every handle (each claims a -n ticket). Loop thread. */
void hc_client_multi_start(struct hc_client_multi *m);
/* Open model: how many handles can take a request now. */
size_t hc_client_multi_idle(const struct hc_client_multi *m);
/* Open model: starts one request due at due_ns on an idle handle. */
void hc_client_multi_send(struct hc_client_multi *m, int64_t due_ns, int64_t now_ns);
/* Stops every transfer: with fail, each in-flight request counts as a timeout. */
void hc_client_multi_stop_all(struct hc_client_multi *m, bool fail);

/* client.c: the client itself. */
struct hc_client {
    struct hc_client_config cfg;      /* the caller's, copied */
    struct hc_client_run run;         /* what the workers share */
    struct hc_client_worker *workers; /* cfg.threads workers */
    unsigned started;                 /* threads created */
    bool sync_ready;                  /* run's locks are initialised */
    char error[256];                  /* hc_client_setup_error ("" when none) */
};

#endif
