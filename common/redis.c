/*
 * redis.c: hiredis's asynchronous context driven by hc_loop, with timeouts, reconnection and
 * a bound on what is pending.
 *
 * Why hiredis. It is the packaged, maintained Redis client; it formats commands, parses
 * replies and matches them to callbacks. What it leaves to its "adapter" is telling an event
 * loop when to read and write, and what 0.14 lacks altogether is timeouts, reconnection and
 * bounds. That is this file.
 *
 * The adapter. The socket is registered once, level-triggered for reading, for its whole
 * life: hiredis's addRead/delRead hooks are no-ops, since a Redis connection is always read.
 * Writing is where a naive adapter costs: hiredis calls addWrite for every command it buffers,
 * and an adapter that wrote (or asked epoll for EPOLLOUT) each time would make one system call
 * per command. Here addWrite only arms a zero-delay "flush" timer, which hc_loop runs after
 * the I/O callbacks of the current iteration: every command issued during one iteration
 * (10,000 of them, if a callback issues that many) goes out in one write of hiredis's output
 * buffer. Only when the socket does not take it all does the client ask epoll for EPOLLOUT,
 * and it drops that interest once the buffer is drained, so steady state costs no epoll_ctl.
 * While the non-blocking connect is in progress the socket is watched for writing as well,
 * because hiredis learns that the connect finished only from a write event (0.14 marks the
 * context connected on the first write event, so the flush timer must not run hiredis's
 * write before then).
 *
 * Commands. Every accepted command has a record in a ring, in issue order, which is also the
 * order hiredis will call back (Redis answers in order; the handshake commands are not in the
 * ring). All commands of a client share one timeout, so deadlines are in ring order too: one
 * timer watches the oldest command not yet timed out, and a cursor moves through the ring as
 * commands time out. A timed-out record stays in the ring, flagged, until hiredis hands over
 * its late reply (dropped) or fails it in a teardown; it still counts against max_pending,
 * because hiredis still holds its callback. hiredis gets the record's sequence number as its
 * privdata, and each callback checks that it is the ring's head: the ring and hiredis's
 * callback list cannot drift apart unnoticed. The ring grows to its high-water mark and is
 * then reused, so the client's own bookkeeping allocates nothing per command (hiredis's
 * formatting and callback list still do).
 *
 * Subscribers. hiredis keeps a SUBSCRIBE's callback in a per-channel table and calls it for
 * the confirmation and for every message, so a subscription is not a ring entry: the client
 * keeps its channels in a small array of its own, re-sends them after each handshake, counts
 * the confirmations still due, and calls the connection READY when the last one arrives. Such
 * a client takes no commands (hiredis would queue them on another list, and Redis refuses
 * most of them in subscribed mode anyway).
 *
 * Timeouts keep the connection (see the header for why); a connection that reads nothing for
 * dead_timeout while commands are outstanding is reset. The dead check is lazy: reads only
 * store the time, and one timer looks at it when it would expire.
 *
 * Teardown. hiredis frees a context from several places: on a read error or EOF, on a failed
 * connect, and when we call redisAsyncFree. In every case it first calls each pending callback
 * with a NULL reply, then the adapter's cleanup hook, then closes the socket. The client
 * turns NULL replies into the error that fits (teardown_err when we started it, else derived
 * from hiredis's error), treats the cleanup hook as "the connection is gone" (state DOWN,
 * backoff), and never calls into a context from its connect callback (hiredis still uses the
 * context after that returns). redisAsyncFree called from inside a reply callback is deferred
 * by hiredis until the callback returns, which is what a failed AUTH relies on.
 *
 * Re-entrancy. User code runs inside loop callbacks of this client (I/O and timers) and inside
 * hc_redis_free. Each of those entry points counts itself in depth; hc_redis_free called at
 * depth > 0 only marks the client, every later callback is given -ECANCELED, and the outermost
 * entry point frees the client on its way out. So a callback may free the client it belongs
 * to, and nothing touches freed memory.
 */
#include "hc/redis.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hiredis/async.h>

#include "hc/limits.h"

/* privdata of the handshake commands (user commands carry their sequence number instead). */
enum redis_step {
    STEP_AUTH = 1,
    STEP_SELECT,
    STEP_PING,
};

/* One accepted command. */
struct redis_cmd {
    hc_redis_reply_cb *cb; /* the user's callback */
    void *arg;             /* passed to cb */
    int64_t deadline;      /* when it times out (CLOCK_MONOTONIC ns) */
    bool timed_out;        /* cb already ran with -ETIMEDOUT: drop the reply */
};

/* One channel a subscriber client listens to, for its whole life. */
struct redis_sub {
    char *channel;           /* the name (binary safe) */
    size_t len;              /* its length */
    hc_redis_message_cb *cb; /* called for each message */
    void *arg;               /* passed to cb */
};

