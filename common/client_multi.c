/*
 * client_multi.c: https:// and HTTP/2 through libcurl's multi interface, on the worker's loop.
 *
 * libcurl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to call it back
 * (CURLMOPT_TIMERFUNCTION); we register the sockets level-triggered, because libcurl does not
 * promise to drain a socket on each call, and hand every event to curl_multi_socket_action().
 * Finished transfers are collected after each action (never inside libcurl's callbacks, where
 * adding a handle is not allowed): they are reported through the same seam as the native
 * engine's (hc_client_worker_response / hc_client_worker_failure), and the handle starts its next
 * request (closed model) or returns to the idle stack (open model).
 *
 * Requests. An easy handle is set up for request 0 of the set once; with a picker, a handle
 * whose next request differs from the last it carried is set up again for it (URL, header
 * list, method, body). The response's header callback is installed only for requests that
 * keep their headers, and the body is kept only for those that keep it, so the counting mode
 * costs what it did before.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/limits.h"
#include "hc/loop.h"
#include "client_engine.h"

struct xfer {
    struct hc_client_multi *m;    /* owner */
    CURL *easy;                   /* the reusable easy handle */
    int64_t sent;                 /* when the current request was started */
    int64_t due;                  /* when it should have been (open model), else sent */
    uint64_t user;                /* the picker's user value for the current request */
    uint32_t req;                 /* the current request's index in the set */
    uint32_t applied;             /* the request the handle is set up for; UINT32_MAX: none */
    unsigned keep;                /* HC_CLIENT_KEEP_* of the applied request */
    struct hc_buf hstore;         /* kept header names and values, NUL-ended, reserved once */
    struct hc_http_header *hdrs;  /* kept header fields (HC_HTTP_MAX_HEADERS), or NULL */
    size_t nhdrs;                 /* entries in hdrs */
    struct hc_buf body;           /* kept body */
    bool busy;                    /* added to the multi handle */
    bool varied;                  /* set up with a picker's own pieces (multi_vary) */
    struct curl_slist *vheaders;  /* multi_vary's header list (rebuilt per varied request) */
    char errbuf[CURL_ERROR_SIZE]; /* libcurl's detail on the last failure */
};

struct hc_client_multi {
    struct hc_client_worker *w; /* owner */
    CURLM *multi;               /* the multi handle */
    struct xfer *xfers;         /* n transfers */
    size_t n;
    struct xfer **idle; /* transfers that can start a request */
    size_t nidle;
    struct curl_slist **headers; /* per request of the set: its header list */
    size_t nreqs;                /* entries in headers */
    struct hc_loop_timer timer;  /* libcurl's timeout */
    bool pick_idle;              /* the last multi_begin's picker had nothing for its slot */
};

static size_t multi_on_body(char *data, size_t size, size_t n, void *arg)
{
    HC_UNUSED(data);
    HC_UNUSED(arg);
    return size * n;
}

/* The write callback of a request that keeps its body; more than the bound fails it. */
static size_t multi_keep_body(char *data, size_t size, size_t n, void *arg)
{
    struct xfer *x = arg;
    return hc_buf_append(&x->body, data, size * n) == 0 ? size * n : 0;
}

/*
 * The header callback of a request that keeps its headers: one line at a time. A status line
 * starts the fields over (an interim 100 response, HTTP/2's pseudo status line); fields past
 * the bounds are dropped, as are lines that are not fields.
 */
