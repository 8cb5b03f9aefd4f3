/*
 * traffic.c: hcwarm's traffic through the client engine (see traffic.h).
 *
 * Each worker thread takes the sends k = i, i + T, i + 2T, ... of the sequence (T threads),
 * so together they walk it in order without sharing a cursor. The user value of a slot is k,
 * which finds a timed send's intended time again when its response comes back.
 *
 * With a plan (--from-plan), the plan runner (hc/runner.h) picks and writes each request, and
 * this file's callbacks count each answer into the window first, then hand it to the runner
 * (its checks, the flow's next step); a check that fails on an answer of a good status counts
 * as a bad answer, so --max-errors sees it.
 */
#include "traffic.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hc/buf.h"
#include "hc/client.h"
#include "hc/core.h"
#include "hc/limits.h"
#include "hc/net.h"
#include "hc/runner.h"
#include "hc/url.h"

/* A timed send that goes out this much after its time counts as late. */
#define TRAFFIC_LATE_NS (10 * HC_NSEC_PER_MSEC)

struct traffic_thread {
    struct traffic *t;
    unsigned index;
    uint64_t next;           /* the next send of this thread (a sequence position) */
    pthread_mutex_t lock;    /* guards w: the worker counts, the main thread takes */
    struct traffic_window w; /* since the last take */
};

struct traffic {
    struct traffic_cfg cfg;
    struct hc_url url;
    struct hc_client_reqset reqs;
    struct hc_client *client;
    struct hc_runner *runner; /* with a plan: the runner, and its callbacks */
    hc_client_pick_cb *runner_pick;
    hc_client_response_cb *runner_response;
    hc_client_failure_cb *runner_failure;
    struct traffic_thread *threads;
    unsigned nthreads;
    int64_t base_ns; /* time zero of a timed run (set before the workers start) */
    _Atomic uint64_t sent;
    bool started; /* hc_client_start was called */
    bool joined;  /* and hc_client_join */
};

void traffic_window_init(struct traffic_window *w)
{
    memset(w, 0, sizeof(*w));
    hc_client_stats_new_hist(&w->lat);
}

void traffic_window_destroy(struct traffic_window *w)
{
    if (w == NULL)
        return;
    hc_hist_free(w->lat);
    w->lat = NULL;
}

void traffic_window_reset(struct traffic_window *w)
{
    struct hc_hist *lat = w->lat;
    hc_hist_reset(lat);
    memset(w, 0, sizeof(*w));
    w->lat = lat;
}

void traffic_window_add(struct traffic_window *dst, const struct traffic_window *src)
{
    hc_hist_add(dst->lat, src->lat);
    dst->responses += src->responses;
    dst->bad_status += src->bad_status;
    dst->failures += src->failures;
    dst->hits += src->hits;
    dst->misses += src->misses;
    dst->late += src->late;
    if (src->failure[0] != '\0')
        memcpy(dst->failure, src->failure, sizeof(dst->failure));
}

void traffic_signals(const struct traffic_window *w, struct signals *s)
{
    memset(s, 0, sizeof(*s));
    s->responses = w->responses;
    s->errors = w->bad_status + w->failures;
    s->requests = w->responses + w->failures;
    s->p99_ns = w->responses > 0 ? hc_hist_value_at_percentile(w->lat, 99) : 0;
    s->error_rate = s->requests > 0 ? (double)s->errors / (double)s->requests : 0;
    s->hit_known = w->hits + w->misses > 0;
    s->hit_ratio = s->hit_known ? (double)w->hits / (double)(w->hits + w->misses) : 0;
}

/* ---- the engine's callbacks (worker threads) ---- */

static int traffic_pick(void *ctx, struct hc_client_pick *p)
{
    struct traffic *t = ctx;
    if (t->runner != NULL) {
        int rc = t->runner_pick(t->runner, p);
        if (rc == 0)
            atomic_fetch_add_explicit(&t->sent, 1, memory_order_relaxed);
        return rc;
    }
    struct traffic_thread *th = &t->threads[p->thread];
    const struct paths *ps = t->cfg.paths;
    uint64_t k = th->next;
    if (t->cfg.timed) {
        if (k >= ps->nseq)
            return -1;
        int64_t due = t->base_ns + (int64_t)((double)ps->at_ns[k] / t->cfg.speed);
        int64_t now = hc_now_ns();
        if (due > now) {
            hc_client_wake(t->client, p->thread, due);
            return HC_CLIENT_PICK_IDLE;
        }
        if (now - due > TRAFFIC_LATE_NS) {
            pthread_mutex_lock(&th->lock);
            th->w.late++;
            pthread_mutex_unlock(&th->lock);
        }
    }
    th->next = k + t->nthreads;
    p->req = ps->seq[k % ps->nseq];
    p->user = k;
    atomic_fetch_add_explicit(&t->sent, 1, memory_order_relaxed);
    return 0;
}

