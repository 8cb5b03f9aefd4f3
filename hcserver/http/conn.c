/*
 * conn.c: the connection state machine.
 *
 * Reading. The socket is registered once, edge-triggered for reading and writing, so the loop
 * never changes its interest: on a read event we read until EAGAIN into the connection's input
 * buffer, then parse out as many complete requests as the pipeline bound allows. When a bound
 * stops us (too many requests in flight, too many unsent bytes) the rest stays in the input
 * buffer, and we parse it again as soon as a response goes out: no event is lost, because we
 * resume by calling the reader ourselves.
 *
 * The application. A complete request goes to the one function registered at start-up
 * (cs->app->dispatch, req.h), with the parsed message readable through req_header while it
 * runs; this file knows nothing of routes, handlers or the store, and the application knows
 * nothing of connections.
 *
 * Ordering. Requests sit in a FIFO; a response is written only when every request before it
 * has its response. A request handed to a pool keeps its place in the FIFO while it waits.
 *
 * Lifetime. A connection is freed when its socket is closed and no request of it is still out
 * on a pool or in the store: those come back (on this loop thread) and find it closed, and the
 * last one frees it.
 *
 * Timeouts. One timer per connection: while a request is partly read it is the header
 * timeout, counted from the request's first byte (a slow client cannot extend it by
 * trickling); while nothing is outstanding it is the idle timeout.
 */
#include "http/conn.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sched.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hc/limits.h"
#include "hc/net.h"
#include "http/reply.h"

#define READ_CHUNK 16384
#define MAX_ROUNDS 16

struct conn {
    struct conn *prev, *next;     /* io thread's list */
    struct io_thread *io;         /* owner */
    int fd;                       /* -1 once closed */
    struct hc_http_parser parser; /* request parser */
    struct hc_buf in;             /* bytes read and not yet parsed */
    struct hc_buf out;            /* response bytes not yet written */
    struct req *head, *tail;      /* requests in order */
    unsigned nreqs;               /* in the queue */
    unsigned away;                /* of those, out on a pool or in the store */
    struct hc_loop_timer timer;   /* header / idle timeout */
    int64_t msg_start;            /* when the partial request began; 0: none */
    bool timer_idle;              /* the armed timer is the idle one (re-checked on expiry) */
    int64_t last_active;          /* last read or write progress */
    bool eof;                     /* the peer closed its side */
    bool no_more;                 /* parse nothing more (error, Connection: close, drain) */
    bool head_answered;           /* the partial request's head was looked at (Expect) */
    int64_t paced_until;          /* no request is read before this (req.pace_ns); 0: none */
    size_t charged;               /* bytes this connection counts in cs->mem_used */
    char peer[48];                /* the client's address, for the access log (when on) */
    bool budget_blocked;          /* stopped reading for the memory budget (io->budget resumes) */
};

/* Whether c waits out a pace its last answer asked for (req.pace_ns). */
static bool conn_paced(const struct conn *c)
{
    return c->paced_until != 0 && c->paced_until > hc_loop_now(c->io->loop);
}

static void conn_close(struct conn *c);
static void conn_process(struct conn *c);
static void budget_check_soon(struct io_thread *io);
static void on_trim(struct hc_loop *loop, struct hc_loop_timer *t, void *data);

/*
 * The reading bound of the memory budget: half of it. What the connections hold is counted by
 * capacity, but the allocator's own overhead and the lag between a connection growing and its
 * next accounting are not (measured: RSS rose up to 1.5 times the counted bytes under a load
 * of pipelined scrapes), so reads stop early enough for RSS to stay within the budget.
 */
static size_t budget_soft(const struct conn_server *cs)
{
    return cs->mem_budget / 2;
}

/*
 * A connection's fair share: half the budget over the open connections, within
 * HC_SERVER_CONN_MIN_FAIR_BYTES..HC_SERVER_CONN_FAIR_BYTES. Below it a connection is never
 * stopped or closed for the budget; the shares of all together stay within the budget however
 * many connections there are, down to the floor a keep-alive client needs.
 */