static size_t multi_keep_header(char *data, size_t size, size_t n, void *arg)
{
    struct xfer *x = arg;
    size_t len = size * n;
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        hc_buf_reset(&x->hstore);
        x->nhdrs = 0;
        return len;
    }
    size_t l = len;
    while (l > 0 && (data[l - 1] == '\r' || data[l - 1] == '\n'))
        l--;
    const char *colon = l > 0 ? memchr(data, ':', l) : NULL;
    if (colon == NULL || colon == data || x->nhdrs >= HC_HTTP_MAX_HEADERS)
        return len;
    size_t nlen = (size_t)(colon - data);
    const char *v = colon + 1;
    const char *end = data + l;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vlen = (size_t)(end - v);
    /* Reserved whole once, so the pointers handed out never move. */
    if (x->hstore.cap < HC_HTTP_MAX_HEADER_BYTES &&
        hc_buf_reserve(&x->hstore, HC_HTTP_MAX_HEADER_BYTES) != 0)
        return len;
    if (x->hstore.len + nlen + vlen + 2 > x->hstore.cap)
        return len;
    char *name = x->hstore.data + x->hstore.len;
    hc_buf_append(&x->hstore, data, nlen);
    hc_buf_putc(&x->hstore, '\0');
    char *value = x->hstore.data + x->hstore.len;
    hc_buf_append(&x->hstore, v, vlen);
    hc_buf_putc(&x->hstore, '\0');
    x->hdrs[x->nhdrs++] = (struct hc_http_header){name, nlen, value, vlen};
    return len;
}

/* The failure kind for a libcurl result (os_errno tells a reset from other read errors). */
static enum hc_client_err multi_err_kind(CURLcode rc, long os_errno)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
        return HC_CLIENT_ERR_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return HC_CLIENT_ERR_TIMEOUT;
    case CURLE_SEND_ERROR:
        return os_errno == ECONNRESET ? HC_CLIENT_ERR_RESET : HC_CLIENT_ERR_WRITE;
    case CURLE_RECV_ERROR:
        return os_errno == ECONNRESET ? HC_CLIENT_ERR_RESET : HC_CLIENT_ERR_READ;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_WRITE_ERROR: /* a kept body over its bound */
        return HC_CLIENT_ERR_PARSE;
    default:
        return HC_CLIENT_ERR_READ;
    }
}

static void multi_collect(struct hc_client_multi *m);

static void multi_on_io(struct hc_loop *loop, int fd, unsigned events, void *data)
{
    HC_UNUSED(loop);
    struct hc_client_multi *m = data;
    int mask = 0;
    if (events & (HC_LOOP_READ | HC_LOOP_HUP))
        mask |= CURL_CSELECT_IN;
    if (events & HC_LOOP_WRITE)
        mask |= CURL_CSELECT_OUT;
    if (events & HC_LOOP_ERROR)
        mask |= CURL_CSELECT_ERR;
    int running;
    curl_multi_socket_action(m->multi, fd, mask, &running);
    multi_collect(m);
}

static int multi_on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    HC_UNUSED(easy);
    HC_UNUSED(socketp);
    struct hc_client_multi *m = userp;
    struct hc_loop *loop = m->w->loop;
    if (what == CURL_POLL_REMOVE) {
        hc_loop_del(loop, s);
        return 0;
    }
    unsigned ev = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        ev |= HC_LOOP_READ;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        ev |= HC_LOOP_WRITE;
    if (hc_loop_add(loop, s, ev, multi_on_io, m) == -EEXIST)
        hc_loop_mod(loop, s, ev);
    return 0;
}

static void multi_on_timer(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(loop);
    HC_UNUSED(t);
    struct hc_client_multi *m = data;
    int running;
    curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    multi_collect(m);
}

static int multi_on_timeout(CURLM *multi, long timeout_ms, void *userp)
{
    HC_UNUSED(multi);
    struct hc_client_multi *m = userp;
    if (timeout_ms < 0)
        hc_loop_timer_stop(m->w->loop, &m->timer);
    else
        hc_loop_timer_start(m->w->loop, &m->timer, (int64_t)timeout_ms * HC_NSEC_PER_MSEC,
                            multi_on_timer, m);
    return 0;
}