struct hc_redis {
    struct hc_loop *loop;        /* the loop this client belongs to */
    struct hc_redis_addr addr;   /* where to connect, and the AUTH/SELECT to send */
    int64_t connect_timeout;     /* ns, for an attempt to become READY */
    int64_t command_timeout;     /* ns, from issue to callback */
    int64_t dead_timeout;        /* ns of silence with commands outstanding before a reset */
    int64_t backoff_initial;     /* ns, the first retry delay */
    int64_t backoff_max;         /* ns, the longest retry delay */
    size_t max_pending;          /* the bound on ring entries */
    size_t max_reply_bytes;      /* the bound on hiredis's read buffer */
    hc_redis_state_cb *on_state; /* the user's state callback, or NULL */
    void *state_arg;             /* passed to on_state */

    enum hc_redis_state state; /* what users see */
    redisAsyncContext *ac;     /* the current connection (any state but DOWN), else NULL */
    int fd;                    /* its socket, registered with the loop, else -1 */
    unsigned interest;         /* what fd is registered for (HC_LOOP_READ, | HC_LOOP_WRITE) */
    bool tcp_up;               /* hiredis saw the connect complete */
    bool in_write;             /* inside our call of redisAsyncHandleWrite */
    bool write_more;           /* that call left bytes unwritten: wait for EPOLLOUT */
    bool closing;              /* the context is being torn down: refuse commands */
    int teardown_err;          /* what pending commands fail with in a teardown we began */
    int last_err;              /* why the last attempt failed or connection was lost */
    char last_msg[160];        /* its description */
    bool reason_set;           /* last_err was set during the current attempt or connection */
    bool ever_ready;           /* some connection reached READY (for stats.reconnects) */
    unsigned failures;         /* attempts failed since the last READY (the backoff exponent) */
    int64_t last_read;         /* last read event, or when pending went from 0 to 1 */
    uint64_t rng;              /* xorshift state for the backoff jitter */

    struct hc_loop_timer flush_timer;   /* writes the commands of this iteration */
    struct hc_loop_timer cmd_timer;     /* the deadline of the oldest command not timed out */
    struct hc_loop_timer dead_timer;    /* the dead-connection check */
    struct hc_loop_timer connect_timer; /* the connect timeout of the current attempt */
    struct hc_loop_timer retry_timer;   /* the backoff delay before the next attempt */

    struct redis_cmd *ring; /* pending commands, slot seq & (cap - 1) */
    size_t cap;             /* slots in ring: 0 or a power of two */
    uint64_t head;          /* sequence number of the oldest pending command */
    uint64_t tail;          /* sequence number the next command gets */
    uint64_t tcursor;       /* commands before this one (and after head) have timed out */

    struct redis_sub *subs;  /* channels subscribed to: sent again on every connection */
    size_t nsubs;            /* entries in subs */
    size_t subs_unconfirmed; /* SUBSCRIBEs of this connection not yet confirmed */
    bool ping_done;          /* this connection's handshake PING answered */

    unsigned depth;      /* entry points of this client on the stack */
    bool free_requested; /* hc_redis_free was called; the outermost entry point frees */
    bool constructing;   /* inside hc_redis_new: no state callback */
    struct hc_redis_stats stats;
};

static void redis_connect(struct hc_redis *r);

/* ---- small helpers ---- */

static struct redis_cmd *ring_at(struct hc_redis *r, uint64_t seq)
{
    return &r->ring[seq & (r->cap - 1)];
}

static size_t ring_len(const struct hc_redis *r)
{
    return (size_t)(r->tail - r->head);
}

/* Makes room for one more command (the caller has checked max_pending). */
static void ring_reserve(struct hc_redis *r)
{
    if (ring_len(r) < r->cap)
        return;
    size_t cap = r->cap ? r->cap * 2 : 64;
    struct redis_cmd *ring = hc_xmalloc(cap * sizeof(*ring));
    for (uint64_t s = r->head; s != r->tail; s++)
        ring[s & (cap - 1)] = *ring_at(r, s);
    free(r->ring);
    r->ring = ring;
    r->cap = cap;
}

static void redis_enter(struct hc_redis *r)
{
    r->depth++;
}

static void redis_destroy(struct hc_redis *r);

/* Leaves an entry point; the outermost one carries out a requested free. r may be gone after. */
static void redis_leave(struct hc_redis *r)
{
    if (--r->depth == 0 && r->free_requested)
        redis_destroy(r);
}

static void redis_set_error(struct hc_redis *r, int err, const char *what, const char *detail)
{
    r->last_err = err;
    r->reason_set = true;
    if (detail != NULL && detail[0] != '\0')
        snprintf(r->last_msg, sizeof(r->last_msg), "%s: %s", what, detail);
    else
        snprintf(r->last_msg, sizeof(r->last_msg), "%s: %s", what, hc_strerror(err));
}

static void redis_set_state(struct hc_redis *r, enum hc_redis_state state, int err)
{
    if (r->state == state)
        return;
    r->state = state;
    if (r->on_state != NULL && !r->constructing && !r->free_requested)
        r->on_state(r, state, state == HC_REDIS_DOWN ? err : 0, r->state_arg);
}

static void redis_set_interest(struct hc_redis *r, unsigned interest)
{
    if (r->fd < 0 || r->interest == interest)
        return;
    if (hc_loop_mod(r->loop, r->fd, interest) == 0)
        r->interest = interest;
}