static size_t conn_fair(const struct conn_server *cs)
{
    long n = atomic_load_explicit(&cs->nconns, memory_order_relaxed);
    size_t f = cs->mem_budget / 2 / (size_t)(n > 0 ? n : 1);

    if (f > HC_SERVER_CONN_FAIR_BYTES)
        f = HC_SERVER_CONN_FAIR_BYTES;
    return f < HC_SERVER_CONN_MIN_FAIR_BYTES ? HC_SERVER_CONN_MIN_FAIR_BYTES : f;
}

/*
 * Whether c must stop reading for the budget: the total is at the soft bound and c holds more
 * than its fair share, so the clients that cause the pressure wait, and the others keep being
 * served.
 */
static bool conn_over_budget(const struct conn *c)
{
    const struct conn_server *cs = c->io->cs;

    return (size_t)atomic_load_explicit(&cs->mem_used, memory_order_relaxed) >= budget_soft(cs) &&
           c->charged > conn_fair(cs);
}

static struct req *req_alloc(struct io_thread *io)
{
    struct req *r = io->free_reqs;

    if (r != NULL) {
        io->free_reqs = r->next;
        io->nfree--;
        if (io->nfree < io->nfree_min)
            io->nfree_min = io->nfree;
    } else {
        /* The application's context area is allocated with the request and kept with it. */
        r = hc_xcalloc(1, sizeof(*r) + io->cs->app->ctx_size);
        hc_buf_init(&r->target, HC_URL_MAX_BYTES);
        hc_buf_init(&r->body, HC_SERVER_MAX_BODY_BYTES);
        hc_buf_init(&r->resp, HC_SERVER_MAX_OUT_BYTES);
        hc_buf_init(&r->alog, HC_SERVER_ACCESS_LOG_LINE_BYTES);
        hc_arena_init(&r->arena, HC_SERVER_REQ_ARENA_BYTES, HC_SERVER_REQ_ARENA_MAX_BYTES);
    }
    r->next = NULL;
    r->io = io;
    r->app = io->cs->app->arg;
    r->label = -1;
    r->msg = NULL;
    r->done = false;
    r->async = false;
    r->keep_alive = true;
    r->head = false;
    r->nsticky = 0;
    r->sticky_len = 0;
    r->method = "";
    hc_buf_reset(&r->target);
    hc_buf_reset(&r->body);
    hc_buf_reset(&r->resp);
    hc_buf_reset(&r->alog);
    r->status = 0;
    r->expect_bytes = 0;
    r->pace_ns = 0;
    return r;
}

static void req_destroy(struct req *r)
{
    hc_buf_destroy(&r->target);
    hc_buf_destroy(&r->body);
    hc_buf_destroy(&r->resp);
    hc_buf_destroy(&r->alog);
    hc_arena_destroy(&r->arena);
    free(r);
}

static void req_release(struct req *r)
{
    struct io_thread *io = r->io;

    if (io->nfree >= HC_SERVER_MAX_FREE_REQS) {
        req_destroy(r);
        return;
    }
    /* Keep warm buffers, but not a huge one a single request needed once. */
    if (r->resp.cap > 64 * 1024 || r->body.cap > 64 * 1024) {
        hc_buf_destroy(&r->resp);
        hc_buf_destroy(&r->body);
    }
    /* Everything the request took from its arena dies here; the arena keeps its first
     * block for the next request. */
    hc_arena_reset(&r->arena);
    r->conn = NULL;
    r->next = io->free_reqs;
    io->free_reqs = r;
    io->nfree++;
}

/* What r holds: its object, buffers and arena block, and its answer (expected while away,
 * since another thread may be writing resp then). */
static size_t req_footprint(const struct req *r)
{
    size_t n = sizeof(*r) + r->target.cap + r->body.cap + r->alog.cap + HC_SERVER_REQ_ARENA_BYTES;

    if (r->done || !r->async)
        n += r->resp.cap;
    else
        n += r->expect_bytes;
    return n;
}