/* Sets x up for request req of the set (the first time, or when it carried another). */
static void multi_apply(struct hc_client_multi *m, struct xfer *x, uint32_t req)
{
    const struct hc_client_request *rq = &m->w->cfg->reqs->reqs[req];
    CURL *e = x->easy;
    curl_easy_setopt(e, CURLOPT_URL, rq->url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, m->headers[req]);
    if (x->applied != UINT32_MAX) {
        /* Undo the previous request's method and body. */
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
    }
    if (rq->head) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(rq->method, "GET") != 0) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
    }
    if (rq->body != NULL) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body);
        if (strcmp(rq->method, "POST") == 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
    }
    if (rq->keep & HC_CLIENT_KEEP_HEADERS) {
        if (x->hdrs == NULL)
            x->hdrs = hc_xcalloc(HC_HTTP_MAX_HEADERS, sizeof(*x->hdrs));
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, multi_keep_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    } else {
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, NULL);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, NULL);
    }
    if (rq->keep & HC_CLIENT_KEEP_BODY)
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, multi_keep_body);
    else
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, multi_on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    x->applied = req;
    x->varied = false;
    x->keep = rq->keep;
}

/*
 * Sets x up with the picker's own URL, headers and body for this request, over the set's
 * request it was applied for (method, parse mode). The header list is rebuilt each time: a
 * few small allocations per request, beside the many libcurl makes per transfer anyway.
 */
static void multi_vary(struct xfer *x, const struct hc_client_pick *p)
{
    CURL *e = x->easy;
    curl_easy_setopt(e, CURLOPT_URL, p->url);
    curl_slist_free_all(x->vheaders);
    x->vheaders = NULL;
    for (size_t i = 0; i < p->nheaders; i++) {
        struct curl_slist *l = curl_slist_append(x->vheaders, p->headers[i]);
        if (l != NULL)
            x->vheaders = l;
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->vheaders);
    if (p->body != NULL) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)p->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, p->body);
    }
    x->varied = true;
}

static int multi_setup_easy(struct hc_client_multi *m, struct xfer *x)
{
    const struct hc_client_config *cfg = m->w->cfg;
    CURL *e = curl_easy_init();
    if (e == NULL)
        return -ENOMEM;
    x->easy = e;
    x->m = m;
    x->applied = UINT32_MAX;
    hc_buf_init(&x->hstore, HC_HTTP_MAX_HEADER_BYTES);
    hc_buf_init(&x->body, HC_HTTP_MAX_BODY_BYTES);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(cfg->timeout_ns / HC_NSEC_PER_MSEC));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(cfg->timeout_ns / HC_NSEC_PER_MSEC));
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    /* HTTP/2: wait for a connection that can multiplex rather than open one per handle. */
    if (cfg->http2)
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    if (cfg->http2)
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                         cfg->tls ? (long)CURL_HTTP_VERSION_2TLS
                                  : (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
    else
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    if (cfg->insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (cfg->cafile != NULL)
        curl_easy_setopt(e, CURLOPT_CAINFO, cfg->cafile);
    if (cfg->cert != NULL)
        curl_easy_setopt(e, CURLOPT_SSLCERT, cfg->cert);
    if (cfg->key != NULL)
        curl_easy_setopt(e, CURLOPT_SSLKEY, cfg->key);
    long tlsv =
        cfg->tls_min == 0x0304 ? (long)CURL_SSLVERSION_TLSv1_3 : (long)CURL_SSLVERSION_TLSv1_2;
    if (cfg->tls_max == 0x0303)
        tlsv |= (long)CURL_SSLVERSION_MAX_TLSv1_2;
    curl_easy_setopt(e, CURLOPT_SSLVERSION, tlsv);
    multi_apply(m, x, 0);
    return 0;
}

int hc_client_multi_new(struct hc_client_worker *w, size_t n, struct hc_client_multi **out)
{
    struct hc_client_multi *m = hc_xcalloc(1, sizeof(*m));
    m->w = w;
    m->n = n;
    m->xfers = hc_xcalloc(n ? n : 1, sizeof(*m->xfers));
    m->idle = hc_xcalloc(n ? n : 1, sizeof(*m->idle));
    *out = m;
    m->multi = curl_multi_init();
    if (m->multi == NULL)
        return -ENOMEM;
    const struct hc_client_reqset *set = w->cfg->reqs;
    m->nreqs = set->n;
    m->headers = hc_xcalloc(set->n ? set->n : 1, sizeof(*m->headers));
    for (size_t r = 0; r < set->n; r++) {
        for (size_t i = 0; i < set->reqs[r].nheaders; i++) {
            struct curl_slist *l = curl_slist_append(m->headers[r], set->reqs[r].headers[i]);
            if (l == NULL)
                return -ENOMEM;
            m->headers[r] = l;
        }
    }
    curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, multi_on_socket);
    curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
    curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, multi_on_timeout);
    curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m);
    curl_multi_setopt(m->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    curl_multi_setopt(m->multi, CURLMOPT_MAXCONNECTS, (long)(n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        int rc = multi_setup_easy(m, &m->xfers[i]);
        if (rc != 0)
            return rc;
        m->idle[m->nidle++] = &m->xfers[i];
    }
    return 0;
}

void hc_client_multi_free(struct hc_client_multi *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n; i++) {
        struct xfer *x = &m->xfers[i];
        if (x->easy == NULL)
            continue;
        if (x->busy && m->multi != NULL)
            curl_multi_remove_handle(m->multi, x->easy);
        curl_easy_cleanup(x->easy);
        hc_buf_destroy(&x->hstore);
        hc_buf_destroy(&x->body);
        curl_slist_free_all(x->vheaders);
        free(x->hdrs);
    }
    if (m->multi != NULL)
        curl_multi_cleanup(m->multi);
    for (size_t r = 0; r < m->nreqs; r++)
        curl_slist_free_all(m->headers[r]);
    free(m->headers);
    free(m->xfers);
    free(m->idle);
    free(m);
}

