/*
 * client_conn.c: one client connection of the native engine, as a state machine.
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
 * kind, each reported through the engine seam (hc_client_worker_response /
 * hc_client_worker_failure, hc/client.h) with the request's index and user value from its slot in
 * the in-flight ring. A connect failure stands for the request the connection would have carried
 * (HC_CLIENT_NO_REQUEST), so with -n a refused port uses up the count and the run ends. A close or
 * reset while nothing is in flight fails nothing; the connection just reconnects.
 *
 * What is written. Without a picker (one request, the quick mode) a connection writes a prefix
 * of the request set's prebuilt batch: k pipelined requests are one send() of shared bytes,
 * nothing copied. With a picker, each slot's request is chosen (and possibly written) by it
 * into the connection's own output buffer, which is then written the same way.
 *
 * Parse modes. A response whose request keeps nothing (HC_CLIENT_KEEP_*) may take the fast
 * framing path; one that keeps its headers or body goes to the library parser, switched to
 * that mode between messages (hc_http_parser_set_keep), and its headers and body are handed to
 * on_response straight from the parser's storage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "hc/limits.h"
#include "hc/client.h"
#include "hc/net.h"
#include "client_engine.h"

static void conn_on_io(struct hc_loop *loop, int fd, unsigned events, void *data);
static void conn_h2_write(struct hc_client_conn *c);
static void conn_flush(struct hc_client_conn *c);

void hc_client_conn_init(struct hc_client_conn *c, struct hc_client_worker *w, unsigned index)
{
    memset(c, 0, sizeof(*c));
    c->w = w;
    c->fd = -1;
    c->state = HC_CLIENT_CONN_CLOSED;
    c->index = index;
    c->ready_pos = -1;
    c->wanted = true;
    unsigned depth = w->cfg->pipeline;
    c->slots = hc_xcalloc(depth, sizeof(*c->slots));
    hc_buf_init(&c->out, HC_CLIENT_MAX_BATCH_BYTES);
    c->depth = depth;
    hc_http_parser_init(&c->parser, HC_HTTP_RESPONSE | HC_HTTP_SKIP_HEADERS | HC_HTTP_COUNT_BODY,
                        NULL);
}

void hc_client_conn_destroy(struct hc_client_conn *c)
{
    if (c == NULL)
        return;
    if (c->fd >= 0)
        hc_client_conn_close(c);
    hc_client_h2_destroy(c);
    free(c->slots);
    c->slots = NULL;
    hc_buf_destroy(&c->out);
    hc_http_parser_destroy(&c->parser);
}

void hc_client_conn_close(struct hc_client_conn *c)
{
    struct hc_client_worker *w = c->w;
    if (c->fd >= 0) {
        hc_loop_del(w->loop, c->fd);
        close(c->fd);
    }
    if (c->ssl != NULL)
        hc_client_tls_close(c);
    if (c->h2 != NULL)
        hc_client_h2_close(c);
    c->fd = -1;
    c->state = HC_CLIENT_CONN_CLOSED;
    w->inflight -= c->count;
    c->count = 0;
    c->head = 0;
    c->wpos = 0;
    c->wend = 0;
    c->midmsg = false;
    hc_client_worker_ready_update(w, c);
}

void hc_client_conn_fail_inflight(struct hc_client_conn *c, enum hc_client_err kind,
                                  const char *detail)
{
    struct hc_client_worker *w = c->w;
    if (c->h2 != NULL) {
        hc_client_h2_fail_inflight(c, kind, detail);
        return;
    }
    unsigned depth = w->cfg->pipeline;
    int64_t now = c->count > 0 ? hc_now_ns() : 0;
    for (unsigned i = 0; i < c->count; i++) {
        const struct hc_client_slot *s = &c->slots[(c->head + i) % depth];
        struct hc_client_failure f = {
            .thread = w->index,
            .req = s->req,
            .user = s->user,
            .kind = kind,
            .due_ns = s->due,
            .sent_ns = s->sent,
            .done_ns = now,
            .detail = i == 0 ? detail : NULL,
        };
        hc_client_worker_failure(w, &f);
    }
}

/* A failure that no slot stands for (a connect, bytes nobody asked for). */
static void conn_fail_unslotted(struct hc_client_conn *c, enum hc_client_err kind,
                                const char *detail)
{
    struct hc_client_worker *w = c->w;
    struct hc_client_failure f = {
        .thread = w->index,
        .req = HC_CLIENT_NO_REQUEST,
        .kind = kind,
        .done_ns = hc_now_ns(),
        .detail = detail,
    };
    hc_client_worker_failure(w, &f);
}