/* Brings c's share of cs->mem_used up to date; one atomic add, only when it changed. */
static void conn_account(struct conn *c)
{
    size_t n = sizeof(*c) + c->in.cap + c->out.cap;

    for (const struct req *r = c->head; r != NULL; r = r->next)
        n += req_footprint(r);
    if (c->fd < 0)
        n = 0;
    if (n != c->charged) {
        atomic_fetch_add_explicit(&c->io->cs->mem_used, (long)n - (long)c->charged,
                                  memory_order_relaxed);
        c->charged = n;
    }
}

static void conn_free(struct conn *c)
{
    hc_http_parser_destroy(&c->parser);
    hc_buf_destroy(&c->in);
    hc_buf_destroy(&c->out);
    free(c);
}

static void enqueue(struct conn *c, struct req *r)
{
    r->conn = c;
    if (c->tail != NULL)
        c->tail->next = r;
    else
        c->head = r;
    c->tail = r;
    c->nreqs++;
}

/* A request made from the message the parser just completed. */
static struct req *req_from_msg(struct conn *c)
{
    const struct hc_http_msg *m = &c->parser.msg;
    struct req *r = req_alloc(c->io);

    /* The time of this wake-up: the request's bytes were in by then. */
    r->start_ns = hc_loop_now(c->io->loop);
    r->method = m->method;
    r->keep_alive = m->keep_alive && !c->io->draining;
    /* HEAD is GET without the body (RFC 9110 9.3.2): every GET route serves it, and reply
     * leaves the body out. CONNECT asks for a tunnel this server never opens; whatever the
     * answer, nothing after it on the connection is HTTP, so it closes. */
    if (strcmp(m->method, "HEAD") == 0) {
        r->method = "GET";
        r->head = true;
    } else if (strcmp(m->method, "CONNECT") == 0) {
        r->keep_alive = false;
    }
    hc_buf_append(&r->target, m->target, m->target_len);
    hc_buf_append(&r->body, m->body, m->body_len);
    if (c->io->alog.log != NULL)
        access_log_capture(&r->alog, m);
    return r;
}

/* Answers a request the connection could not read, then closes after it. */
static void protocol_error(struct conn *c, int err)
{
    struct req *r = req_alloc(c->io);

    r->start_ns = hc_now_ns();
    r->keep_alive = false;
    enqueue(c, r);
    if (err == HC_ETOOLARGE && hc_http_parser_head_seen(&c->parser))
        reply_problem(r, 413, "the request body is larger than %llu bytes",
                      (unsigned long long)c->io->cs->max_body);
    else if (err == HC_ETOOLARGE)
        reply_problem(r, 431, "the request line and headers are larger than the server allows");
    else if (err == -ENOTSUP)
        reply_problem(r, 501, "%s: this server decodes only chunked",
                      hc_http_parser_detail(&c->parser));
    else
        reply_problem(r, 400, "malformed HTTP request: %s", hc_http_parser_detail(&c->parser));
    r->done = true;
    c->no_more = true;
}

/* What a request's Expect fields ask for (RFC 9110 10.1.1). */
enum expectation { EXPECT_NONE, EXPECT_CONTINUE, EXPECT_UNKNOWN };

static enum expectation expectation(const struct hc_http_msg *m)
{
    enum expectation e = EXPECT_NONE;

    /* An HTTP/1.0 client cannot mean it: RFC 9110 says to ignore the field. */
    if (m->version_minor == 0)
        return EXPECT_NONE;
    for (size_t i = 0; i < m->nheaders; i++) {
        const struct hc_http_header *h = &m->headers[i];
        if (h->name_len != 6 || strncasecmp(h->name, "Expect", 6) != 0)
            continue;
        if (h->value_len != 12 || strncasecmp(h->value, "100-continue", 12) != 0)
            return EXPECT_UNKNOWN;
        e = EXPECT_CONTINUE;
    }
    return e;
}