/* Runs a user callback and counts what it was given (always from an entry point: r outlives it). */
static void redis_deliver(struct hc_redis *r, const struct redis_cmd *c, const redisReply *reply,
                          int err)
{
    if (reply != NULL) {
        r->stats.replies++;
        if (reply->type == REDIS_REPLY_ERROR)
            r->stats.reply_errors++;
    } else {
        r->stats.errors++;
        if (err == -ETIMEDOUT)
            r->stats.timeouts++;
    }
    c->cb(r, reply, err, c->arg);
}

/*
 * Starts tearing the connection down: every pending command fails with cmd_err and the
 * client goes DOWN with reason. Safe anywhere but in hiredis's connect callback; inside a
 * reply callback hiredis finishes the job when the callback returns.
 */
static void redis_teardown(struct hc_redis *r, int cmd_err, int reason, const char *detail)
{
    if (r->ac == NULL || r->closing)
        return;
    r->closing = true;
    r->teardown_err = cmd_err;
    if (reason != 0)
        redis_set_error(r, reason, "connection", detail);
    redisAsyncFree(r->ac);
}

/* ---- the backoff ---- */

static uint64_t redis_random(struct hc_redis *r)
{
    uint64_t x = r->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    r->rng = x;
    return x;
}

/* The delay before the next attempt: uniform in [d/2, d], d = min(max, initial * 2^failures). */
static int64_t redis_backoff(struct hc_redis *r)
{
    int64_t d = r->backoff_initial;
    for (unsigned i = 0; i < r->failures && d < r->backoff_max; i++)
        d = d > INT64_MAX / 2 ? INT64_MAX : d * 2;
    d = HC_MIN(d, r->backoff_max);
    int64_t half = d / 2;
    return half + (int64_t)(redis_random(r) % (uint64_t)(d - half + 1));
}

static void redis_on_retry(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(loop);
    HC_UNUSED(t);
    struct hc_redis *r = data;
    redis_enter(r);
    redis_connect(r);
    redis_leave(r);
}

static void redis_schedule_retry(struct hc_redis *r)
{
    if (r->free_requested)
        return;
    /* Only HC_ETOOLARGE (the loop's timer bound) can fail; then the next retry is lost with it. */
    (void)hc_loop_timer_start(r->loop, &r->retry_timer, redis_backoff(r), redis_on_retry, r);
}

/* ---- hiredis's hooks ---- */

static void redis_ev_noop(void *data)
{
    HC_UNUSED(data);
}

static void redis_on_flush(struct hc_loop *loop, struct hc_loop_timer *t, void *data);

static void redis_ev_add_write(void *data)
{
    struct hc_redis *r = data;
    if (r->in_write) {
        r->write_more = true; /* the socket did not take everything */
        return;
    }
    if (!r->tcp_up || r->write_more || hc_loop_timer_active(&r->flush_timer))
        return; /* the connect event or EPOLLOUT will write, or a flush is due already */
    if (hc_loop_timer_start(r->loop, &r->flush_timer, 0, redis_on_flush, r) != 0)
        redis_set_interest(r, HC_LOOP_READ | HC_LOOP_WRITE); /* no timer: let epoll say when */
}

static void redis_ev_del_write(void *data)
{
    struct hc_redis *r = data;
    if (r->in_write)
        r->write_more = false;
}

/* Fails what the ring still holds when a context is gone (hiredis should have called all). */
static void redis_fail_ring(struct hc_redis *r, int err)
{
    while (r->head != r->tail) {
        struct redis_cmd c = *ring_at(r, r->head);
        r->head++;
        if (!c.timed_out)
            redis_deliver(r, &c, NULL, r->free_requested ? -ECANCELED : err);
    }
    r->tcursor = r->head;
}

/* The context is being freed (its callbacks have all run): the connection is gone. */
static void redis_ev_cleanup(void *data)
{
    struct hc_redis *r = data;
    bool was_ready = r->state == HC_REDIS_READY;
    if (!r->reason_set && r->ac != NULL && r->ac->err != 0) {
        /* hiredis ended the connection itself: a read or write error, EOF, or bad protocol. */
        int e = r->ac->err == REDIS_ERR_PROTOCOL ? HC_EPROTO : was_ready ? -ECONNRESET : -ENOTCONN;
        redis_set_error(r, e, "connection", r->ac->errstr);
    }
    if (r->fd >= 0)
        hc_loop_del(r->loop, r->fd);
    r->fd = -1;
    r->interest = 0;
    r->ac = NULL;
    r->tcp_up = false;
    r->write_more = false;
    hc_loop_timer_stop(r->loop, &r->flush_timer);
    hc_loop_timer_stop(r->loop, &r->cmd_timer);
    hc_loop_timer_stop(r->loop, &r->dead_timer);
    hc_loop_timer_stop(r->loop, &r->connect_timer);
    redis_fail_ring(r, was_ready ? -ECONNRESET : -ENOTCONN);
    r->closing = false;
    if (r->free_requested)
        return;
    if (was_ready) {
        r->stats.disconnects++;
        r->failures = 0;
        if (!r->reason_set)
            redis_set_error(r, -ECONNRESET, "connection", NULL);
    } else {
        r->stats.connect_failures++;
        r->failures++;
        if (!r->reason_set)
            redis_set_error(r, -ENOTCONN, "connect", NULL);
    }
    redis_schedule_retry(r);
    redis_set_state(r, HC_REDIS_DOWN, r->last_err);
}

