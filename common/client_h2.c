/*
 * client_h2.c: HTTP/2 on the native engine's connections, with libnghttp2.
 *
 * A connection speaking HTTP/2 (ALPN h2 over TLS, or prior knowledge on http://) carries up to
 * `pipeline` requests at once, one stream each (hcload's --streams): the in-flight ring of
 * HTTP/1.1 becomes a table of slots, since streams complete in any order; the slot's index is
 * the stream's user data. nghttp2 does the framing, HPACK and flow control, over memory only:
 * nghttp2_session_mem_recv takes what the connection read (decrypted, with TLS) and
 * nghttp2_session_mem_send hands the frames to write, which go out through the connection's
 * own write path, so a batch of requests and the WINDOW_UPDATEs of a read are one send().
 *
 * Streams. The server's SETTINGS_MAX_CONCURRENT_STREAMS caps the slots a connection fills
 * (c->depth); until its first SETTINGS a connection carries one stream, so a server that takes
 * fewer than --streams never has to refuse one. The windows are
 * opened wide (HC_CLIENT_H2_WINDOW for each stream and for the connection) so a response is
 * never held back by flow control on a fast link.
 *
 * Accounting. Each stream is reported once: a response when it closes cleanly after a
 * :status; a reset (HC_CLIENT_ERR_RESET) when the server resets it (RST_STREAM, counted). A
 * GOAWAY stops new streams on the connection; in the closed model without a picker, the
 * streams the server never processed (above its last stream id) are owed by the worker and
 * sent again on the next connection with room, keeping their -n tickets (what is still owed at
 * the end is reported as resets); otherwise they are reported as resets at once, so a
 * picker's iteration goes on and the open model's schedule stays honest. The connection
 * closes and reconnects once its last stream is done.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "client_engine.h"
#include "hc/limits.h"

/* Stream and connection windows: wide enough that flow control never stalls a response. */
#define HC_CLIENT_H2_WINDOW (16 * 1024 * 1024)

/* Per-slot state of a stream (beside the ring's struct hc_client_slot). */
struct hc_client_h2_slot {
    bool used;                 /* a stream is open on it */
    int status;                /* :status, 0 until it came */
    uint64_t bytes;            /* header and body bytes of the response */
    const char *body;          /* request body to send, or NULL */
    size_t body_len, body_off; /* its length, and how much nghttp2 took */
    unsigned keep;             /* HC_CLIENT_KEEP_* of the request */
    struct hc_buf hstore;      /* KEEP_HEADERS: "name\0value\0" pairs */
    struct hc_buf kbody;       /* KEEP_BODY: the body, NUL-ended */
};

static struct hc_client_h2_slot *h2_slot(struct hc_client_conn *c, void *user)
{
    uintptr_t i = (uintptr_t)user;
    if (i == 0 || i > c->w->cfg->pipeline)
        return NULL;
    return &c->h2s[i - 1];
}

static unsigned h2_index(struct hc_client_conn *c, const struct hc_client_h2_slot *s)
{
    return (unsigned)(s - c->h2s);
}

/* Frees slot s for the next stream. */
static void h2_release(struct hc_client_conn *c, struct hc_client_h2_slot *s)
{
    s->used = false;
    c->h2free[c->h2nfree++] = h2_index(c, s);
    c->count--;
    c->w->inflight--;
}

/* The headers kept for a KEEP_HEADERS response, in storage of the worker's. */
static size_t h2_headers(struct hc_client_conn *c, struct hc_client_h2_slot *s)
{
    size_t n = 0;
    const char *p = s->hstore.data;
    const char *end = p + s->hstore.len;
    while (p < end && n < HC_CLIENT_H2_MAX_FIELDS) {
        size_t nl = strlen(p);
        const char *v = p + nl + 1;
        size_t vl = strlen(v);
        c->w->h2hdrs[n++] =
            (struct hc_http_header){.name = p, .name_len = nl, .value = v, .value_len = vl};
        p = v + vl + 1;
    }
    return n;
}