/*
 * A request whose head is in and whose body is not: if it expects 100-continue, say
 * "100 Continue" so the client sends the body. Once per request, and only once every earlier
 * response has left the queue, since an interim response must not overtake them. A body too
 * large by its Content-Length never gets here: the parser fails at the end of the head, and
 * the 413 goes out instead. Other expectations are answered 417 once the request is whole
 * (the client is not waiting, so its body is on the way anyway).
 */
static void answer_head(struct conn *c)
{
    const struct hc_http_msg *m = &c->parser.msg;

    if (c->no_more || c->head_answered || c->head != NULL ||
        !hc_http_parser_head_complete(&c->parser))
        return;
    if (expectation(m) == EXPECT_CONTINUE &&
        hc_http_write_response(&c->out, 100, NULL, NULL, 0, NULL, 0) < 0)
        return; /* out is full: try again once it drains */
    c->head_answered = true;
}

static void parse_input(struct conn *c)
{
    size_t off = 0;

    while (!c->no_more && off < c->in.len && c->nreqs < HC_SERVER_MAX_PIPELINE &&
           c->out.len < HC_SERVER_MAX_OUT_BYTES && !conn_paced(c) && !c->budget_blocked) {
        ssize_t n = hc_http_parse(&c->parser, c->in.data + off, c->in.len - off);
        struct req *r;

        if (n == -EAGAIN) {
            off = c->in.len;
            if (c->msg_start == 0)
                c->msg_start = hc_now_ns();
            break;
        }
        if (n < 0) {
            protocol_error(c, (int)n);
            off = c->in.len;
            break;
        }
        off += (size_t)n;
        c->msg_start = 0;
        c->head_answered = false;
        r = req_from_msg(c);
        enqueue(c, r);
        if (!r->keep_alive)
            c->no_more = true;
        if (expectation(&c->parser.msg) == EXPECT_UNKNOWN) {
            reply_problem(r, 417, "the only expectation this server meets is 100-continue");
            r->done = true;
            continue;
        }
        /* The application's one entry point; headers are readable while it runs. */
        r->msg = &c->parser.msg;
        c->io->cs->app->dispatch(r);
        r->msg = NULL;
        if (!r->async)
            r->done = true;
        if (r->pace_ns > 0)
            c->paced_until = INT64_MAX; /* until r's answer is out (collect), then the pace */
    }
    hc_buf_consume(&c->in, off);
    answer_head(c);
}

/* The access log's line for r, whose answer has just gone into c's output. */
static void log_access(struct conn *c, const struct req *r)
{
    const char *end = memmem(r->resp.data, r->resp.len, "\r\n\r\n", 4);
    size_t body = end != NULL ? r->resp.len - (size_t)(end + 4 - r->resp.data) : 0;

    access_log_add(&c->io->alog, c->peer, &r->alog, r->status, r->head ? 0 : body);
}

/* Moves answered requests at the head of the queue into the output buffer. */
static void collect(struct conn *c)
{
    while (c->head != NULL && c->head->done && c->out.len < HC_SERVER_MAX_OUT_BYTES) {
        struct req *r = c->head;
        double secs = (double)(hc_now_ns() - r->start_ns) / HC_NSEC_PER_SEC;

        if (hc_buf_append(&c->out, r->resp.data, r->resp.len) < 0)
            break; /* out is near its cap: wait for the socket to drain */
        c->io->cs->app->done(r, secs);
        if (c->io->alog.log != NULL)
            log_access(c, r);
        if (r->pace_ns > 0)
            c->paced_until = hc_loop_now(c->io->loop) + r->pace_ns;
        c->head = r->next;
        if (c->head == NULL)
            c->tail = NULL;
        c->nreqs--;
        if (!r->keep_alive)
            c->no_more = true;
        req_release(r);
    }
}