static void redis_on_connect(const redisAsyncContext *ac, int status)
{
    struct hc_redis *r = ac->data;
    if (status == REDIS_OK) {
        r->tcp_up = true;
        return;
    }
    /* hiredis set errno from SO_ERROR just before calling; it frees the context after this. */
    int e = errno != 0 ? errno : ECONNREFUSED;
    redis_set_error(r, -e, "connect", ac->errstr);
}

static void redis_on_disconnect(const redisAsyncContext *ac, int status)
{
    /* The cleanup hook, which runs just before this, has done everything. */
    HC_UNUSED(ac);
    HC_UNUSED(status);
}

/* ---- reading and writing ---- */

static void redis_write(struct hc_redis *r)
{
    r->in_write = true;
    r->write_more = false;
    r->stats.writes++;
    redisAsyncHandleWrite(r->ac);
    r->in_write = false;
    if (r->ac == NULL || !r->tcp_up)
        return;
    redis_set_interest(r, r->write_more ? HC_LOOP_READ | HC_LOOP_WRITE : HC_LOOP_READ);
}

static void redis_on_flush(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(loop);
    HC_UNUSED(t);
    struct hc_redis *r = data;
    redis_enter(r);
    if (r->ac != NULL && r->tcp_up && !r->write_more && !r->closing)
        redis_write(r);
    redis_leave(r);
}

static void redis_on_io(struct hc_loop *loop, int fd, unsigned events, void *data)
{
    HC_UNUSED(fd);
    struct hc_redis *r = data;
    redis_enter(r);
    if (!r->tcp_up) {
        if (events & (HC_LOOP_WRITE | HC_LOOP_ERROR | HC_LOOP_HUP))
            redis_write(r); /* finishes (or fails) the connect, then writes the handshake */
    } else if ((events & HC_LOOP_WRITE) && r->write_more) {
        redis_write(r);
    }
    if (r->ac != NULL && r->tcp_up && (events & (HC_LOOP_READ | HC_LOOP_HUP | HC_LOOP_ERROR))) {
        r->last_read = hc_loop_now(loop);
        redisAsyncHandleRead(r->ac);
        if (r->ac != NULL && r->ac->c.reader->len > r->max_reply_bytes)
            redis_teardown(r, -EMSGSIZE, -EMSGSIZE, "a reply is larger than the bound");
    }
    redis_leave(r);
}

/* ---- timers of a connection ---- */

static void redis_on_cmd_timer(struct hc_loop *loop, struct hc_loop_timer *t, void *data);

/* Arms the command timer for the oldest command that has not timed out, if any. */
static void redis_arm_cmd_timer(struct hc_redis *r)
{
    if (r->tcursor < r->head)
        r->tcursor = r->head;
    if (r->tcursor == r->tail)
        return;
    /* Only the loop's timer bound can refuse; the dead check then still bounds the wait. */
    (void)hc_loop_timer_start_at(r->loop, &r->cmd_timer, ring_at(r, r->tcursor)->deadline,
                                 redis_on_cmd_timer, r);
}

static void redis_on_cmd_timer(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(t);
    struct hc_redis *r = data;
    redis_enter(r);
    int64_t now = hc_loop_now(loop);
    if (r->tcursor < r->head)
        r->tcursor = r->head;
    while (r->tcursor != r->tail && !r->free_requested) {
        struct redis_cmd *c = ring_at(r, r->tcursor);
        if (c->deadline > now)
            break;
        c->timed_out = true;
        struct redis_cmd copy = *c;
        r->tcursor++;
        /* The callback may issue commands, which may move the ring: c is not used after. */
        redis_deliver(r, &copy, NULL, -ETIMEDOUT);
    }
    if (!r->free_requested)
        redis_arm_cmd_timer(r);
    redis_leave(r);
}

static void redis_on_dead_timer(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(t);
    struct hc_redis *r = data;
    redis_enter(r);
    int64_t now = hc_loop_now(loop);
    if (ring_len(r) > 0 && r->state == HC_REDIS_READY && !r->free_requested) {
        if (now - r->last_read >= r->dead_timeout) {
            char msg[96];
            snprintf(msg, sizeof(msg), "nothing read for %lld ms with commands outstanding",
                     (long long)((now - r->last_read) / HC_NSEC_PER_MSEC));
            r->stats.dead_resets++;
            redis_teardown(r, -ECONNRESET, -ETIMEDOUT, msg);
        } else {
            (void)hc_loop_timer_start_at(loop, &r->dead_timer, r->last_read + r->dead_timeout,
                                         redis_on_dead_timer, r);
        }
    }
    redis_leave(r);
}

static void redis_on_connect_timer(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(loop);
    HC_UNUSED(t);
    struct hc_redis *r = data;
    redis_enter(r);
    if (r->state == HC_REDIS_CONNECTING)
        redis_teardown(r, -ENOTCONN, -ETIMEDOUT, "not ready within the connect timeout");
    redis_leave(r);
}

/* ---- the handshake ---- */

