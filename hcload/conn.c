/*
 * conn.c: one client connection of the native engine, as a state machine.
 *
 * System calls. The descriptor is added to the loop once, edge-triggered for read and write,
 * and stays registered until it is closed, so the steady state is one send() per batch of
 * requests and one recv() per batch of responses. Edge triggering normally demands reading
 * until EAGAIN; a TCP read that returns less than the buffer has drained the socket, so we
 * stop there and save the second read. The exception is a read that ends inside a response:
 * the peer may have closed right behind the data (a close-delimited body, a server dying
 * mid-response), and that end of stream would raise no further edge, so then we read again.
 *
 * Accounting. A request counts exactly once: as a response (by status) or as a failure of one
 * kind. A connect failure stands for the request the connection would have carried, so with
 * -n a refused port uses up the count and the run ends. A close or reset while nothing is in
 * flight fails nothing; the connection just reconnects.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hc/limits.h"
#include "frame.h"
#include "hc/net.h"
#include "worker.h"

static void conn_on_io(struct hc_loop *loop, int fd, unsigned events, void *data);

void conn_init(struct conn *c, struct worker *w, unsigned index)
{
    memset(c, 0, sizeof(*c));
    c->w = w;
    c->fd = -1;
    c->state = CONN_CLOSED;
    c->index = index;
    c->ready_pos = -1;
    c->wanted = true;
    unsigned depth = w->cfg->pipeline;
    c->sent = hc_xcalloc(depth, sizeof(*c->sent));
    c->due = hc_xcalloc(depth, sizeof(*c->due));
    hc_http_parser_init(&c->parser, HC_HTTP_RESPONSE | HC_HTTP_SKIP_HEADERS | HC_HTTP_COUNT_BODY,
                        NULL);
}

void conn_destroy(struct conn *c)
{
    if (c == NULL)
        return;
    if (c->fd >= 0)
        conn_close(c);
    free(c->sent);
    free(c->due);
    c->sent = NULL;
    c->due = NULL;
    hc_http_parser_destroy(&c->parser);
}

void conn_close(struct conn *c)
{
    struct worker *w = c->w;
    if (c->fd >= 0) {
        hc_loop_del(w->loop, c->fd);
        close(c->fd);
    }
    c->fd = -1;
    c->state = CONN_CLOSED;
    w->inflight -= c->count;
    c->count = 0;
    c->head = 0;
    c->wpos = 0;
    c->wend = 0;
    c->midmsg = false;
    worker_ready_update(w, c);
}

/*
 * A connect that failed at once or later (err: the negative errno): one failed request, then
 * a retry at the next sweep.
 */
static void conn_connect_failed(struct conn *c, int err)
{
    struct worker *w = c->w;
    conn_close(c);
    if (!w->ending && run_claim(w->run, 1) == 1) {
        worker_count_error(w, STATS_ERR_CONNECT, 1);
        worker_note_error(w, STATS_ERR_CONNECT, hc_net_strerror(err));
        c->retry_at = hc_loop_now(w->loop) + w->sweep_ns / 2;
    } else {
        w->ending = true;
    }
    worker_check_done(w);
}

void conn_connect(struct conn *c)
{
    struct worker *w = c->w;
    int fd;
    int rc = hc_net_connect(&w->cfg->addr, &fd);
    if (rc != 0) {
        conn_connect_failed(c, rc);
        return;
    }
    hc_net_set_nodelay(fd, true);
    rc = hc_loop_add(w->loop, fd, HC_LOOP_READ | HC_LOOP_WRITE | HC_LOOP_EDGE, conn_on_io, c);
    if (rc != 0) {
        close(fd);
        conn_connect_failed(c, rc);
        return;
    }
    c->fd = fd;
    c->state = CONN_CONNECTING;
    c->since = hc_loop_now(w->loop);
    hc_http_parser_reset(&c->parser);
    if (w->cfg->head)
        hc_http_parser_expect_head(&c->parser);
}

