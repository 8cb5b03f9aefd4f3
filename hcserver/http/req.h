/*
 * req.h: a request as the application sees it, and the application as the connection layer
 * sees it.
 *
 * The connection layer (conn.c) reads and parses; for every complete request it calls the
 * application through one function pointer, req_app.dispatch, registered at start-up (the way
 * h2o registers its handlers). A handler reads the request's method, target, body and the
 * headers it asks for, answers through reply.h at once or hands the request on (req_away) and
 * answers later from any thread (req_finish_async). Handlers never see a connection.
 *
 * State of the application. Each request object carries req_app.ctx_size bytes that belong to
 * the application (req_ctx): the handler's state while the request is away (an order id, a
 * store write, a queue append). Request objects are kept for reuse by their loop thread, and
 * the context area with them, so a warm server handles a request without allocating. The
 * connection layer never reads or clears the area: the application resets what it uses at
 * dispatch.
 *
 * Memory: a request's transient memory (the JSON tree of its body, a listing's text) comes
 * from its own arena, r->arena, reset when the request is released after its response has gone
 * into the connection's output. Whichever thread holds r (the loop thread, or a pool, store or
 * queue thread while r is away) may use r->arena; nothing that outlives the request may point
 * into it.
 *
 * Threading: dispatch runs on the request's loop thread; so does req_away. The other functions
 * may be called by whichever thread holds r.
 */
#ifndef HCSERVER_REQ_H
#define HCSERVER_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/arena.h"
#include "hc/buf.h"
#include "hc/http.h"

/* Headers a handler may add to every response of a request (req_set_header), and their text. */
#define REQ_MAX_STICKY        2
#define REQ_STICKY_TEXT_BYTES 192

struct req;

/* The application, registered once before the loops start. */
struct req_app {
    /*
     * Runs a complete request on its loop thread: answer it (reply.h) before returning, or
     * call req_away and answer later with req_finish_async.
     */
    void (*dispatch)(struct req *r);
    /* r's response has gone into the connection's output, seconds after r was complete (for
     * metrics); also for requests the connection answered itself (label -1). Loop thread. */
    void (*done)(struct req *r, double seconds);
    size_t ctx_size; /* bytes of per-request state the application keeps in every request */
    void *arg;       /* the application: r->app */
};

/* One request, from its parsed message to its written response. */
struct req {
    /* For the application. */
    const char *method;    /* "GET" ... (static); a HEAD request reads as "GET" (see head) */
    struct hc_buf target;  /* request-target, NUL-terminated; the handler may edit it */
    struct hc_buf body;    /* request body, NUL-terminated */
    void *app;             /* req_app.arg */
    int label;             /* the application's name for the request (its route), -1 unset */
    int status;            /* the answer's status code, set by reply */
    struct hc_buf resp;    /* the answer, head and body, written by reply */
    struct hc_arena arena; /* transient memory (JSON, a listing), reset on release */
    size_t expect_bytes;   /* set before req_away: the answer's expected size, counted against
                              the memory budget while r is away (0: a small answer) */
    int64_t pace_ns;       /* set by the handler: the connection reads no further request
                              until r's answer went out and this long more (0: no pace) */
    /* The connection layer's: handlers do not touch these. */
    struct req *next;              /* the connection's queue, or the free list */
    struct conn *conn;             /* the connection (may be closed before the answer comes) */
    struct io_thread *io;          /* the loop thread that owns the connection */
    const struct hc_http_msg *msg; /* the parsed message, during dispatch only */
    int64_t start_ns;              /* when the message was complete */
    bool done;                     /* resp holds the whole response */
    bool async;                    /* handed on (req_away) */
    bool keep_alive;               /* the client allows another request after this one */
    bool head;                     /* a HEAD request: handled as GET, answered without body */
    struct hc_buf alog;            /* the access log's fields of the request (access_log.h) */
    unsigned nsticky;              /* headers in sticky */
    size_t sticky_len;             /* bytes used in sticky_text */
    struct hc_http_header sticky[REQ_MAX_STICKY]; /* added to every reply of this request */
    char sticky_text[REQ_STICKY_TEXT_BYTES];      /* their names and values */
    max_align_t ctx[];                            /* req_app.ctx_size bytes, the app's */
};

/* The application's per-request state (req_app.ctx_size bytes, suitably aligned). */
static inline void *req_ctx(struct req *r)
{
    return r->ctx;
}

/*
 * The value of header name (case-insensitive; the first of several) and its length in *len
 * (may be NULL); NULL when absent. Only during dispatch: the value lives in the connection's
 * input, so a handler that needs it later copies it into its context.
 */
const char *req_header(const struct req *r, const char *name, size_t *len);

/*
 * Adds a header to every response r gets from now on (RateLimit on an allowed request).
 * Both strings are copied. 0, or HC_ETOOLARGE past REQ_MAX_STICKY headers or
 * REQ_STICKY_TEXT_BYTES of text (the header is then left out).
 */
int req_set_header(struct req *r, const char *name, const char *value);

/* Whether the client may send another request after this one (reply adds Connection: close
 * when not). */
bool req_keep_alive(const struct req *r);

/*
 * Marks r as away: its handler has handed it to a pool, the store or a queue and will answer
 * later with req_finish_async. Call it on the loop thread, right after the hand-over
 * succeeded. A handler that does not call it must have answered r before it returns.
 */
void req_away(struct req *r);

/* Any thread: r's response is in r->resp; sends it (in order) on r's loop thread. */
void req_finish_async(struct req *r);

#endif