/* Stream s closed cleanly with its response. */
static void h2_complete(struct hc_client_conn *c, struct hc_client_h2_slot *s, int64_t now)
{
    struct hc_client_worker *w = c->w;
    const struct hc_client_slot *t = &c->slots[h2_index(c, s)];
    struct hc_client_response r = {
        .thread = w->index,
        .req = t->req,
        .user = t->user,
        .status = s->status,
        .due_ns = t->due,
        .sent_ns = t->sent,
        .done_ns = now,
        .bytes = s->bytes,
    };
    if (s->keep & HC_CLIENT_KEEP_HEADERS) {
        r.nheaders = h2_headers(c, s);
        r.headers = w->h2hdrs;
    }
    if (s->keep & HC_CLIENT_KEEP_BODY) {
        hc_buf_append(&s->kbody, "", 1);
        r.body = s->kbody.data;
        r.body_len = s->kbody.len - 1;
    }
    w->stats.http2++;
    c->answered = true;
    h2_release(c, s);
    hc_client_worker_response(w, &r);
}

/* Stream s failed with kind. */
static void h2_failed(struct hc_client_conn *c, struct hc_client_h2_slot *s,
                      enum hc_client_err kind, const char *detail)
{
    struct hc_client_worker *w = c->w;
    const struct hc_client_slot *t = &c->slots[h2_index(c, s)];
    struct hc_client_failure f = {
        .thread = w->index,
        .req = t->req,
        .user = t->user,
        .kind = kind,
        .due_ns = t->due,
        .sent_ns = t->sent,
        .done_ns = hc_now_ns(),
        .detail = detail,
    };
    h2_release(c, s);
    hc_client_worker_failure(w, &f);
}

static int h2_on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name,
                        size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                        void *user_data)
{
    HC_UNUSED(flags);
    struct hc_client_conn *c = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS)
        return 0;
    struct hc_client_h2_slot *s =
        h2_slot(c, nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
    if (s == NULL)
        return 0;
    s->bytes += namelen + valuelen + 4;
    if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
        int st = 0;
        for (size_t i = 0; i < valuelen && i < 3; i++)
            st = st * 10 + (value[i] - '0');
        /* 1xx heads are interim: the final one comes after them. */
        if (st >= 200)
            s->status = st;
        return 0;
    }
    if ((s->keep & HC_CLIENT_KEEP_HEADERS) && name[0] != ':') {
        hc_buf_append(&s->hstore, name, namelen);
        hc_buf_append(&s->hstore, "", 1);
        hc_buf_append(&s->hstore, value, valuelen);
        hc_buf_append(&s->hstore, "", 1);
    }
    return 0;
}

static int h2_on_data(nghttp2_session *session, uint8_t flags, int32_t stream_id,
                      const uint8_t *data, size_t len, void *user_data)
{
    HC_UNUSED(flags);
    struct hc_client_conn *c = user_data;
    struct hc_client_h2_slot *s =
        h2_slot(c, nghttp2_session_get_stream_user_data(session, stream_id));
    if (s == NULL)
        return 0;
    s->bytes += len;
    if ((s->keep & HC_CLIENT_KEEP_BODY) && hc_buf_append(&s->kbody, data, len) != 0)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* resets the stream: too large */
    return 0;
}

static int h2_on_close(nghttp2_session *session, int32_t stream_id, uint32_t error_code,
                       void *user_data)
{
    struct hc_client_conn *c = user_data;
    struct hc_client_worker *w = c->w;
    struct hc_client_h2_slot *s =
        h2_slot(c, nghttp2_session_get_stream_user_data(session, stream_id));
    if (s == NULL || !s->used)
        return 0;
    if (error_code == NGHTTP2_NO_ERROR && s->status != 0) {
        h2_complete(c, s, hc_now_ns());
        return 0;
    }
    if (error_code == NGHTTP2_REFUSED_STREAM && c->goaway && c->answered && w->cfg->pick == NULL &&
        w->cfg->model == HC_CLIENT_CLOSED) {
        /*
         * Never processed (above the last stream of the server's GOAWAY): owed, and sent
         * again on the next connection with room (its ticket kept). Only from a connection
         * that answered something, so a server that refuses everything cannot keep a -n run
         * going for ever. (In the open model a refused request is a failure: it had its time.)
         */
        w->stats.sent--;
        w->owed++;
        h2_release(c, s);
        return 0;
    }
    char why[sizeof(w->tls_error)];
    if (c->goaway || w->tls_error[0] == '\0') {
        w->stats.h2_resets++;
        snprintf(why, sizeof(why), "the server reset the stream (RST_STREAM %s)",
                 nghttp2_http2_strerror(error_code));
        h2_failed(c, s, HC_CLIENT_ERR_RESET, why);
    } else {
        /* Closed by the session's end on a protocol error of the server's. */
        snprintf(why, sizeof(why), "%s", w->tls_error);
        h2_failed(c, s, HC_CLIENT_ERR_PARSE, why);
    }
    return 0;
}