static int64_t traffic_due(const struct traffic *t, uint64_t k, int64_t due_ns)
{
    if (!t->cfg.timed || t->runner != NULL)
        return due_ns;
    return t->base_ns + (int64_t)((double)t->cfg.paths->at_ns[k] / t->cfg.speed);
}

static void traffic_on_response(void *ctx, const struct hc_client_response *r)
{
    struct traffic *t = ctx;
    struct traffic_thread *th = &t->threads[r->thread];
    int cache = 0;
    for (size_t i = 0; i < r->nheaders; i++) {
        const struct hc_http_header *h = &r->headers[i];
        if (h->name_len == 7 && strncasecmp(h->name, "X-Cache", 7) == 0) {
            cache = signals_x_cache(h->value, h->value_len);
            break;
        }
    }
    int64_t lat = r->done_ns - traffic_due(t, r->user, r->due_ns);
    bool bad = r->status < 200 || r->status > 399;
    if (t->runner != NULL) {
        uint64_t p0, f0, p1, f1;
        hc_runner_thread_checks(t->runner, r->thread, r->req, &p0, &f0);
        t->runner_response(t->runner, r);
        hc_runner_thread_checks(t->runner, r->thread, r->req, &p1, &f1);
        bad = bad || f1 > f0;
    }
    pthread_mutex_lock(&th->lock);
    th->w.responses++;
    if (bad)
        th->w.bad_status++;
    if (cache > 0)
        th->w.hits++;
    else if (cache < 0)
        th->w.misses++;
    hc_hist_record(th->w.lat, lat > 0 ? lat : 1);
    pthread_mutex_unlock(&th->lock);
}

static void traffic_on_failure(void *ctx, const struct hc_client_failure *f)
{
    struct traffic *t = ctx;
    struct traffic_thread *th = &t->threads[f->thread];
    pthread_mutex_lock(&th->lock);
    th->w.failures++;
    if (f->detail != NULL || th->w.failure[0] == '\0')
        snprintf(th->w.failure, sizeof(th->w.failure), "%s%s%s", hc_client_err_names[f->kind],
                 f->detail ? ": " : "", f->detail ? f->detail : "");
    pthread_mutex_unlock(&th->lock);
    if (t->runner != NULL)
        t->runner_failure(t->runner, f);
}

/* ---- the main thread ---- */

static int traffic_requests(struct traffic *t, char *err, size_t errlen)
{
    const struct paths *ps = t->cfg.paths;
    struct hc_buf url;
    hc_buf_init(&url, HC_CLIENT_MAX_REQUEST_BYTES);
    int rc = 0;
    for (size_t i = 0; i < ps->n && rc == 0; i++) {
        hc_buf_reset(&url);
        hc_buf_appendf(&url, "%s://%s%s", t->url.scheme, t->url.host_header, ps->targets[i]);
        struct hc_client_request_spec spec = {
            .method = ps->methods[i],
            .url = hc_buf_cstr(&url),
            .target = ps->targets[i],
            .host = t->url.host_header,
            .keep = t->cfg.x_cache ? HC_CLIENT_KEEP_HEADERS : 0,
        };
        rc = hc_client_reqset_add(&t->reqs, &spec);
        if (rc != 0)
            snprintf(err, errlen, "%s %s: %s", ps->methods[i], ps->targets[i],
                     rc == HC_ETOOLARGE ? "larger than the request bound"
                                        : "not a valid HTTP request target");
    }
    hc_buf_destroy(&url);
    return rc;
}

