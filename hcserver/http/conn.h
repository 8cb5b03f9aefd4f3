/*
 * conn.h: client connections on the event-loop threads, and the requests they carry; what
 * server.c starts and stops. Handlers see none of this: they see req.h.
 *
 * A connection reads, parses with the http module, and turns each complete message into a
 * struct req that it hands to the application (req_app.dispatch). Responses go out in the
 * order the requests came in, however the work finishes, which is what HTTP/1.1 pipelining
 * requires: a request's response waits in its req until every earlier one is sent.
 *
 * Bounds: at most HC_SERVER_MAX_PIPELINE requests in flight and HC_SERVER_MAX_OUT_BYTES of
 * unsent responses per connection; past either the connection stops reading until the client
 * catches up. Over all connections, a memory budget (conn_server.mem_budget) of what they hold:
 * input, unsent output, queued requests with their bodies and answers (an away request at its
 * expected size). At half of it, connections holding more than their fair share stop
 * reading; past it, the ones holding the most are closed until the total is back at half.
 * Request objects kept for reuse are bounded (HC_SERVER_MAX_FREE_REQS per thread) and those
 * unused for a second are freed, with malloc_trim once much was given back, so memory returns
 * after a burst. A partial request older than the header timeout gets 408 and the connection
 * closes; a connection idle longer than the idle timeout closes.
 *
 * Threading: everything here runs on the connection's loop thread, except req_finish_async.
 */
#ifndef HCSERVER_CONN_H
#define HCSERVER_CONN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hc/loop.h"
#include "http/access_log.h"
#include "http/req.h"

struct conn;

/* What every connection of the process shares: read-only settings, the application, counts. */
struct conn_server {
    int64_t header_timeout;    /* ns a request may take to arrive */
    int64_t idle_timeout;      /* ns a keep-alive connection may sit idle */
    uint64_t max_body;         /* request body bytes */
    const struct req_app *app; /* set once before the loops start */
    atomic_long nconns;        /* open client connections, all threads */
    atomic_long inflight;      /* requests handed on (req_away) and not answered */
    size_t mem_budget;         /* bytes the connections may hold in all (conn.c's budget) */
    atomic_long mem_used;      /* bytes they hold now, as each last accounted for itself */
    atomic_long mem_trimmed;   /* mem_used when malloc_trim last ran */
    struct access_log *alog;   /* --access-log, NULL: off */
};

/* An event-loop thread: its loop, its listening socket, its connections. */
struct io_thread {
    struct conn_server *cs;            /* shared settings and the application */
    unsigned idx;                      /* thread number */
    struct hc_loop *loop;              /* owned; run by thread */
    pthread_t thread;                  /* runs the loop */
    int listen_fd;                     /* SO_REUSEPORT socket of this thread, -1 once closed */
    struct conn *conns;                /* open connections (doubly linked) */
    size_t nconns;                     /* how many */
    struct req *free_reqs;             /* finished requests kept for reuse */
    size_t nfree;                      /* how many (at most HC_SERVER_MAX_FREE_REQS) */
    size_t nfree_min;                  /* the fewest since the last trim: the unused ones */
    struct hc_loop_timer trim;         /* frees unused request objects, then malloc_trim */
    struct hc_loop_timer budget;       /* resumes or closes connections over the budget */
    bool draining;                     /* no more accepts; close connections once idle */
    struct hc_loop_timer accept_pause; /* out of descriptors: accepting resumes on expiry */
    struct access_log_buf alog;        /* this thread's access log lines (log NULL: off) */
};

/* Called by the io thread when its listening socket has a connection to take. */
void conn_accept_cb(struct hc_loop *loop, int fd, unsigned events, void *data);

/* Closes io's idle connections and makes the others close after their current requests. */
void conn_drain_all(struct io_thread *io);

/* Closes every connection of io at once (end of a drain that timed out). */
void conn_close_all(struct io_thread *io);

/* Frees the request objects io kept for reuse. After its loop has stopped. */
void conn_free_reqs(struct io_thread *io);

#endif