static int h2_on_frame(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    struct hc_client_conn *c = user_data;
    if (frame->hd.type == NGHTTP2_GOAWAY) {
        c->goaway = true;
        c->w->stats.h2_goaways++;
    } else if (frame->hd.type == NGHTTP2_SETTINGS && !(frame->hd.flags & NGHTTP2_FLAG_ACK) &&
               !c->goaway) {
        uint32_t max =
            nghttp2_session_get_remote_settings(session, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
        c->depth = (unsigned)HC_MIN((uint32_t)c->w->cfg->pipeline, HC_MAX(max, 1u));
    }
    return 0;
}

static ssize_t h2_read_body(nghttp2_session *session, int32_t stream_id, uint8_t *buf,
                            size_t length, uint32_t *data_flags, nghttp2_data_source *source,
                            void *user_data)
{
    HC_UNUSED(session);
    HC_UNUSED(stream_id);
    HC_UNUSED(user_data);
    struct hc_client_h2_slot *s = source->ptr;
    size_t n = HC_MIN(length, s->body_len - s->body_off);
    memcpy(buf, s->body + s->body_off, n);
    s->body_off += n;
    if (s->body_off == s->body_len)
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

/* nghttp2's words for what ended the session (a peer that does not speak HTTP/2, say). */
static int h2_on_error(nghttp2_session *session, int lib_error_code, const char *msg, size_t len,
                       void *user_data)
{
    HC_UNUSED(session);
    HC_UNUSED(lib_error_code);
    struct hc_client_conn *c = user_data;
    snprintf(c->w->tls_error, sizeof(c->w->tls_error), "HTTP/2: %.*s", (int)HC_MIN(len, 200u), msg);
    return 0;
}

int hc_client_h2_callbacks_new(struct nghttp2_session_callbacks **out)
{
    nghttp2_session_callbacks *cb;
    if (nghttp2_session_callbacks_new(&cb) != 0)
        return -ENOMEM;
    nghttp2_session_callbacks_set_on_header_callback(cb, h2_on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, h2_on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, h2_on_close);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, h2_on_frame);
    nghttp2_session_callbacks_set_error_callback2(cb, h2_on_error);
    *out = cb;
    return 0;
}

void hc_client_h2_callbacks_free(struct nghttp2_session_callbacks *cb)
{
    nghttp2_session_callbacks_del(cb);
}

int hc_client_h2_begin(struct hc_client_conn *c)
{
    struct hc_client_worker *w = c->w;
    unsigned depth = w->cfg->pipeline;
    if (c->h2s == NULL) {
        c->h2s = hc_xcalloc(depth, sizeof(*c->h2s));
        c->h2free = hc_xcalloc(depth, sizeof(*c->h2free));
        for (unsigned i = 0; i < depth; i++) {
            hc_buf_init(&c->h2s[i].hstore, HC_HTTP_MAX_HEADER_BYTES);
            hc_buf_init(&c->h2s[i].kbody, HC_HTTP_MAX_BODY_BYTES);
        }
    }
    c->h2nfree = 0;
    for (unsigned i = depth; i-- > 0;) {
        c->h2s[i].used = false;
        c->h2free[c->h2nfree++] = i;
    }
    c->goaway = false;
    c->answered = false;
    /* One stream until the server's SETTINGS say how many it takes. */
    c->depth = 1;
    if (nghttp2_session_client_new(&c->h2, w->h2cb, c) != 0)
        return -ENOMEM;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, HC_CLIENT_H2_WINDOW},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, HC_HTTP_MAX_HEADER_BYTES},
    };
    if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0])) != 0 ||
        nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0, HC_CLIENT_H2_WINDOW) !=
            0)
        return -EPROTO;
    return 0;
}