/* The errno for an error reply to the handshake: refused credentials, or anything else. */
static int redis_handshake_errno(enum redis_step step, const redisReply *reply)
{
    const char *s = reply->str != NULL ? reply->str : "";
    if (step == STEP_AUTH || strncmp(s, "NOAUTH", 6) == 0 || strncmp(s, "WRONGPASS", 9) == 0)
        return -EACCES;
    return HC_EPROTO;
}

static void redis_become_ready(struct hc_redis *r);

static void redis_on_handshake(redisAsyncContext *ac, void *reply_, void *privdata)
{
    struct hc_redis *r = ac->data;
    const redisReply *reply = reply_;
    enum redis_step step = (enum redis_step)(uintptr_t)privdata;
    if (reply == NULL || r->free_requested || r->closing)
        return; /* the context is going away; the cleanup hook handles the state */
    bool ok = reply->type != REDIS_REPLY_ERROR;
    if (step == STEP_PING)
        ok = reply->type == REDIS_REPLY_STATUS && reply->str != NULL &&
             strcmp(reply->str, "PONG") == 0;
    static const char *const names[] = {"", "AUTH", "SELECT", "PING"};
    if (!ok) {
        int e = reply->type == REDIS_REPLY_ERROR ? redis_handshake_errno(step, reply) : HC_EPROTO;
        /* Inside a reply callback: hiredis frees the context once this returns. */
        redis_teardown(r, -ENOTCONN, 0, NULL);
        redis_set_error(r, e, names[step], reply->str);
        return;
    }
    if (step != STEP_PING)
        return;
    r->ping_done = true;
    if (r->subs_unconfirmed == 0)
        redis_become_ready(r);
}

/* The handshake is complete (and, for a subscriber, every channel confirmed). */
static void redis_become_ready(struct hc_redis *r)
{
    hc_loop_timer_stop(r->loop, &r->connect_timer);
    r->failures = 0;
    r->stats.connects++;
    if (r->ever_ready)
        r->stats.reconnects++;
    r->ever_ready = true;
    r->last_read = hc_loop_now(r->loop);
    if (ring_len(r) > 0)
        (void)hc_loop_timer_start(r->loop, &r->dead_timer, r->dead_timeout, redis_on_dead_timer, r);
    redis_set_state(r, HC_REDIS_READY, 0);
}

static void redis_send_subscribe(struct hc_redis *r, size_t i);

static void redis_send_handshake(struct hc_redis *r)
{
    const char *argv[3];
    int argc = 0;
    if (r->addr.password != NULL) {
        argv[argc++] = "AUTH";
        if (r->addr.user != NULL)
            argv[argc++] = r->addr.user;
        argv[argc++] = r->addr.password;
        redisAsyncCommandArgv(r->ac, redis_on_handshake, (void *)(uintptr_t)STEP_AUTH, argc, argv,
                              NULL);
    }
    if (r->addr.db != 0) {
        char db[HC_DEC_MAX + 1];
        char *d = hc_dec_u64(db, (uint64_t)r->addr.db);
        size_t len = (size_t)(db + HC_DEC_MAX - d);
        const char *sel[2] = {"SELECT", d};
        size_t lens[2] = {6, len};
        redisAsyncCommandArgv(r->ac, redis_on_handshake, (void *)(uintptr_t)STEP_SELECT, 2, sel,
                              lens);
    }
    const char *ping[1] = {"PING"};
    redisAsyncCommandArgv(r->ac, redis_on_handshake, (void *)(uintptr_t)STEP_PING, 1, ping, NULL);
    r->ping_done = false;
    r->subs_unconfirmed = 0;
    for (size_t i = 0; i < r->nsubs; i++)
        redis_send_subscribe(r, i);
}

/* ---- subscriptions ---- */

static bool name_is(const char *s, size_t len, const char *name);

/*
 * The callback of every SUBSCRIBE: hiredis calls it for the confirmation and then for each
 * message on the channel (and with NULL when the context goes away).
 */
static void redis_on_message(redisAsyncContext *ac, void *reply_, void *privdata)
{
    struct hc_redis *r = ac->data;
    const redisReply *reply = reply_;
    size_t i = (size_t)(uintptr_t)privdata;
    if (reply == NULL || r->free_requested || r->closing || i >= r->nsubs)
        return;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3 ||
        reply->element[0]->type != REDIS_REPLY_STRING)
        return;
    const redisReply *kind = reply->element[0];
    if (name_is(kind->str, kind->len, "subscribe")) {
        if (r->subs_unconfirmed > 0 && --r->subs_unconfirmed == 0 && r->ping_done &&
            r->state == HC_REDIS_CONNECTING)
            redis_become_ready(r);
        return;
    }
    if (!name_is(kind->str, kind->len, "message") || reply->element[2]->type != REDIS_REPLY_STRING)
        return;
    struct redis_sub *sub = &r->subs[i];
    r->stats.messages++;
    sub->cb(r, sub->channel, sub->len, reply->element[2]->str, reply->element[2]->len, sub->arg);
}

static void redis_send_subscribe(struct hc_redis *r, size_t i)
{
    const char *argv[2] = {"SUBSCRIBE", r->subs[i].channel};
    size_t lens[2] = {9, r->subs[i].len};
    if (redisAsyncCommandArgv(r->ac, redis_on_message, (void *)(uintptr_t)i, 2, argv, lens) ==
        REDIS_OK)
        r->subs_unconfirmed++;
}