/* Words for a failure, for the "first failure" line. */
static const char *conn_err_text(struct conn *c, enum stats_err kind)
{
    switch (kind) {
    case STATS_ERR_READ:
        return "the server closed the connection before the whole response";
    case STATS_ERR_WRITE:
        return "the request could not be written";
    case STATS_ERR_TIMEOUT:
        return "no complete response within --timeout";
    case STATS_ERR_PARSE:
        return hc_http_parser_detail(&c->parser);
    case STATS_ERR_RESET:
        return "the server reset the connection";
    default:
        return "the connection failed";
    }
}

void conn_fail(struct conn *c, enum stats_err kind)
{
    struct worker *w = c->w;
    if (c->state == CONN_CONNECTING) {
        conn_connect_failed(c, -ETIMEDOUT);
        return;
    }
    if (c->count > 0 && w->first_error[0] == '\0')
        worker_note_error(w, kind, conn_err_text(c, kind));
    worker_count_error(w, kind, c->count);
    conn_close(c);
    if (!w->ending && c->wanted)
        conn_connect(c);
    worker_check_done(w);
}

/* Writes what is left of [wpos, wend); stops at EAGAIN (the write edge resumes it). */
static void conn_flush(struct conn *c)
{
    struct worker *w = c->w;
    const char *batch = w->cfg->batch.data;
    while (c->wpos < c->wend) {
        ssize_t n = send(c->fd, batch + c->wpos, c->wend - c->wpos, MSG_NOSIGNAL);
        if (n > 0) {
            w->stats.bytes_written += (uint64_t)n;
            c->wpos += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        conn_fail(c, errno == ECONNRESET ? STATS_ERR_RESET : STATS_ERR_WRITE);
        return;
    }
    c->wpos = 0;
    c->wend = 0;
    worker_ready_update(w, c);
}

/* Puts k requests in the in-flight ring and writes them as one prefix of the batch. */
static void conn_queue(struct conn *c, unsigned k, int64_t due_ns, int64_t now_ns)
{
    struct worker *w = c->w;
    unsigned depth = w->cfg->pipeline;
    for (unsigned i = 0; i < k; i++) {
        unsigned slot = (c->head + c->count) % depth;
        c->sent[slot] = now_ns;
        c->due[slot] = due_ns;
        c->count++;
    }
    w->inflight += k;
    w->stats.sent += k;
    c->wpos = 0;
    c->wend = (size_t)k * w->cfg->request.len;
    /* Off the ready stack while the write is pending; conn_flush puts it back when done. */
    worker_ready_update(w, c);
    conn_flush(c);
}

void conn_fill(struct conn *c)
{
    struct worker *w = c->w;
    if (c->state != CONN_OPEN || w->ending || !c->wanted || c->wpos < c->wend)
        return;
    unsigned want = w->cfg->pipeline - c->count;
    if (want == 0)
        return;
    unsigned k = run_claim(w->run, want);
    if (k < want)
        w->ending = true;
    if (k == 0) {
        worker_check_done(w);
        return;
    }
    int64_t now = hc_now_ns();
    conn_queue(c, k, now, now);
}

void conn_send(struct conn *c, int64_t due_ns, int64_t now_ns)
{
    conn_queue(c, 1, due_ns, now_ns);
}

/* The oldest in-flight request got its response at now. */
static void conn_complete(struct conn *c, int status, int64_t now)
{
    struct worker *w = c->w;
    unsigned slot = c->head;
    c->head = (c->head + 1) % w->cfg->pipeline;
    c->count--;
    w->inflight--;
    stats_response(&w->stats, status);
    w->ival_responses++;
    hc_hist_record(w->ival_lat, now - c->due[slot]);
    hc_hist_record(w->ival_raw, now - c->sent[slot]);
    if (w->cfg->head)
        hc_http_parser_expect_head(&c->parser);
}

/*
 * Parses one read's bytes. Returns false when the connection was closed on the way (a parse
 * error, bytes nobody asked for, or a response that ends the connection).
 */
static bool conn_parse(struct conn *c, const char *data, size_t len, int64_t now)
{
    while (len > 0) {
        if (c->count == 0) {
            worker_count_error(c->w, STATS_ERR_PARSE, 1);
            conn_fail(c, STATS_ERR_PARSE);
            return false;
        }
        /*
         * Between responses, the common shape is framed without the library (frame.h). Not
         * after an upgrade: the library refuses whatever follows one, and so must we.
         */
        if (!c->midmsg && !c->w->cfg->head && !c->parser.msg.upgrade) {
            int status;
            size_t n = frame_response(data, len, &status);
            if (n > 0) {
                conn_complete(c, status, now);
                data += n;
                len -= n;
                continue;
            }
        }
        ssize_t r = hc_http_parse(&c->parser, data, len);
        if (r == -EAGAIN) {
            c->midmsg = true;
            return true;
        }
        if (r < 0) {
            conn_fail(c, STATS_ERR_PARSE);
            return false;
        }
        c->midmsg = false;
        bool keep = c->parser.msg.keep_alive;
        conn_complete(c, c->parser.msg.status, now);
        data += r;
        len -= (size_t)r;
        if (!keep) {
            /* The server ends the connection: what was pipelined behind this response is
             * lost, and counts as read failures. */
            conn_fail(c, STATS_ERR_READ);
            return false;
        }
    }
    return true;
}

/* End of stream from the peer. */
static void conn_eof(struct conn *c)
{
    int r = hc_http_parse_eof(&c->parser);
    if (r == 1 && c->count > 0)
        conn_complete(c, c->parser.msg.status, hc_now_ns());
    conn_fail(c, STATS_ERR_READ);
}

static void conn_read(struct conn *c)
{
    struct worker *w = c->w;
    for (;;) {
        /* recv, not read: the same for a socket, without the file layer's checks. */
        ssize_t n = recv(c->fd, w->rbuf, HC_HCLOAD_READ_BYTES, 0);
        if (n > 0) {
            w->stats.bytes_read += (uint64_t)n;
            if (!conn_parse(c, w->rbuf, (size_t)n, hc_now_ns()))
                return;
            if ((size_t)n < HC_HCLOAD_READ_BYTES && !c->midmsg)
                break;
            continue;
        }
        if (n == 0) {
            conn_eof(c);
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN)
            break;
        conn_fail(c, errno == ECONNRESET ? STATS_ERR_RESET : STATS_ERR_READ);
        return;
    }
    if (w->ending) {
        worker_check_done(w);
        return;
    }
    if (w->cfg->model == MODEL_CLOSED) {
        worker_defer_fill(w, c);
    } else {
        worker_ready_update(w, c);
        worker_dispatch(w);
    }
}

static void conn_on_io(struct hc_loop *loop, int fd, unsigned events, void *data)
{
    HC_UNUSED(loop);
    struct conn *c = data;
    struct worker *w = c->w;
    if (c->state == CONN_CONNECTING) {
        int rc = hc_net_connect_result(fd);
        if (rc != 0) {
            conn_connect_failed(c, rc);
            return;
        }
        c->state = CONN_OPEN;
        w->stats.connects++;
        if (w->ending) {
            conn_close(c);
            worker_check_done(w);
            return;
        }
        if (w->cfg->model == MODEL_CLOSED) {
            conn_fill(c);
        } else {
            worker_ready_update(w, c);
            worker_dispatch(w);
        }
        return;
    }
    if (c->state != CONN_OPEN)
        return;
    if (events & (HC_LOOP_READ | HC_LOOP_HUP | HC_LOOP_ERROR)) {
        conn_read(c);
        if (c->fd != fd || c->state != CONN_OPEN)
            return;
    }
    if ((events & HC_LOOP_WRITE) && c->wpos < c->wend)
        conn_flush(c);
}