void hc_client_h2_close(struct hc_client_conn *c)
{
    /* Forgotten, not reported: no callback of the session's end may count them. */
    for (unsigned i = 0; c->h2 != NULL && i < c->w->cfg->pipeline; i++)
        c->h2s[i].used = false;
    nghttp2_session_del(c->h2);
    c->h2 = NULL;
}

void hc_client_h2_destroy(struct hc_client_conn *c)
{
    hc_client_h2_close(c);
    if (c->h2s != NULL) {
        for (unsigned i = 0; i < c->w->cfg->pipeline; i++) {
            hc_buf_destroy(&c->h2s[i].hstore);
            hc_buf_destroy(&c->h2s[i].kbody);
        }
    }
    free(c->h2s);
    free(c->h2free);
    c->h2s = NULL;
    c->h2free = NULL;
}

/* An nv of name and value (neither NUL-ended). */
static nghttp2_nv h2_nv(const char *name, size_t nl, const char *value, size_t vl)
{
    return (nghttp2_nv){.name = (uint8_t *)(uintptr_t)name,
                        .namelen = nl,
                        .value = (uint8_t *)(uintptr_t)value,
                        .valuelen = vl,
                        .flags = NGHTTP2_NV_FLAG_NONE};
}

/* Fields of HTTP/1.1 that HTTP/2 forbids (RFC 9113 8.2.2), and Host (:authority says it). */
static bool h2_dropped(const char *name, size_t nl)
{
    static const char *const drop[] = {"host",    "connection",       "keep-alive",
                                       "upgrade", "proxy-connection", "transfer-encoding"};
    for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
        if (strlen(drop[i]) == nl && strncasecmp(drop[i], name, nl) == 0)
            return true;
    }
    return false;
}

/*
 * Submits request rq (with the picker's varied pieces in p, or NULL) on slot i. 0, or
 * -EINVAL when nghttp2 refuses it.
 */
static int h2_submit(struct hc_client_conn *c, unsigned i, const struct hc_client_request *rq,
                     const struct hc_client_pick *p)
{
    struct hc_client_worker *w = c->w;
    const char *url = p != NULL && p->url != NULL ? p->url : rq->url;
    const char *const *hdrs = (const char *const *)rq->headers;
    size_t nh = rq->nheaders;
    if (p != NULL && p->headers != NULL) {
        hdrs = p->headers;
        nh = p->nheaders;
    }
    const char *body = rq->body;
    size_t blen = rq->body_len;
    if (p != NULL && p->body != NULL) {
        body = p->body;
        blen = p->body_len;
    }
    /* url is absolute: scheme "://" authority path. */
    const char *sep = strstr(url, "://");
    const char *auth = sep != NULL ? sep + 3 : url;
    const char *path = strchr(auth, '/');
    size_t alen = path != NULL ? (size_t)(path - auth) : strlen(auth);
    if (path == NULL)
        path = "/";
    const char *q = strchr(auth, '?');
    if (q != NULL && q < path) {
        alen = (size_t)(q - auth);
        path = q; /* "?x" without a slash: the path is "/" then; rare, sent as given */
    }
    nghttp2_nv nv[HC_CLIENT_H2_MAX_FIELDS];
    size_t n = 0;
    nv[n++] = h2_nv(":method", 7, rq->method, strlen(rq->method));
    nv[n++] = w->cfg->tls ? h2_nv(":scheme", 7, "https", 5) : h2_nv(":scheme", 7, "http", 4);
    nv[n++] = h2_nv(":authority", 10, auth, alen);
    nv[n++] = h2_nv(":path", 5, path, strlen(path));
    /* Names go lower-cased into the worker's scratch (nghttp2 copies them on submit). */
    char *low = w->h2scratch;
    size_t used = 0;
    for (size_t k = 0; k < nh && n < HC_CLIENT_H2_MAX_FIELDS; k++) {
        const char *h = hdrs[k];
        const char *colon = strchr(h, ':');
        if (colon == NULL)
            continue;
        size_t nl = (size_t)(colon - h);
        if (h2_dropped(h, nl) || used + nl > HC_CLIENT_H2_SCRATCH)
            continue;
        for (size_t j = 0; j < nl; j++) {
            char ch = h[j];
            low[used + j] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
        }
        const char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        nv[n++] = h2_nv(low + used, nl, v, strlen(v));
        used += nl;
    }
    struct hc_client_h2_slot *s = &c->h2s[i];
    s->used = true;
    s->status = 0;
    s->bytes = 0;
    s->keep = rq->keep;
    s->body = body;
    s->body_len = body != NULL ? blen : 0;
    s->body_off = 0;
    hc_buf_reset(&s->hstore);
    hc_buf_reset(&s->kbody);
    nghttp2_data_provider prd = {.source = {.ptr = s}, .read_callback = h2_read_body};
    int32_t id = nghttp2_submit_request(c->h2, NULL, nv, n, body != NULL ? &prd : NULL,
                                        (void *)(uintptr_t)(i + 1));
    if (id < 0) {
        s->used = false;
        return -EINVAL;
    }
    return 0;
}