int hc_redis_subscribe(struct hc_redis *r, const char *channel, size_t len, hc_redis_message_cb *cb,
                       void *arg)
{
    if (r == NULL || channel == NULL || cb == NULL)
        return -EINVAL;
    if (r->free_requested)
        return -ECANCELED;
    if (ring_len(r) > 0 || r->stats.commands > 0)
        return -EBUSY; /* a client is either for commands or for subscriptions */
    if (r->nsubs >= HC_REDIS_MAX_SUBSCRIPTIONS)
        return HC_ETOOLARGE;
    for (size_t i = 0; i < r->nsubs; i++) {
        if (r->subs[i].len == len && memcmp(r->subs[i].channel, channel, len) == 0)
            return -EEXIST;
    }
    r->subs = hc_xrealloc(r->subs, (r->nsubs + 1) * sizeof(*r->subs));
    struct redis_sub *sub = &r->subs[r->nsubs];
    sub->channel = hc_xmalloc(len + 1);
    memcpy(sub->channel, channel, len);
    sub->channel[len] = '\0';
    sub->len = len;
    sub->cb = cb;
    sub->arg = arg;
    r->nsubs++;
    if (r->ac != NULL && !r->closing)
        redis_send_subscribe(r, r->nsubs - 1);
    return 0;
}

/* ---- connecting ---- */

/* An attempt that failed before it had a context to wait on. */
static void redis_attempt_failed_now(struct hc_redis *r, int err, const char *detail)
{
    redis_set_error(r, err, "connect", detail);
    r->stats.connect_failures++;
    r->failures++;
    redis_schedule_retry(r);
    redis_set_state(r, HC_REDIS_DOWN, err);
}

static void redis_connect(struct hc_redis *r)
{
    if (r->ac != NULL || r->free_requested)
        return;
    r->reason_set = false; /* last_err keeps the previous failure until this one has its own */
    r->teardown_err = 0;
    r->closing = false;
    r->tcp_up = false;
    r->write_more = false;
    errno = 0;
    redisAsyncContext *ac = r->addr.is_unix ? redisAsyncConnectUnix(r->addr.path)
                                            : redisAsyncConnect(r->addr.host, r->addr.port);
    int e = errno != 0 ? errno : ECONNREFUSED;
    if (ac == NULL) {
        redis_attempt_failed_now(r, -ENOMEM, "hiredis could not allocate a context");
        return;
    }
    if (ac->err != 0) {
        char msg[128];
        snprintf(msg, sizeof(msg), "%s", ac->errstr);
        /* In 0.14 a connect's only REDIS_ERR_OTHER is a failed getaddrinfo (its text is kept). */
        int err = ac->c.err == REDIS_ERR_IO ? -e : HC_EGAI(EAI_NONAME);
        redisAsyncFree(ac);
        redis_attempt_failed_now(r, err, msg);
        return;
    }
    int fd = ac->c.fd;
    int rc = hc_loop_add(r->loop, fd, HC_LOOP_READ | HC_LOOP_WRITE, redis_on_io, r);
    if (rc != 0) {
        redisAsyncFree(ac);
        redis_attempt_failed_now(r, rc, NULL);
        return;
    }
    r->ac = ac;
    r->fd = fd;
    r->interest = HC_LOOP_READ | HC_LOOP_WRITE;
    ac->data = r;
    ac->ev.data = r;
    ac->ev.addRead = redis_ev_noop;
    ac->ev.delRead = redis_ev_noop;
    ac->ev.addWrite = redis_ev_add_write;
    ac->ev.delWrite = redis_ev_del_write;
    ac->ev.cleanup = redis_ev_cleanup;
    redisAsyncSetConnectCallback(ac, redis_on_connect);
    redisAsyncSetDisconnectCallback(ac, redis_on_disconnect);
    if (!r->addr.is_unix)
        (void)redisEnableKeepAlive(&ac->c); /* a dead peer is found even with nothing pending */
    redis_send_handshake(r);
    (void)hc_loop_timer_start(r->loop, &r->connect_timer, r->connect_timeout,
                              redis_on_connect_timer, r);
    redis_set_state(r, HC_REDIS_CONNECTING, 0);
}

/* ---- commands ---- */

/* The user callback of every command: hiredis hands over the reply (or NULL) in ring order. */
static void redis_on_reply(redisAsyncContext *ac, void *reply_, void *privdata)
{
    struct hc_redis *r = ac->data;
    const redisReply *reply = reply_;
    if (r->head == r->tail || (uintptr_t)r->head != (uintptr_t)privdata)
        hc_panic("redis: reply for command %ju, expected %ju", (uintmax_t)(uintptr_t)privdata,
                 (uintmax_t)r->head);
    struct redis_cmd c = *ring_at(r, r->head);
    r->head++;
    if (reply == NULL && !r->closing) {
        /* hiredis began this teardown itself: a read error, EOF or a protocol error. */
        r->closing = true;
        r->teardown_err = ac->c.err == REDIS_ERR_PROTOCOL ? HC_EPROTO
                          : r->state == HC_REDIS_READY    ? -ECONNRESET
                                                          : -ENOTCONN;
    }
    if (c.timed_out) {
        if (reply != NULL)
            r->stats.late_replies++;
        return;
    }
    if (r->free_requested)
        redis_deliver(r, &c, NULL, -ECANCELED);
    else if (reply == NULL)
        redis_deliver(r, &c, NULL, r->teardown_err != 0 ? r->teardown_err : -ECONNRESET);
    else
        redis_deliver(r, &c, reply, 0);
}