int traffic_new(const struct traffic_cfg *cfg, struct traffic **out, char *err, size_t errlen)
{
    struct traffic *t = hc_xcalloc(1, sizeof(*t));
    *out = t;
    t->cfg = *cfg;
    hc_client_reqset_init(&t->reqs);
    char uerr[256];
    int rc = hc_url_parse(cfg->target, &t->url, uerr, sizeof(uerr));
    if (rc != 0) {
        snprintf(err, errlen, "--target: \"%s\": %s", cfg->target, uerr);
        return rc;
    }
    if (cfg->plan == NULL && cfg->paths->nseq == 0) {
        snprintf(err, errlen, "nothing to send: the source has no request in it");
        return HC_ESYNTAX;
    }
    /* The engine connects to one server: every request of a plan must go to the target's. */
    for (size_t i = 0; cfg->plan != NULL && i < cfg->plan->nrequests; i++) {
        const struct hc_url *u = cfg->plan->requests[i].url;
        if (u->tls != t->url.tls || u->port != t->url.port || strcmp(u->host, t->url.host) != 0) {
            snprintf(err, errlen,
                     "%s: request \"%s\" goes to %s://%s, not to --target %s (hcwarm warms one "
                     "service at a time)",
                     cfg->plan->file, cfg->plan->requests[i].name, u->scheme, u->host_header,
                     cfg->target);
            return HC_ESYNTAX;
        }
    }
    struct hc_client_config cc;
    memset(&cc, 0, sizeof(cc));
    socklen_t alen;
    rc = hc_net_resolve(t->url.host, t->url.port, AF_UNSPEC, &cc.addr, &alen);
    if (rc != 0) {
        snprintf(err, errlen, "--target: %s: %s", t->url.host, hc_net_strerror(rc));
        return rc;
    }
    if (cfg->plan != NULL) {
        rc = hc_runner_new(cfg->plan, cfg->threads, cfg->connections, 1,
                           cfg->timed ? HC_CLIENT_CLOSED : HC_CLIENT_OPEN, false,
                           cfg->x_cache ? HC_CLIENT_KEEP_HEADERS : 0, &t->reqs, &t->runner, err,
                           errlen);
    } else {
        rc = traffic_requests(t, err, errlen);
    }
    if (rc != 0)
        return rc;
    uint64_t got = 0;
    rc = hc_net_raise_nofile(cfg->connections + cfg->threads * 4 + 64, &got);
    if (rc != 0) {
        snprintf(err, errlen, "%zu connections need more open files than the %llu allowed",
                 cfg->connections, (unsigned long long)got);
        return rc;
    }
    t->nthreads = cfg->threads;
    t->threads = hc_xcalloc(t->nthreads, sizeof(*t->threads));
    for (unsigned i = 0; i < t->nthreads; i++) {
        t->threads[i].t = t;
        t->threads[i].index = i;
        t->threads[i].next = i;
        pthread_mutex_init(&t->threads[i].lock, NULL);
        traffic_window_init(&t->threads[i].w);
    }
    cc.tls = t->url.tls;
    cc.tls_host = t->url.host;
    cc.insecure = cfg->insecure;
    cc.cafile = cfg->cafile;
    cc.threads = cfg->threads;
    cc.connections = cfg->connections;
    cc.duration_ns = cfg->duration_ns;
    cc.timeout_ns = cfg->timeout_ns;
    cc.pipeline = 1;
    cc.model = cfg->timed ? HC_CLIENT_CLOSED : HC_CLIENT_OPEN;
    cc.rate = cfg->timed ? 0 : cfg->rate;
    cc.reqs = &t->reqs;
    cc.pick = traffic_pick;
    cc.pick_ctx = t;
    cc.on_response = traffic_on_response;
    cc.on_failure = traffic_on_failure;
    cc.cb_ctx = t;
    if (t->runner != NULL) {
        /* The runner's own callbacks, called from this file's (their context is the runner). */
        struct hc_client_config rc_cfg = cc;
        hc_runner_configure(t->runner, &rc_cfg);
        t->runner_pick = rc_cfg.pick;
        t->runner_response = rc_cfg.on_response;
        t->runner_failure = rc_cfg.on_failure;
    }
    rc = hc_client_new(&cc, &t->client);
    if (rc != 0) {
        snprintf(err, errlen, "cannot set up the worker threads: %s", hc_strerror(rc));
        return rc;
    }
    if (t->runner != NULL)
        hc_runner_attach(t->runner, t->client);
    return 0;
}

int traffic_start(struct traffic *t, char *err, size_t errlen)
{
    t->base_ns = hc_now_ns();
    int rc = hc_client_start(t->client);
    t->started = true;
    if (rc != 0)
        snprintf(err, errlen, "cannot start a worker thread: %s", strerror(-rc));
    return rc;
}

int64_t traffic_start_ns(const struct traffic *t)
{
    return t->base_ns;
}

void traffic_set_rate(struct traffic *t, double rate)
{
    hc_client_set_rate(t->client, rate);
}

bool traffic_wait(struct traffic *t, int64_t deadline_ns)
{
    return hc_client_wait(t->client, deadline_ns);
}

void traffic_take(struct traffic *t, struct traffic_window *w)
{
    for (unsigned i = 0; i < t->nthreads; i++) {
        struct traffic_thread *th = &t->threads[i];
        pthread_mutex_lock(&th->lock);
        traffic_window_add(w, &th->w);
        traffic_window_reset(&th->w);
        pthread_mutex_unlock(&th->lock);
    }
}

uint64_t traffic_sent(const struct traffic *t)
{
    return atomic_load_explicit(&t->sent, memory_order_relaxed);
}

void traffic_stop(struct traffic *t)
{
    if (t != NULL && t->client != NULL)
        hc_client_stop(t->client);
}

void traffic_join(struct traffic *t)
{
    if (t->started && !t->joined)
        hc_client_join(t->client);
    t->joined = true;
}

void traffic_free(struct traffic *t)
{
    if (t == NULL)
        return;
    traffic_join(t);
    hc_client_free(t->client);
    hc_runner_free(t->runner);
    for (unsigned i = 0; i < t->nthreads; i++) {
        pthread_mutex_destroy(&t->threads[i].lock);
        traffic_window_destroy(&t->threads[i].w);
    }
    free(t->threads);
    hc_client_reqset_destroy(&t->reqs);
    hc_url_destroy(&t->url);
    free(t);
}