/* Writes what is buffered. false when the connection failed and was closed. */
static bool flush_out(struct conn *c)
{
    while (c->out.len > 0) {
        /* send and recv rather than write and read: the same on a socket, without the file
         * layer's checks, measurable at one call per request. */
        ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
        if (n > 0) {
            hc_buf_consume(&c->out, (size_t)n);
            c->last_active = hc_loop_now(c->io->loop);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return true;
        conn_close(c);
        return false;
    }
    return true;
}

static void on_timer(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    struct conn *c = data;

    HC_UNUSED(t);
    if (c->paced_until != 0) {
        /* A pace ended (req.pace_ns): read and parse what waited. */
        c->paced_until = 0;
        conn_process(c);
        return;
    }
    if (c->timer_idle && c->msg_start == 0 && c->away == 0) {
        /* The idle timer is not moved on every request (see arm_timer): check it now. */
        int64_t deadline = c->last_active + c->io->cs->idle_timeout;
        if (deadline > hc_loop_now(loop)) {
            hc_loop_timer_start_at(loop, &c->timer, deadline, on_timer, c);
            return;
        }
    }
    if (c->msg_start != 0 && c->nreqs == 0) {
        struct req *r = req_alloc(c->io);
        r->start_ns = hc_now_ns();
        r->keep_alive = false;
        enqueue(c, r);
        reply_problem(r, 408, "the request did not arrive within the header timeout");
        r->done = true;
        c->no_more = true;
        c->msg_start = 0;
        conn_process(c);
        return;
    }
    conn_close(c);
}

static void arm_timer(struct conn *c)
{
    const struct conn_server *cs = c->io->cs;
    int64_t deadline;

    if (c->away > 0) {
        /* Waiting on our own workers: not the client's fault; no timer. */
        hc_loop_timer_stop(c->io->loop, &c->timer);
        c->timer_idle = false;
        return;
    }
    if (conn_paced(c) && c->paced_until != INT64_MAX) {
        /* Paced: resume at the pace's end, which is well before any timeout. */
        hc_loop_timer_start_at(c->io->loop, &c->timer, c->paced_until, on_timer, c);
        c->timer_idle = false;
        return;
    }
    if (c->paced_until != INT64_MAX)
        c->paced_until = 0;
    if (c->msg_start != 0) {
        deadline = c->msg_start + cs->header_timeout;
        c->timer_idle = false;
    } else {
        /* An idle timer already armed for an earlier deadline stays: when it fires it looks
         * at last_active and re-arms. That saves a heap update per request on busy
         * keep-alive connections. */
        if (c->timer_idle && hc_loop_timer_active(&c->timer))
            return;
        deadline = c->last_active + cs->idle_timeout;
        c->timer_idle = true;
    }
    hc_loop_timer_start_at(c->io->loop, &c->timer, deadline, on_timer, c);
}

/* Reads until EAGAIN (or until a bound says stop). false when the connection was closed. */
static bool read_input(struct conn *c)
{
    while (!c->eof && !c->no_more && c->nreqs < HC_SERVER_MAX_PIPELINE &&
           c->out.len < HC_SERVER_MAX_OUT_BYTES && c->in.len < 2 * READ_CHUNK && !conn_paced(c) &&
           !c->budget_blocked) {
        ssize_t n;
        size_t want;

        if (hc_buf_reserve(&c->in, READ_CHUNK) < 0)
            break;
        want = c->in.cap - c->in.len;
        n = recv(c->fd, c->in.data + c->in.len, want, 0);
        if (n > 0) {
            c->in.len += (size_t)n;
            c->in.data[c->in.len] = '\0';
            c->last_active = hc_loop_now(c->io->loop);
            parse_input(c);
            /* A short read emptied the socket: the next bytes bring a new edge, so skip the
             * read that would only say EAGAIN (one system call less per request). A FIN
             * that came with these bytes is then seen only when the client closes fully
             * or the idle timeout ends the connection. */
            if ((size_t)n < want)
                break;
            continue;
        }
        if (n == 0) {
            c->eof = true;
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN)
            break;
        conn_close(c);
        return false;
    }
    return true;
}

/* Continues a connection that used up its rounds (see conn_process). */
static void resume_post(void *arg)
{
    struct conn *c = arg;

    c->away--;
    if (c->fd < 0) {
        if (c->away == 0)
            conn_free(c);
        return;
    }
    conn_process(c);
}

/*
 * Everything a connection does after an event: parse, answer in order, write, decide. It
 * goes round while anything moves (a deep pipeline is parsed 64 requests at a time), since
 * with edge-triggered events nothing will call it again for bytes it already holds. After
 * MAX_ROUNDS it yields to the other connections of the loop and continues from a post.
 */
static void conn_process(struct conn *c)
{
    for (int round = 0;; round++) {
        size_t in_before = c->in.len, out_before = c->out.len;
        unsigned n_before = c->nreqs;
        bool eof_before = c->eof;

        parse_input(c);
        if (!read_input(c))
            return;
        collect(c);
        if (!flush_out(c))
            return;
        if (c->in.len == in_before && c->out.len == out_before && c->nreqs == n_before &&
            c->eof == eof_before)
            break;
        if (round == MAX_ROUNDS) {
            c->away++; /* holds the connection until the post runs */
            if (hc_loop_post(c->io->loop, resume_post, c) == 0)
                return;
            c->away--;
            round = 0;
        }
    }
    if (c->out.len == 0 && c->nreqs == 0 && (c->no_more || c->eof)) {
        conn_close(c);
        return;
    }
    conn_account(c);
    if (!c->budget_blocked && conn_over_budget(c)) {
        /* Stop reading; io->budget resumes c once the total has come down. */
        c->budget_blocked = true;
        budget_check_soon(c->io);
    }
    arm_timer(c);
}

/* Closes io's connections holding the most until the total is back at the soft bound. */
static void budget_close_worst(struct io_thread *io)
{
    struct conn_server *cs = io->cs;

    while ((size_t)atomic_load(&cs->mem_used) > budget_soft(cs)) {
        size_t fair = conn_fair(cs);
        struct conn *worst = NULL;
        for (struct conn *c = io->conns; c != NULL; c = c->next)
            if (c->charged > fair && (worst == NULL || c->charged > worst->charged))
                worst = c;
        if (worst == NULL)
            return; /* the rest is the other threads' or small connections' */
        conn_close(worst);
    }
}

static void on_budget(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    struct io_thread *io = data;
    struct conn *c, *next;
    bool blocked = false;

    HC_UNUSED(loop);
    HC_UNUSED(t);
    if ((size_t)atomic_load(&io->cs->mem_used) > io->cs->mem_budget)
        budget_close_worst(io);
    for (c = io->conns; c != NULL; c = next) {
        next = c->next;
        if (!c->budget_blocked)
            continue;
        if (conn_over_budget(c)) {
            blocked = true;
            continue;
        }
        c->budget_blocked = false;
        conn_process(c); /* may close c; next is still valid */
    }
    if (blocked)
        budget_check_soon(io);
}

static void budget_check_soon(struct io_thread *io)
{
    if (!hc_loop_timer_active(&io->budget))
        hc_loop_timer_start(io->loop, &io->budget, HC_SERVER_BUDGET_CHECK_NS, on_budget, io);
}

static void on_io(struct hc_loop *loop, int fd, unsigned events, void *data)
{
    struct conn *c = data;

    HC_UNUSED(loop);
    HC_UNUSED(fd);
    if (events & HC_LOOP_ERROR) {
        conn_close(c);
        return;
    }
    conn_process(c);
}

static void conn_close(struct conn *c)
{
    struct io_thread *io = c->io;
    struct req *r, *next;

    if (c->fd < 0)
        return;
    hc_loop_timer_stop(io->loop, &c->timer);
    hc_loop_del(io->loop, c->fd);
    close(c->fd);
    c->fd = -1;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        io->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    io->nconns--;
    atomic_fetch_sub(&io->cs->nconns, 1);
    /* Answered requests go now; those still away come back to a closed connection. */
    for (r = c->head; r != NULL; r = next) {
        next = r->next;
        if (r->done)
            req_release(r);
        else
            r->conn = c; /* still away; req_finish sees fd < 0 */
    }
    c->head = c->tail = NULL;
    c->nreqs = 0;
    conn_account(c); /* fd < 0: gives back all it held */
    if (c->away == 0)
        conn_free(c);
}

const char *req_header(const struct req *r, const char *name, size_t *len)
{
    if (r->msg == NULL)
        return NULL;
    return hc_http_header_get(r->msg, name, len);
}

int req_set_header(struct req *r, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    char *p;

    if (r->nsticky == REQ_MAX_STICKY || REQ_STICKY_TEXT_BYTES - r->sticky_len < nl + vl + 2)
        return HC_ETOOLARGE;
    p = r->sticky_text + r->sticky_len;
    memcpy(p, name, nl + 1);
    memcpy(p + nl + 1, value, vl + 1);
    r->sticky[r->nsticky++] = (struct hc_http_header){p, nl, p + nl + 1, vl};
    r->sticky_len += nl + vl + 2;
    return 0;
}

bool req_keep_alive(const struct req *r)
{
    return r->keep_alive;
}

void req_away(struct req *r)
{
    r->async = true;
    r->conn->away++;
    atomic_fetch_add(&r->io->cs->inflight, 1);
}

/* On the loop thread: a request that was away has its answer. */
static void finish_post(void *arg)
{
    struct req *r = arg;
    struct conn *c = r->conn;

    atomic_fetch_sub(&r->io->cs->inflight, 1);
    r->done = true;
    c->away--;
    if (c->fd < 0) {
        req_release(r);
        if (c->away == 0)
            conn_free(c);
        return;
    }
    conn_process(c);
}

void req_finish_async(struct req *r)
{
    /* The loop's post queue is bounded; a full one means the loop is far behind, and the
     * answer must still arrive, so wait for room. */
    while (hc_loop_post(r->io->loop, finish_post, r) == -EAGAIN)
        sched_yield();
}

static void accept_resume(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    struct io_thread *io = data;

    HC_UNUSED(t);
    if (io->listen_fd >= 0 && !io->draining)
        hc_loop_add(loop, io->listen_fd, HC_LOOP_READ, conn_accept_cb, io);
}

/* The address of a peer as the access log writes it ("127.0.0.1", "::1"). */
static void peer_text(const struct sockaddr_storage *ss, char *out, size_t cap)
{
    const void *a = NULL;

    if (ss->ss_family == AF_INET)
        a = &((const struct sockaddr_in *)ss)->sin_addr;
    else if (ss->ss_family == AF_INET6)
        a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
    if (a == NULL || inet_ntop(ss->ss_family, a, out, (socklen_t)cap) == NULL)
        snprintf(out, cap, "-");
}

void conn_accept_cb(struct hc_loop *loop, int fd, unsigned events, void *data)
{
    struct io_thread *io = data;

    HC_UNUSED(events);
    for (int i = 0; i < 64; i++) {
        int cfd;
        struct conn *c;
        struct sockaddr_storage peer;
        int rc = hc_net_accept(fd, &cfd, io->alog.log != NULL ? &peer : NULL);

        if (rc == -EMFILE || rc == -ENFILE) {
            /* The connection stays queued and the socket stays readable: stop watching it
             * for a moment rather than spin on accept. */
            hc_loop_del(loop, fd);
            hc_loop_timer_start(loop, &io->accept_pause, 100 * HC_NSEC_PER_MSEC, accept_resume, io);
            break;
        }
        if (rc == -EAGAIN)
            break;
        if (rc < 0)
            continue;
        hc_net_set_nodelay(cfd, true);
        c = hc_xcalloc(1, sizeof(*c));
        c->io = io;
        c->fd = cfd;
        if (io->alog.log != NULL)
            peer_text(&peer, c->peer, sizeof(c->peer));
        hc_buf_init(&c->in, HC_SERVER_MAX_HEADER_BYTES + 2 * READ_CHUNK);
        hc_buf_init(&c->out, HC_SERVER_MAX_OUT_BYTES + HC_SERVER_MAX_OUT_BYTES);
        {
            struct hc_http_limits lim = {
                .max_header_bytes = HC_SERVER_MAX_HEADER_BYTES,
                .max_headers = HC_HTTP_MAX_HEADERS,
                .max_body_bytes = io->cs->max_body,
            };
            hc_http_parser_init(&c->parser, HC_HTTP_REQUEST | HC_HTTP_HOST_RULE, &lim);
        }
        c->last_active = hc_loop_now(loop);
        if (hc_loop_add(loop, cfd, HC_LOOP_READ | HC_LOOP_WRITE | HC_LOOP_EDGE, on_io, c) < 0) {
            close(cfd);
            conn_free(c);
            continue;
        }
        c->next = io->conns;
        if (io->conns != NULL)
            io->conns->prev = c;
        io->conns = c;
        io->nconns++;
        atomic_fetch_add(&io->cs->nconns, 1);
        arm_timer(c);
        if (!hc_loop_timer_active(&io->trim))
            hc_loop_timer_start(loop, &io->trim, HC_NSEC_PER_SEC, on_trim, io);
    }
}

void conn_drain_all(struct io_thread *io)
{
    struct conn *c, *next;

    for (c = io->conns; c != NULL; c = next) {
        next = c->next;
        c->no_more = true;
        if (c->nreqs == 0 && c->out.len == 0)
            conn_close(c);
    }
}

void conn_close_all(struct io_thread *io)
{
    while (io->conns != NULL)
        conn_close(io->conns);
    hc_loop_timer_stop(io->loop, &io->budget);
    hc_loop_timer_stop(io->loop, &io->trim);
    access_log_buf_flush(&io->alog);
}

void conn_free_reqs(struct io_thread *io)
{
    while (io->free_reqs != NULL) {
        struct req *r = io->free_reqs;
        io->free_reqs = r->next;
        req_destroy(r);
    }
    io->nfree = 0;
}

/*
 * Once a second while the thread has connections or spare objects: the request objects that
 * stayed on the free list the whole second (the fewest it held) are more than the load needs;
 * free them, down to HC_SERVER_IDLE_FREE_REQS. Freed memory sits in malloc's arenas, which
 * glibc gives back to the system only at their top; malloc_trim returns the rest, and runs
 * only once the connections' total has fallen HC_SERVER_TRIM_BYTES since the last time, so a
 * steady server never pays for it.
 */
static void on_trim(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    struct io_thread *io = data;
    struct conn_server *cs = io->cs;
    size_t drop = io->nfree_min;
    long used = atomic_load(&cs->mem_used), mark = atomic_load(&cs->mem_trimmed);

    HC_UNUSED(t);
    if (io->nfree - drop < HC_SERVER_IDLE_FREE_REQS)
        drop = io->nfree > HC_SERVER_IDLE_FREE_REQS ? io->nfree - HC_SERVER_IDLE_FREE_REQS : 0;
    for (size_t i = 0; i < drop; i++) {
        struct req *r = io->free_reqs;
        io->free_reqs = r->next;
        req_destroy(r);
    }
    io->nfree -= drop;
    io->nfree_min = io->nfree;
    if (used > mark)
        atomic_compare_exchange_strong(&cs->mem_trimmed, &mark, used);
    else if (mark - used >= (long)HC_SERVER_TRIM_BYTES || drop > 0) {
        if (atomic_compare_exchange_strong(&cs->mem_trimmed, &mark, used))
            malloc_trim(0);
    }
    if (io->nconns > 0 || io->nfree > HC_SERVER_IDLE_FREE_REQS || used < mark)
        hc_loop_timer_start(loop, &io->trim, HC_NSEC_PER_SEC, on_trim, io);
}