/*
 * A connect or TLS handshake that failed at once or later (detail: why): one failed request,
 * then a retry at the next sweep.
 */
static void conn_connect_failed_because(struct hc_client_conn *c, const char *detail)
{
    struct hc_client_worker *w = c->w;
    hc_client_conn_close(c);
    if (w->owed > 0) {
        /* A request owed after a GOAWAY stands for this failure: the run still ends. */
        w->owed--;
        conn_fail_unslotted(c, HC_CLIENT_ERR_CONNECT, detail);
        c->retry_at = hc_loop_now(w->loop) + w->sweep_ns / 2;
    } else if (!w->ending && hc_client_run_claim(w->run, 1) == 1) {
        conn_fail_unslotted(c, HC_CLIENT_ERR_CONNECT, detail);
        c->retry_at = hc_loop_now(w->loop) + w->sweep_ns / 2;
    } else {
        w->ending = true;
    }
    hc_client_worker_check_done(w);
}

/* A connect that failed (err: the negative errno). */
static void conn_connect_failed(struct hc_client_conn *c, int err)
{
    conn_connect_failed_because(c, hc_net_strerror(err));
}

/* A TLS handshake that failed: the reason is in the worker's tls_error. */
static void conn_tls_failed(struct hc_client_conn *c)
{
    char why[sizeof(c->w->tls_error)];
    snprintf(why, sizeof(why), "%s", c->w->tls_error);
    conn_connect_failed_because(c, why);
}

void hc_client_conn_connect(struct hc_client_conn *c)
{
    struct hc_client_worker *w = c->w;
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
    c->state = HC_CLIENT_CONN_CONNECTING;
    c->since = hc_loop_now(w->loop);
    hc_http_parser_reset(&c->parser);
}

/* Words for a failure, for the "first failure" line. */
static const char *conn_err_text(struct hc_client_conn *c, enum hc_client_err kind)
{
    switch (kind) {
    case HC_CLIENT_ERR_READ:
        return "the server closed the connection before the whole response";
    case HC_CLIENT_ERR_WRITE:
        return "the request could not be written";
    case HC_CLIENT_ERR_TIMEOUT:
        return "no complete response within --timeout";
    case HC_CLIENT_ERR_PARSE:
        return hc_http_parser_detail(&c->parser);
    case HC_CLIENT_ERR_RESET:
        return "the server reset the connection";
    default:
        return "the connection failed";
    }
}

/* hc_client_conn_fail with the words for the first in-flight request given (NULL: the kind's). */
static void conn_fail_because(struct hc_client_conn *c, enum hc_client_err kind, const char *detail)
{
    struct hc_client_worker *w = c->w;
    if (c->state == HC_CLIENT_CONN_CONNECTING) {
        conn_connect_failed(c, -ETIMEDOUT);
        return;
    }
    if (c->state == HC_CLIENT_CONN_HANDSHAKE) {
        conn_connect_failed_because(c, kind == HC_CLIENT_ERR_CONNECT
                                           ? "TLS: no handshake within --timeout"
                                           : "TLS: the server closed the connection during "
                                             "the handshake");
        return;
    }
    if (detail == NULL && c->count > 0)
        detail = conn_err_text(c, kind);
    hc_client_conn_fail_inflight(c, kind, detail);
    hc_client_conn_close(c);
    if ((!w->ending || w->owed > 0) && c->wanted)
        hc_client_conn_connect(c);
    hc_client_worker_check_done(w);
}

void hc_client_conn_fail(struct hc_client_conn *c, enum hc_client_err kind)
{
    conn_fail_because(c, kind, NULL);
}

/* The socket failed with err (a negative errno) while writing. */
static void conn_write_failed(struct hc_client_conn *c, int err)
{
    hc_client_conn_fail(c, err == -ECONNRESET ? HC_CLIENT_ERR_RESET : HC_CLIENT_ERR_WRITE);
}