unsigned hc_client_h2_queue(struct hc_client_conn *c, unsigned k, int64_t due_ns, int64_t now_ns)
{
    struct hc_client_worker *w = c->w;
    const struct hc_client_config *cfg = w->cfg;
    unsigned done = 0;
    while (done < k && c->h2nfree > 0) {
        unsigned i = c->h2free[c->h2nfree - 1];
        struct hc_client_pick p = {.thread = w->index, .out = NULL, .resume = w->resuming};
        uint32_t req = 0;
        if (cfg->pick != NULL) {
            int rc = cfg->pick(cfg->pick_ctx, &p);
            if (rc == HC_CLIENT_PICK_IDLE)
                break;
            if (rc != 0 || p.req >= cfg->reqs->n) {
                w->ending = true;
                break;
            }
            req = p.req;
        }
        if (h2_submit(c, i, &cfg->reqs->reqs[req], cfg->pick != NULL ? &p : NULL) != 0)
            break;
        c->h2nfree--;
        c->slots[i] =
            (struct hc_client_slot){.sent = now_ns, .due = due_ns, .user = p.user, .req = req};
        c->count++;
        w->inflight++;
        done++;
    }
    return done;
}

int hc_client_h2_input(struct hc_client_conn *c, const char *data, size_t len)
{
    c->w->tls_error[0] = '\0';
    ssize_t n = nghttp2_session_mem_recv(c->h2, (const uint8_t *)data, len);
    if (n < 0) {
        snprintf(c->w->tls_error, sizeof(c->w->tls_error), "HTTP/2: %s", nghttp2_strerror((int)n));
        return -EBADMSG;
    }
    return 0;
}

int hc_client_h2_pending(struct hc_client_conn *c)
{
    hc_buf_reset(&c->out);
    for (;;) {
        const uint8_t *p;
        ssize_t n = nghttp2_session_mem_send(c->h2, &p);
        if (n < 0) {
            snprintf(c->w->tls_error, sizeof(c->w->tls_error), "HTTP/2: %s",
                     nghttp2_strerror((int)n));
            return -EBADMSG;
        }
        if (n == 0)
            break;
        if (hc_buf_append(&c->out, p, (size_t)n) != 0)
            break; /* the rest waits for the next write */
    }
    c->wdata = c->out.data;
    c->wpos = 0;
    c->wend = c->out.len;
    return 0;
}

bool hc_client_h2_ended(const struct hc_client_conn *c)
{
    return !nghttp2_session_want_read(c->h2);
}

bool hc_client_h2_wants_write(const struct hc_client_conn *c)
{
    return nghttp2_session_want_write(c->h2) != 0;
}

void hc_client_h2_fail_inflight(struct hc_client_conn *c, enum hc_client_err kind,
                                const char *detail)
{
    unsigned depth = c->w->cfg->pipeline;
    for (unsigned i = 0; i < depth && c->count > 0; i++) {
        if (!c->h2s[i].used)
            continue;
        h2_failed(c, &c->h2s[i], kind, detail);
        detail = NULL;
    }
}

int64_t hc_client_h2_oldest(const struct hc_client_conn *c)
{
    int64_t oldest = INT64_MAX;
    for (unsigned i = 0; i < c->w->cfg->pipeline; i++) {
        if (c->h2s[i].used && c->slots[i].sent < oldest)
            oldest = c->slots[i].sent;
    }
    return oldest;
}
