/*
 * conn.h: one client connection on an event-loop thread, and the requests it carries.
 *
 * A connection reads, parses with the http module, and turns each complete message into a
 * struct req that the router dispatches. Handlers answer at once (on the loop thread) or hand
 * the request to a worker pool and answer later through req_finish_async. Responses go out in
 * the order the requests came in, however the work finishes, which is what HTTP/1.1
 * pipelining requires: a request's response waits in its req until every earlier one is sent.
 *
 * Bounds: at most HC_SERVER_MAX_PIPELINE requests in flight and HC_SERVER_MAX_OUT_BYTES of
 * unsent responses per connection; past either the connection stops reading until the client
 * catches up. A partial request older than the header timeout gets 408 and the connection
 * closes; a connection idle longer than the idle timeout closes.
 *
 * Memory: a request's transient memory (the JSON tree of its body, a listing's text) comes
 * from its own arena, r->arena, reset when the request is released after its response has
 * gone into the connection's output. Request objects and their buffers are kept for reuse by
 * their loop thread, so a warm server handles a request without allocating. Whichever thread
 * holds r (the loop thread, or a pool, store or queue thread while r is away) may use
 * r->arena; nothing that outlives the request may point into it.
 *
 * Threading: everything here runs on the connection's loop thread, except req_finish_async.
 */
#ifndef HCSERVER_CONN_H
#define HCSERVER_CONN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hc/arena.h"
#include "hc/buf.h"
#include "hc/http.h"
#include "hc/loop.h"
#include "domain/order.h"
#include "backend/queue.h"
#include "backend/store.h"

struct server;
struct conn;

/* An event-loop thread: its loop, its listening socket, its connections. */
struct io_thread {
    struct server *srv;                /* the application */
    unsigned idx;                      /* thread number */
    struct hc_loop *loop;              /* owned; run by thread */
    pthread_t thread;                  /* runs the loop */
    int listen_fd;                     /* SO_REUSEPORT socket of this thread, -1 once closed */
    struct conn *conns;                /* open connections (doubly linked) */
    size_t nconns;                     /* how many */
    struct req *free_reqs;             /* finished requests kept for reuse */
    bool draining;                     /* no more accepts; close connections once idle */
    struct hc_loop_timer accept_pause; /* out of descriptors: accepting resumes on expiry */
};

/* One request, from its parsed message to its written response. */
struct req {
    struct req *next;     /* the connection's queue, or the free list */
    struct conn *conn;    /* the connection (may be closed before the answer comes) */
    struct io_thread *io; /* the loop thread that owns the connection */
    struct server *srv;   /* the application */
    int route;            /* router's route index, for metrics and limits */
    int64_t start_ns;     /* when the message was complete */
    bool done;            /* resp holds the whole response */
    bool async;           /* handed to a pool or the store (req_away) */
    bool keep_alive;      /* the client allows another request after this one */
    bool head;            /* a HEAD request: send no body */
    const char *method;   /* "GET" ... (static) */
    struct hc_buf target; /* request-target, NUL-terminated */
    struct hc_buf body;   /* request body */
    char idem_key[HCSERVER_IDEM_KEY_MAX + 1]; /* Idempotency-Key, "" when absent */
    bool idem_too_long;                       /* the key was longer than we keep */
    char inm[128];                            /* If-None-Match, "" when absent */
    char token[128];     /* the admin token from Authorization: Bearer / X-Admin-Token */
    double rl_limit;     /* the route's rate limit per second, 0: none (RateLimit headers) */
    double rl_remaining; /* tokens left after this request */
    struct hc_buf resp;  /* the response, head and body */
    int status;          /* its status code */
    /* Handler state while the request is on a pool or in the store. */
    uint64_t id;        /* an order, user or ticket id */
    uint64_t arg2;      /* a second number (listing: before) */
    int arg3;           /* a third (listing: limit; patch: status) */
    struct store_op op; /* a write to the store */
    uint64_t idem_hash; /* payload fingerprint for the idempotency table */
    void *ctx;          /* handler-owned, freed by the handler */
    /* Kept with r from request to request, so handling one allocates nothing once warm. */
    struct queue_append append; /* a flash grab's append to the queue */
    struct hc_arena arena;      /* transient memory (JSON, a listing), reset on release */
};

/* Called by the io thread when its listening socket has a connection to take. */
void conn_accept_cb(struct hc_loop *loop, int fd, unsigned events, void *data);

/*
 * Marks r as away: its handler has handed it to a pool or the store and will answer later
 * with req_finish_async. Call it on the loop thread, right after the hand-over succeeded.
 * A handler that does not call it must have answered r (reply) before it returns.
 */
void req_away(struct req *r);

/* Any thread: r's response is in r->resp; sends it (in order) on r's loop thread. */
void req_finish_async(struct req *r);

/* Closes io's idle connections and makes the others close after their current requests. */
void conn_drain_all(struct io_thread *io);

/* Closes every connection of io at once (end of a drain that timed out). */
void conn_close_all(struct io_thread *io);

#endif