/* A failure of x's current request. */
static void multi_fail(struct hc_client_multi *m, struct xfer *x, enum hc_client_err kind,
                       const char *detail)
{
    struct hc_client_failure f = {
        .thread = m->w->index,
        .req = x->req,
        .user = x->user,
        .kind = kind,
        .due_ns = x->due,
        .sent_ns = x->sent,
        .done_ns = hc_now_ns(),
        .detail = detail,
    };
    hc_client_worker_failure(m->w, &f);
}

/*
 * Starts x's next request (picked, or request 0); false when there is none (the picker has
 * no more: the worker ends its sending) or libcurl refused it (a connect failure).
 */
static bool multi_begin(struct hc_client_multi *m, struct xfer *x, int64_t due_ns, int64_t now_ns)
{
    struct hc_client_worker *w = m->w;
    const struct hc_client_config *cfg = w->cfg;
    x->req = 0;
    x->user = 0;
    struct hc_client_pick p = {.thread = w->index, .resume = w->resuming};
    if (cfg->pick != NULL) {
        int rc = cfg->pick(cfg->pick_ctx, &p);
        if (rc == HC_CLIENT_PICK_IDLE) {
            m->pick_idle = true;
            return false;
        }
        if (rc != 0 || p.req >= cfg->reqs->n) {
            w->ending = true;
            return false;
        }
        x->req = p.req;
        x->user = p.user;
    }
    if (x->applied != x->req || p.url != NULL || x->varied)
        multi_apply(m, x, x->req);
    if (p.url != NULL)
        multi_vary(x, &p);
    if (x->keep & HC_CLIENT_KEEP_HEADERS) {
        hc_buf_reset(&x->hstore);
        x->nhdrs = 0;
    }
    if (x->keep & HC_CLIENT_KEEP_BODY)
        hc_buf_reset(&x->body);
    x->sent = now_ns;
    x->due = due_ns;
    if (curl_multi_add_handle(m->multi, x->easy) != CURLM_OK) {
        multi_fail(m, x, HC_CLIENT_ERR_CONNECT, NULL);
        return false;
    }
    x->busy = true;
    w->inflight++;
    w->stats.sent++;
    return true;
}