/* One RESP bulk string of a formatted command at *p: its bytes and length; false if malformed. */
static bool resp_next_arg(const char **p, const char *end, const char **arg, size_t *len)
{
    const char *q = *p;
    if (q >= end || *q != '$')
        return false;
    size_t n = 0;
    for (q++; q < end && *q >= '0' && *q <= '9'; q++)
        n = n * 10 + (size_t)(*q - '0');
    if (end - q < 2 || q[0] != '\r' || (size_t)(end - q - 2) < n + 2)
        return false;
    *arg = q + 2;
    *len = n;
    *p = q + 2 + n + 2;
    return true;
}

static bool name_is(const char *s, size_t len, const char *name)
{
    return strlen(name) == len && strncasecmp(s, name, len) == 0;
}

/* Whether a formatted command is one this client can track (see the header). */
static bool redis_command_allowed(const char *cmd, size_t len)
{
    static const char *const refused[] = {
        "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE",
        "MONITOR",   "QUIT",       "RESET",      "HELLO",       "SELECT",       "AUTH",
    };
    const char *end = cmd + len;
    const char *p = memchr(cmd, '\n', len);
    const char *name;
    size_t nlen;
    if (p == NULL || !resp_next_arg(&(const char *){p + 1}, end, &name, &nlen))
        return false;
    for (size_t i = 0; i < HC_ARRAY_LEN(refused); i++) {
        if (name_is(name, nlen, refused[i]))
            return false;
    }
    if (name_is(name, nlen, "CLIENT")) {
        const char *q = name + nlen + 2;
        const char *sub;
        size_t slen;
        if (resp_next_arg(&q, end, &sub, &slen) && name_is(sub, slen, "REPLY"))
            return false;
    }
    return true;
}

/* Hands a formatted command to hiredis and records it. */
static int redis_submit(struct hc_redis *r, hc_redis_reply_cb *cb, void *arg, const char *cmd,
                        size_t len)
{
    if (!redis_command_allowed(cmd, len))
        return -ENOTSUP;
    ring_reserve(r);
    uint64_t seq = r->tail;
    if (redisAsyncFormattedCommand(r->ac, redis_on_reply, (void *)(uintptr_t)seq, cmd, len) !=
        REDIS_OK) {
        r->stats.rejected++;
        return -ENOTCONN;
    }
    struct redis_cmd *c = ring_at(r, seq);
    c->cb = cb;
    c->arg = arg;
    c->deadline = hc_loop_now(r->loop) + r->command_timeout;
    c->timed_out = false;
    r->tail++;
    r->stats.commands++;
    if (ring_len(r) == 1) {
        r->last_read = hc_loop_now(r->loop);
        if (r->state == HC_REDIS_READY && !hc_loop_timer_active(&r->dead_timer))
            (void)hc_loop_timer_start(r->loop, &r->dead_timer, r->dead_timeout, redis_on_dead_timer,
                                      r);
    }
    if (!hc_loop_timer_active(&r->cmd_timer))
        redis_arm_cmd_timer(r);
    return 0;
}

/* The checks every command passes before it is formatted. */
static int redis_admit(struct hc_redis *r, hc_redis_reply_cb *cb)
{
    if (r == NULL || cb == NULL)
        return -EINVAL;
    if (r->free_requested)
        return -ECANCELED;
    if (r->nsubs > 0)
        return -ENOTSUP; /* a subscribed connection takes only (UN)SUBSCRIBE and PING */
    if (r->ac == NULL || r->closing || r->state == HC_REDIS_DOWN) {
        r->stats.rejected++;
        return -ENOTCONN;
    }
    if (ring_len(r) >= r->max_pending) {
        r->stats.rejected++;
        return -ENOBUFS;
    }
    return 0;
}

int hc_redis_command_argv(struct hc_redis *r, hc_redis_reply_cb *cb, void *arg, int argc,
                          const char *const *argv, const size_t *argvlen)
{
    if (argv == NULL || argc < 1)
        return -EINVAL;
    int rc = redis_admit(r, cb);
    if (rc != 0)
        return rc;
    char *cmd;
    /* hiredis's prototype lacks the inner const; it does not write through argv. */
    int len = redisFormatCommandArgv(&cmd, argc, (const char **)(uintptr_t)argv, argvlen);
    if (len < 0)
        return -EINVAL;
    rc = redis_submit(r, cb, arg, cmd, (size_t)len);
    redisFreeCommand(cmd);
    return rc;
}

int hc_redis_vcommand(struct hc_redis *r, hc_redis_reply_cb *cb, void *arg, const char *fmt,
                      va_list ap)
{
    if (fmt == NULL)
        return -EINVAL;
    int rc = redis_admit(r, cb);
    if (rc != 0)
        return rc;
    char *cmd;
    int len = redisvFormatCommand(&cmd, fmt, ap);
    if (len < 0)
        return -EINVAL;
    rc = redis_submit(r, cb, arg, cmd, (size_t)len);
    redisFreeCommand(cmd);
    return rc;
}