/*
 * TLS: seals [wpos, wend) once (one SSL_write for the batch) and sends what OpenSSL wrote;
 * the plaintext marks stay until the ciphertext is all sent, so the connection counts as
 * writing until then.
 */
static void conn_flush_tls(struct hc_client_conn *c)
{
    struct hc_client_worker *w = c->w;
    if (c->wpos < c->wend && !c->sealed) {
        if (hc_client_tls_seal(c, c->wdata + c->wpos, c->wend - c->wpos) != 0) {
            hc_client_conn_fail(c, HC_CLIENT_ERR_WRITE);
            return;
        }
        c->sealed = true;
    }
    int rc = hc_client_tls_push(c);
    if (rc == -EAGAIN)
        return;
    if (rc < 0) {
        conn_write_failed(c, rc);
        return;
    }
    c->sealed = false;
    c->wpos = 0;
    c->wend = 0;
    hc_client_worker_ready_update(w, c);
}

/* Writes what is left of [wpos, wend); stops at EAGAIN (the write edge resumes it). */
static void conn_flush(struct hc_client_conn *c)
{
    struct hc_client_worker *w = c->w;
    if (c->ssl != NULL) {
        conn_flush_tls(c);
        return;
    }
    while (c->wpos < c->wend) {
        ssize_t n = send(c->fd, c->wdata + c->wpos, c->wend - c->wpos, MSG_NOSIGNAL);
        if (n > 0) {
            w->stats.bytes_written += (uint64_t)n;
            c->wpos += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        hc_client_conn_fail(c, errno == ECONNRESET ? HC_CLIENT_ERR_RESET : HC_CLIENT_ERR_WRITE);
        return;
    }
    c->wpos = 0;
    c->wend = 0;
    hc_client_worker_ready_update(w, c);
}

/*
 * With a picker: chooses and writes up to k requests into the connection's output buffer,
 * filling their slots from the ring's tail. Returns how many it wrote (fewer when the picker
 * has no more, which ends this worker's sending).
 */
static unsigned conn_pick(struct hc_client_conn *c, unsigned k, int64_t due_ns, int64_t now_ns)
{
    struct hc_client_worker *w = c->w;
    const struct hc_client_config *cfg = w->cfg;
    unsigned depth = cfg->pipeline;
    hc_buf_reset(&c->out);
    unsigned i;
    for (i = 0; i < k; i++) {
        struct hc_client_pick p = {.thread = w->index, .out = &c->out, .resume = w->resuming};
        size_t before = c->out.len;
        int rc = cfg->pick(cfg->pick_ctx, &p);
        if (rc == HC_CLIENT_PICK_IDLE) {
            c->out.len = before;
            break;
        }
        if (rc != 0 || p.req >= cfg->reqs->n) {
            w->ending = true;
            break;
        }
        if (c->out.len == before) {
            const struct hc_buf *wire = &cfg->reqs->reqs[p.req].wire;
            if (hc_buf_append(&c->out, wire->data, wire->len) != 0) {
                c->out.len = before;
                break;
            }
        }
        c->slots[(c->head + c->count + i) % depth] =
            (struct hc_client_slot){.sent = now_ns, .due = due_ns, .user = p.user, .req = p.req};
    }
    c->wdata = c->out.data;
    c->wend = c->out.len;
    return i;
}

/*
 * HTTP/2: writes the frames nghttp2 has, unless a write is still under way (the write edge
 * comes back here once it is done). The connection may be closed on the way.
 */
static void conn_h2_write(struct hc_client_conn *c)
{
    while (c->h2 != NULL && c->state == HC_CLIENT_CONN_OPEN && c->wpos == c->wend &&
           !hc_client_tls_unsent(c) && hc_client_h2_wants_write(c)) {
        if (hc_client_h2_pending(c) != 0) {
            char why[sizeof(c->w->tls_error)];
            snprintf(why, sizeof(why), "%s", c->w->tls_error);
            conn_fail_because(c, HC_CLIENT_ERR_WRITE, why);
            return;
        }
        if (c->wend == 0)
            return;
        conn_flush(c);
    }
}

/*
 * Puts k requests in the in-flight ring and writes them: a prefix of the shared batch (no
 * picker), or what the picker chose.
 */
static void conn_queue(struct hc_client_conn *c, unsigned k, int64_t due_ns, int64_t now_ns)
{
    struct hc_client_worker *w = c->w;
    const struct hc_client_config *cfg = w->cfg;
    if (c->h2 != NULL) {
        k = hc_client_h2_queue(c, k, due_ns, now_ns);
        if (k == 0) {
            hc_client_worker_check_done(w);
            return;
        }
        w->stats.sent += k;
        hc_client_worker_ready_update(w, c);
        conn_h2_write(c);
        return;
    }
    c->wpos = 0;
    if (cfg->pick == NULL) {
        unsigned depth = cfg->pipeline;
        for (unsigned i = 0; i < k; i++)
            c->slots[(c->head + c->count + i) % depth] =
                (struct hc_client_slot){.sent = now_ns, .due = due_ns};
        c->wdata = cfg->reqs->batch.data;
        c->wend = (size_t)k * cfg->reqs->reqs[0].wire.len;
    } else {
        k = conn_pick(c, k, due_ns, now_ns);
        if (k == 0) {
            c->wend = 0;
            hc_client_worker_check_done(w);
            return;
        }
    }
    c->count += k;
    w->inflight += k;
    w->stats.sent += k;
    /* Off the ready stack while the write is pending; conn_flush puts it back when done. */
    hc_client_worker_ready_update(w, c);
    conn_flush(c);
}

void hc_client_conn_fill(struct hc_client_conn *c)
{
    struct hc_client_worker *w = c->w;
    if (c->state != HC_CLIENT_CONN_OPEN || (w->ending && w->owed == 0) || !c->wanted ||
        c->wpos < c->wend)
        return;
    unsigned want = c->depth > c->count ? c->depth - c->count : 0;
    if (want == 0)
        return;
    /* HTTP/2: what a GOAWAY left owed goes first, on the tickets it already holds. */
    unsigned owed = HC_MIN(want, w->owed);
    w->owed -= owed;
    unsigned k = owed;
    if (want > owed && !w->ending) {
        unsigned got = hc_client_run_claim(w->run, want - owed);
        if (got < want - owed)
            w->ending = true;
        k += got;
    }
    if (k == 0) {
        hc_client_worker_check_done(w);
        return;
    }
    int64_t now = hc_now_ns();
    uint64_t sent = w->stats.sent;
    conn_queue(c, k, now, now);
    /* A picker with nothing for some slots (HC_CLIENT_PICK_IDLE) leaves their tickets. */
    hc_client_run_unclaim(w->run, k - (unsigned)(w->stats.sent - sent));
}

void hc_client_conn_send(struct hc_client_conn *c, int64_t due_ns, int64_t now_ns)
{
    conn_queue(c, 1, due_ns, now_ns);
}

/*
 * The oldest in-flight request got its response at now: bytes long, with msg the library's
 * message (NULL from the fast path, which keeps nothing).
 */
static void conn_complete(struct hc_client_conn *c, int status, int64_t now, uint64_t bytes,
                          const struct hc_http_msg *msg)
{
    struct hc_client_worker *w = c->w;
    const struct hc_client_slot *s = &c->slots[c->head];
    struct hc_client_response r = {
        .thread = w->index,
        .req = s->req,
        .user = s->user,
        .status = status,
        .due_ns = s->due,
        .sent_ns = s->sent,
        .done_ns = now,
        .bytes = bytes,
    };
    if (msg != NULL) {
        unsigned keep = w->cfg->reqs->reqs[s->req].keep;
        if (keep & HC_CLIENT_KEEP_HEADERS) {
            r.headers = msg->headers;
            r.nheaders = msg->nheaders;
        }
        if (keep & HC_CLIENT_KEEP_BODY) {
            r.body = msg->body;
            r.body_len = msg->body_len;
        }
    }
    c->head = (c->head + 1) % w->cfg->pipeline;
    c->count--;
    w->inflight--;
    hc_client_worker_response(w, &r);
}

/* Sets the parser up for the next response, that of request rq (its mode, HEAD or not). */
static void conn_expect(struct hc_client_conn *c, const struct hc_client_request *rq)
{
    if (HC_UNLIKELY(rq->keep != c->keep)) {
        unsigned flags = 0;
        if (!(rq->keep & HC_CLIENT_KEEP_HEADERS))
            flags |= HC_HTTP_SKIP_HEADERS;
        if (!(rq->keep & HC_CLIENT_KEEP_BODY))
            flags |= HC_HTTP_COUNT_BODY;
        if (hc_http_parser_set_keep(&c->parser, flags) == 0)
            c->keep = rq->keep;
    }
    if (rq->head)
        hc_http_parser_expect_head(&c->parser);
    c->msg_bytes = 0;
}

/*
 * HTTP/2: hands one read's bytes to nghttp2 (whose callbacks report the streams), then sends
 * what it answers (WINDOW_UPDATE, SETTINGS and PING acknowledgements). After a GOAWAY, the
 * connection closes once its last stream is done. Returns false when the connection was closed.
 */
static bool conn_h2_parse(struct hc_client_conn *c, const char *data, size_t len)
{
    if (hc_client_h2_input(c, data, len) != 0) {
        char why[sizeof(c->w->tls_error)];
        snprintf(why, sizeof(why), "%s", c->w->tls_error);
        if (c->count == 0)
            conn_fail_unslotted(c, HC_CLIENT_ERR_PARSE, why);
        conn_fail_because(c, HC_CLIENT_ERR_PARSE, why);
        return false;
    }
    if (c->goaway)
        c->depth = 0;
    conn_h2_write(c);
    if (c->state != HC_CLIENT_CONN_OPEN)
        return false;
    if (hc_client_h2_ended(c) && c->count > 0) {
        /* A protocol error (nghttp2 said why, and its GOAWAY is out) or the server's end. */
        char why[sizeof(c->w->tls_error)];
        snprintf(why, sizeof(why), "%s",
                 c->w->tls_error[0] != '\0'
                     ? c->w->tls_error
                     : "HTTP/2: the server broke the protocol; the session ended");
        conn_fail_because(c, HC_CLIENT_ERR_PARSE, why);
        return false;
    }
    if ((c->goaway && c->count == 0) || hc_client_h2_ended(c)) {
        hc_client_conn_fail(c, HC_CLIENT_ERR_READ);
        return false;
    }
    return c->state == HC_CLIENT_CONN_OPEN;
}

/*
 * Parses one read's bytes. Returns false when the connection was closed on the way (a parse
 * error, bytes nobody asked for, or a response that ends the connection).
 */
static bool conn_parse(struct hc_client_conn *c, const char *data, size_t len, int64_t now)
{
    if (c->h2 != NULL)
        return conn_h2_parse(c, data, len);
    const struct hc_client_request *reqs = c->w->cfg->reqs->reqs;
    while (len > 0) {
        if (c->count == 0) {
            conn_fail_unslotted(c, HC_CLIENT_ERR_PARSE, NULL);
            hc_client_conn_fail(c, HC_CLIENT_ERR_PARSE);
            return false;
        }
        if (!c->midmsg) {
            const struct hc_client_request *rq = &reqs[c->slots[c->head].req];
            /*
             * Between responses, the common shape is framed without the library
             * (hc_client_frame_response), unless the request keeps headers or body. Not after an
             * upgrade: the library refuses whatever follows one, and so must we.
             */
            if (rq->keep == 0 && !rq->head && !c->parser.msg.upgrade) {
                int status;
                size_t n = hc_client_frame_response(data, len, &status);
                if (n > 0) {
                    conn_complete(c, status, now, n, NULL);
                    data += n;
                    len -= n;
                    continue;
                }
            }
            conn_expect(c, rq);
        }
        ssize_t r = hc_http_parse(&c->parser, data, len);
        if (r == -EAGAIN) {
            c->msg_bytes += len;
            c->midmsg = true;
            return true;
        }
        if (r < 0) {
            hc_client_conn_fail(c, HC_CLIENT_ERR_PARSE);
            return false;
        }
        c->midmsg = false;
        c->msg_bytes += (uint64_t)r;
        bool keep = c->parser.msg.keep_alive;
        conn_complete(c, c->parser.msg.status, now, c->msg_bytes, &c->parser.msg);
        data += r;
        len -= (size_t)r;
        if (!keep) {
            /* The server ends the connection: what was pipelined behind this response is
             * lost, and counts as read failures. */
            hc_client_conn_fail(c, HC_CLIENT_ERR_READ);
            return false;
        }
    }
    return true;
}

/* End of stream from the peer. */
static void conn_eof(struct hc_client_conn *c)
{
    int r = c->h2 != NULL ? 0 : hc_http_parse_eof(&c->parser);
    if (r == 1 && c->count > 0)
        conn_complete(c, c->parser.msg.status, hc_now_ns(), c->msg_bytes, &c->parser.msg);
    hc_client_conn_fail(c, HC_CLIENT_ERR_READ);
}

/* The first response byte of the connection: its time from ready. */
static void conn_first_byte(struct hc_client_conn *c, int64_t now)
{
    c->first_byte = true;
    c->w->stats.first_bytes++;
    c->w->stats.first_byte_ns += now - c->since;
}

static void conn_opened(struct hc_client_conn *c);

/*
 * TLS: hands n bytes of ciphertext to OpenSSL, goes on with the handshake if it is under way,
 * then parses whatever decrypts. Returns false when the connection was closed on the way.
 */
static bool conn_tls_input(struct hc_client_conn *c, const char *data, size_t n)
{
    struct hc_client_worker *w = c->w;
    hc_client_tls_input(c, data, n);
    if (c->state == HC_CLIENT_CONN_HANDSHAKE) {
        int rc = hc_client_tls_handshake(c);
        if (rc < 0) {
            conn_tls_failed(c);
            return false;
        }
        if (rc == 0) {
            rc = hc_client_tls_push(c);
            if (rc < 0 && rc != -EAGAIN) {
                conn_connect_failed(c, rc);
                return false;
            }
            return true;
        }
        if (w->cfg->http2 && !hc_client_tls_alpn_h2(c)) {
            snprintf(w->tls_error, sizeof(w->tls_error),
                     "TLS: the server did not agree to HTTP/2 (ALPN h2); drop --http2");
            conn_tls_failed(c);
            return false;
        }
        int64_t now = hc_loop_now(w->loop);
        w->stats.tls_handshakes++;
        w->stats.tls_ns += now - c->since;
        if (SSL_session_reused(c->ssl))
            w->stats.tls_resumed++;
        conn_opened(c);
        if (c->state != HC_CLIENT_CONN_OPEN)
            return false;
        /* The handshake's last flight goes out with the first requests, or alone. */
        if (c->wpos == c->wend && hc_client_tls_unsent(c)) {
            rc = hc_client_tls_push(c);
            if (rc < 0 && rc != -EAGAIN) {
                conn_write_failed(c, rc);
                return false;
            }
        }
    }
    for (;;) {
        ssize_t k = hc_client_tls_read(c, w->tbuf, HC_CLIENT_READ_BYTES);
        if (k > 0) {
            int64_t now = hc_now_ns();
            if (HC_UNLIKELY(!c->first_byte))
                conn_first_byte(c, now);
            if (!conn_parse(c, w->tbuf, (size_t)k, now))
                return false;
            continue;
        }
        if (k == -EAGAIN)
            break;
        if (k == 0) {
            conn_eof(c);
            return false;
        }
        /* Not TLS: a parse failure of what is in flight, or of bytes nobody asked for. */
        char why[sizeof(w->tls_error)];
        snprintf(why, sizeof(why), "%s", w->tls_error);
        if (c->count == 0)
            conn_fail_unslotted(c, HC_CLIENT_ERR_PARSE, why);
        conn_fail_because(c, HC_CLIENT_ERR_PARSE, why);
        return false;
    }
    /* OpenSSL may have answered something (a key update): send it with what is pending. */
    if (hc_client_tls_unsent(c) && c->wpos == c->wend) {
        int rc = hc_client_tls_push(c);
        if (rc < 0 && rc != -EAGAIN) {
            conn_write_failed(c, rc);
            return false;
        }
    }
    return true;
}

static void conn_read(struct hc_client_conn *c)
{
    struct hc_client_worker *w = c->w;
    for (;;) {
        /* recv, not read: the same for a socket, without the file layer's checks. */
        ssize_t n = recv(c->fd, w->rbuf, HC_CLIENT_READ_BYTES, 0);
        if (n > 0) {
            w->stats.bytes_read += (uint64_t)n;
            if (c->ssl != NULL) {
                if (!conn_tls_input(c, w->rbuf, (size_t)n))
                    return;
            } else {
                int64_t now = hc_now_ns();
                if (HC_UNLIKELY(!c->first_byte))
                    conn_first_byte(c, now);
                if (!conn_parse(c, w->rbuf, (size_t)n, now))
                    return;
            }
            /* Inside a TLS record, as inside a response, the peer's FIN may already be here. */
            if ((size_t)n < HC_CLIENT_READ_BYTES && !c->midmsg && !hc_client_tls_partial(c))
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
        hc_client_conn_fail(c, errno == ECONNRESET ? HC_CLIENT_ERR_RESET : HC_CLIENT_ERR_READ);
        return;
    }
    if (c->state != HC_CLIENT_CONN_OPEN)
        return;
    if (w->ending) {
        hc_client_worker_check_done(w);
        return;
    }
    if (w->cfg->model == HC_CLIENT_CLOSED) {
        hc_client_worker_defer_fill(w, c);
    } else {
        hc_client_worker_ready_update(w, c);
        hc_client_worker_dispatch(w);
    }
}

/* The connection can carry requests now (connected, and with TLS, the handshake done). */
static void conn_opened(struct hc_client_conn *c)
{
    struct hc_client_worker *w = c->w;
    c->state = HC_CLIENT_CONN_OPEN;
    c->since = hc_loop_now(w->loop);
    c->first_byte = false;
    c->depth = w->cfg->pipeline; /* HTTP/2: hc_client_h2_begin starts it at 1 */
    if (w->cfg->http2) {
        int rc = hc_client_h2_begin(c);
        if (rc != 0) {
            conn_connect_failed(c, rc);
            return;
        }
    }
    if (w->first_open_ns == INT64_MAX)
        w->first_open_ns = c->since;
    if (w->ending) {
        hc_client_conn_close(c);
        hc_client_worker_check_done(w);
        return;
    }
    if (w->cfg->model == HC_CLIENT_CLOSED) {
        hc_client_conn_fill(c);
    } else {
        hc_client_worker_ready_update(w, c);
        hc_client_worker_dispatch(w);
    }
}

/* TCP is connected: count it, then start TLS or open. */
static void conn_connected(struct hc_client_conn *c)
{
    struct hc_client_worker *w = c->w;
    int64_t now = hc_loop_now(w->loop);
    w->stats.connects++;
    w->stats.connect_ns += now - c->since;
    if (w->run->tls == NULL) {
        conn_opened(c);
        return;
    }
    c->state = HC_CLIENT_CONN_HANDSHAKE;
    c->since = now;
    if (hc_client_tls_begin(c) != 0) {
        conn_tls_failed(c);
        return;
    }
    int rc = hc_client_tls_push(c);
    if (rc < 0 && rc != -EAGAIN)
        conn_connect_failed(c, rc);
}

static void conn_on_io(struct hc_loop *loop, int fd, unsigned events, void *data)
{
    HC_UNUSED(loop);
    struct hc_client_conn *c = data;
    if (c->state == HC_CLIENT_CONN_CONNECTING) {
        int rc = hc_net_connect_result(fd);
        if (rc != 0) {
            conn_connect_failed(c, rc);
            return;
        }
        conn_connected(c);
        return;
    }
    if (c->state == HC_CLIENT_CONN_CLOSED)
        return;
    if (events & (HC_LOOP_READ | HC_LOOP_HUP | HC_LOOP_ERROR)) {
        conn_read(c);
        if (c->fd != fd || c->state == HC_CLIENT_CONN_CLOSED)
            return;
    }
    if (!(events & HC_LOOP_WRITE))
        return;
    if (c->wpos < c->wend || hc_client_tls_unsent(c)) {
        if (c->state == HC_CLIENT_CONN_OPEN) {
            conn_flush(c);
            if (c->h2 != NULL)
                conn_h2_write(c);
        } else {
            int rc = hc_client_tls_push(c);
            if (rc < 0 && rc != -EAGAIN)
                conn_connect_failed(c, rc);
        }
    }
}