void hc_client_multi_start(struct hc_client_multi *m)
{
    struct hc_client_worker *w = m->w;
    while (m->nidle > 0 && !w->ending) {
        if (hc_client_run_claim(w->run, 1) == 0) {
            w->ending = true;
            break;
        }
        struct xfer *x = m->idle[--m->nidle];
        int64_t now = hc_now_ns();
        m->pick_idle = false;
        if (!multi_begin(m, x, now, now)) {
            m->idle[m->nidle++] = x;
            if (!m->pick_idle)
                continue;
            /* The picker has nothing now: its ticket goes back, the handles wait. */
            hc_client_run_unclaim(w->run, 1);
            break;
        }
    }
    hc_client_worker_check_done(w);
}

size_t hc_client_multi_idle(const struct hc_client_multi *m)
{
    return m->nidle;
}

void hc_client_multi_send(struct hc_client_multi *m, int64_t due_ns, int64_t now_ns)
{
    struct xfer *x = m->idle[--m->nidle];
    if (!multi_begin(m, x, due_ns, now_ns))
        m->idle[m->nidle++] = x;
}

/* One finished transfer: count it, then start the next request or park the handle. */
static void multi_done(struct hc_client_multi *m, struct xfer *x, CURLcode result)
{
    struct hc_client_worker *w = m->w;
    int64_t now = hc_now_ns();
    curl_multi_remove_handle(m->multi, x->easy);
    x->busy = false;
    w->inflight--;
    curl_off_t down = 0, up = 0;
    long header = 0, connects = 0, os_errno = 0;
    curl_easy_getinfo(x->easy, CURLINFO_SIZE_DOWNLOAD_T, &down);
    curl_easy_getinfo(x->easy, CURLINFO_HEADER_SIZE, &header);
    curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &up);
    curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &connects);
    w->stats.bytes_read += (uint64_t)down + (uint64_t)header;
    w->stats.bytes_written += (uint64_t)up;
    w->stats.connects += (uint64_t)connects;
    if (w->first_open_ns == INT64_MAX)
        w->first_open_ns = now;
    if (result == CURLE_OK) {
        long status = 0, version = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(x->easy, CURLINFO_HTTP_VERSION, &version);
        if (version == CURL_HTTP_VERSION_2_0)
            w->stats.http2++;
        struct hc_client_response r = {
            .thread = w->index,
            .req = x->req,
            .user = x->user,
            .status = (int)status,
            .due_ns = x->due,
            .sent_ns = x->sent,
            .done_ns = now,
            .bytes = (uint64_t)down + (uint64_t)header,
        };
        if (x->keep & HC_CLIENT_KEEP_HEADERS) {
            r.headers = x->hdrs;
            r.nheaders = x->nhdrs;
        }
        if (x->keep & HC_CLIENT_KEEP_BODY) {
            r.body = x->body.data != NULL ? x->body.data : "";
            r.body_len = x->body.len;
        }
        hc_client_worker_response(w, &r);
    } else {
        curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os_errno);
        enum hc_client_err kind = multi_err_kind(result, os_errno);
        multi_fail(m, x, kind, x->errbuf[0] ? x->errbuf : curl_easy_strerror(result));
    }
    m->idle[m->nidle++] = x;
}

static void multi_collect(struct hc_client_multi *m)
{
    struct hc_client_worker *w = m->w;
    bool any = false;
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct xfer *x = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        multi_done(m, x, msg->data.result);
        any = true;
    }
    if (!any)
        return;
    if (w->ending) {
        hc_client_worker_check_done(w);
        return;
    }
    if (w->cfg->model == HC_CLIENT_CLOSED)
        hc_client_multi_start(m);
    else
        hc_client_worker_dispatch(w);
}

void hc_client_multi_stop_all(struct hc_client_multi *m, bool fail)
{
    struct hc_client_worker *w = m->w;
    for (size_t i = 0; i < m->n; i++) {
        struct xfer *x = &m->xfers[i];
        if (!x->busy)
            continue;
        curl_multi_remove_handle(m->multi, x->easy);
        x->busy = false;
        w->inflight--;
        if (fail)
            multi_fail(m, x, HC_CLIENT_ERR_TIMEOUT, NULL);
        m->idle[m->nidle++] = x;
    }
    hc_loop_timer_stop(w->loop, &m->timer);
}