int hc_redis_command(struct hc_redis *r, hc_redis_reply_cb *cb, void *arg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = hc_redis_vcommand(r, cb, arg, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- the client ---- */

static int64_t pick(int64_t v, int64_t dflt)
{
    return v > 0 ? v : dflt;
}

int hc_redis_new(struct hc_loop *loop, const struct hc_redis_config *config, struct hc_redis **out)
{
    if (out != NULL)
        *out = NULL;
    if (loop == NULL || config == NULL || config->url == NULL || out == NULL)
        return -EINVAL;
    if (config->connect_timeout_ns < 0 || config->command_timeout_ns < 0 ||
        config->dead_timeout_ns < 0 || config->backoff_initial_ns < 0 ||
        config->backoff_max_ns < 0 || config->max_pending > HC_REDIS_MAX_PENDING ||
        config->max_reply_bytes > HC_REDIS_MAX_REPLY_BYTES)
        return HC_ERANGE;
    struct hc_redis_addr addr;
    int rc = hc_redis_url_parse(config->url, &addr, NULL, 0);
    if (rc != 0)
        return rc;

    struct hc_redis *r = hc_xcalloc(1, sizeof(*r));
    r->loop = loop;
    r->addr = addr;
    r->connect_timeout = pick(config->connect_timeout_ns, HC_REDIS_CONNECT_TIMEOUT_DEFAULT_NS);
    r->command_timeout = pick(config->command_timeout_ns, HC_REDIS_COMMAND_TIMEOUT_DEFAULT_NS);
    int64_t dead = r->command_timeout > INT64_MAX / 4 ? INT64_MAX : 4 * r->command_timeout;
    r->dead_timeout = pick(config->dead_timeout_ns, HC_MAX(dead, HC_REDIS_DEAD_TIMEOUT_MIN_NS));
    r->backoff_initial = pick(config->backoff_initial_ns, HC_REDIS_BACKOFF_INITIAL_DEFAULT_NS);
    r->backoff_max = pick(config->backoff_max_ns, HC_REDIS_BACKOFF_MAX_DEFAULT_NS);
    if (r->backoff_max < r->backoff_initial)
        r->backoff_max = r->backoff_initial;
    r->max_pending = config->max_pending > 0 ? config->max_pending : HC_REDIS_PENDING_DEFAULT;
    r->max_reply_bytes =
        config->max_reply_bytes > 0 ? config->max_reply_bytes : HC_REDIS_MAX_REPLY_BYTES;
    r->max_reply_bytes = HC_MAX(r->max_reply_bytes, (size_t)HC_REDIS_MIN_REPLY_BYTES);
    r->on_state = config->on_state;
    r->state_arg = config->state_arg;
    r->state = HC_REDIS_DOWN;
    r->fd = -1;
    r->rng = (uint64_t)hc_now_ns() ^ (uint64_t)(uintptr_t)r ^ 0x9e3779b97f4a7c15ull;
    if (r->rng == 0)
        r->rng = 1;
    r->constructing = true;
    redis_connect(r);
    r->constructing = false;
    *out = r;
    return 0;
}

static void redis_destroy(struct hc_redis *r)
{
    redis_enter(r);
    if (r->ac != NULL) {
        r->closing = true;
        r->teardown_err = -ECANCELED;
        redisAsyncFree(r->ac); /* runs every pending callback, then the cleanup hook */
    }
    redis_fail_ring(r, -ECANCELED);
    hc_loop_timer_stop(r->loop, &r->flush_timer);
    hc_loop_timer_stop(r->loop, &r->cmd_timer);
    hc_loop_timer_stop(r->loop, &r->dead_timer);
    hc_loop_timer_stop(r->loop, &r->connect_timer);
    hc_loop_timer_stop(r->loop, &r->retry_timer);
    free(r->ring);
    for (size_t i = 0; i < r->nsubs; i++)
        free(r->subs[i].channel);
    free(r->subs);
    hc_redis_addr_destroy(&r->addr);
    free(r);
}

void hc_redis_free(struct hc_redis *r)
{
    if (r == NULL || r->free_requested)
        return;
    r->free_requested = true;
    if (r->depth > 0)
        return; /* the outermost entry point of r frees it on its way out */
    redis_destroy(r);
}

enum hc_redis_state hc_redis_state(const struct hc_redis *r)
{
    return r->state;
}

const char *hc_redis_state_name(enum hc_redis_state state)
{
    switch (state) {
    case HC_REDIS_DOWN:
        return "down";
    case HC_REDIS_CONNECTING:
        return "connecting";
    case HC_REDIS_READY:
        return "ready";
    }
    return "?";
}

size_t hc_redis_pending(const struct hc_redis *r)
{
    return ring_len(r);
}

int hc_redis_last_error(const struct hc_redis *r, const char **msg)
{
    if (msg != NULL)
        *msg = r->last_msg;
    return r->last_err;
}

void hc_redis_stats(const struct hc_redis *r, struct hc_redis_stats *out)
{
    *out = r->stats;
}
