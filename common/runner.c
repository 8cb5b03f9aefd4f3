/*
 * runner.c: the plan runner behind `hcload run` and hcwarm's plan traffic (see hc/runner.h).
 *
 * Why a pool of iterations per thread, and a picker that writes: the engine asks for a request
 * whenever it has a free slot (a connection of the closed model that was answered, an arrival
 * of the open one), and the runner answers from memory it already holds. An iteration lives in
 * a pool slot from its first step to its last; the slot's index (plus one) is the user value
 * the engine hands back with the response, so finding the iteration of a response is an array
 * index. Continuations wait in a ring (ready now) or a min-heap on their due time (thinking);
 * both are sized with the pool, so nothing grows while the run goes on. Writing a step is
 * hc_plan_request_write straight into the connection's output: only the holes are rendered.
 *
 * The hot path, per request: one pick (a PRNG draw on the alias table, the claims of the CSV
 * rows, a relaxed atomic add for {{seq}}), one write, and per response the per-name counts
 * and two histogram records; the checks only for requests that have some (the parse mode of
 * a request keeps its headers or body only when a check or an extraction reads them). The
 * first failure of each check is printed once for the run (an atomic flag per check), with the
 * start of the response that failed it.
 */
#include "hc/runner.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/limits.h"

/* Bytes of a failing response's body printed with its first failure. */
#define RUNNER_SHOW_BODY 200

struct hc_runner_iter {
    struct hc_plan_iter it;                /* rows, variables, template context */
    const struct hc_plan_flow *flow;       /* the flow running, NULL when the slot is free */
    size_t step;                           /* the step in flight, or the next to send */
    int64_t start_ns;                      /* when the first step was due */
    bool inited;                           /* it is set up (done on first use, then reused) */
    struct hc_buf url;                     /* libcurl: the rendered URL */
    struct hc_buf body;                    /* libcurl: the rendered body */
    struct hc_buf hstore;                  /* libcurl: "Name: value" texts, NUL-ended */
    const char *hdrs[HC_PLAN_MAX_HEADERS]; /* libcurl: pointers into hstore */
};

/* A thinking iteration: its index and when its next step is due. */
struct hc_runner_wait {
    int64_t at_ns;
    uint32_t iter;
};

/* One worker thread's state; only that thread touches it during the run. */
struct hc_runner_thread {
    struct hc_runner *r;
    unsigned index;
    struct hc_plan_thread pt;     /* PRNG, sequential feeders' cursors */
    struct hc_runner_iter *iters; /* niters pool slots */
    uint32_t niters;
    uint32_t *free; /* stack of free slot indexes */
    uint32_t nfree;
    uint32_t *ready; /* ring of slots whose next step may go now */
    uint32_t rhead, rcount;
    struct hc_runner_wait *heap; /* thinking slots, a min-heap on at_ns */
    uint32_t nheap;
    uint32_t active;       /* iterations begun and not ended */
    uint32_t max_active;   /* closed model: the thread's slots; open: niters */
    struct hc_buf scratch; /* hc_plan_request_write's body buffer */
    struct hc_check_header hdrs[HC_HTTP_MAX_HEADERS];
    struct hc_check_result results[2 * HC_CHECK_MAX_PER_REQUEST];
    struct hc_runner_name *names; /* per request (latencies: see ival) */
    pthread_mutex_t lock;         /* guards ival: the worker records, the main thread takes */
    struct hc_hist **ival;        /* per request: corrected, uncorrected latency this second */
    struct hc_runner_flow *flows; /* per flow */
    uint64_t dropped;             /* open model: arrivals with no free slot */
    long data_out;                /* the feeder that ran out, or -1 */
};

struct hc_runner {
    struct hc_plan *plan; /* not owned */
    unsigned nthreads;
    enum hc_client_model model;
    bool curl;                        /* the libcurl engine: pieces instead of bytes */
    struct hc_client *client;         /* for hc_client_wake */
    struct hc_runner_thread *threads; /* nthreads */
    _Atomic uint64_t seq;             /* {{seq}}: iterations begun (the last one's number) */
    unsigned agent_index;             /* --agent I/N: {{seq}} is k * N + I + 1 for the k-th */
    unsigned agent_count;             /* N, 1 without --agent */
    atomic_bool *printed;             /* per check of every request: first failure printed */
    size_t *check_base;               /* per request: its first index in printed */
    struct hc_runner_name *names;     /* totals per request (hc_runner_finish) */
    struct hc_runner_flow *flows;     /* totals per flow */
    long data_out;                    /* the feeder that ran out, or -1 */
    uint64_t dropped;
};

/* Per-name latency histograms: microsecond resolution is enough per name and a quarter the
 * memory of the totals' nanosecond one (names x threads of them). */
static int hc_runner_name_hist(struct hc_hist **out)
{
    return hc_hist_new(1000, HC_CLIENT_HIST_HIGHEST, HC_CLIENT_HIST_SIGFIGS, out);
}

static void hc_runner_names_init(struct hc_runner_name *n, const struct hc_plan *p)
{
    for (size_t i = 0; i < p->nrequests; i++) {
        n[i].name = p->requests[i].name;
        size_t items =
            hc_check_count(p->requests[i].checks) + hc_check_extract_count(p->requests[i].checks);
        n[i].item_failed = hc_xcalloc(items ? items : 1, sizeof(*n[i].item_failed));
        hc_client_stats_init(&n[i].stats);
        hc_hist_free(n[i].stats.lat);
        hc_hist_free(n[i].stats.raw);
        hc_runner_name_hist(&n[i].stats.lat);
        hc_runner_name_hist(&n[i].stats.raw);
    }
}

static void hc_runner_flows_init(struct hc_runner_flow *f, const struct hc_plan *p)
{
    for (size_t i = 0; i < p->nflows; i++) {
        f[i].name = p->flows[i].name;
        hc_hist_new(1000, HC_CLIENT_HIST_HIGHEST, 2, &f[i].durations);
    }
}

static void hc_runner_names_destroy(struct hc_runner_name *n, size_t count)
{
    for (size_t i = 0; n != NULL && i < count; i++) {
        hc_client_stats_destroy(&n[i].stats);
        free(n[i].item_failed);
    }
    free(n);
}

static void hc_runner_flows_destroy(struct hc_runner_flow *f, size_t count)
{
    for (size_t i = 0; f != NULL && i < count; i++)
        hc_hist_free(f[i].durations);
    free(f);
}

/* ---- building the request set ---- */

/* Renders a constant template's text, or "" for one with holes (the picker writes those). */
static const char *hc_runner_const(const struct hc_tmpl *t)
{
    const char *s = t != NULL ? hc_tmpl_const_text(t, NULL) : NULL;
    return s != NULL ? s : "";
}

static int hc_runner_add_request(const struct hc_plan_request *pr, unsigned keep,
                                 struct hc_client_reqset *set, char *err, size_t errlen)
{
    struct hc_http_header hdrs[HC_PLAN_MAX_HEADERS];
    size_t nh = 0;
    struct hc_buf url;
    hc_buf_init(&url, HC_CLIENT_MAX_REQUEST_BYTES);
    /* Varied parts: placeholders (the picker writes the real bytes or pieces each time). */
    if (pr->constant) {
        hc_plan_request_url(pr, NULL, &url);
        for (size_t i = 0; i < pr->nheaders && nh < HC_PLAN_MAX_HEADERS; i++) {
            const char *v = hc_runner_const(pr->headers[i].value);
            hdrs[nh++] = (struct hc_http_header){pr->headers[i].name, strlen(pr->headers[i].name),
                                                 v, strlen(v)};
        }
    } else {
        hc_buf_appendf(&url, "%s://%s/", pr->url->scheme, pr->url->host_header);
    }
    const char *body = NULL;
    size_t body_len = 0;
    if (pr->body != NULL) {
        body = pr->constant ? hc_tmpl_const_text(pr->body, &body_len) : "";
        if (body == NULL)
            body = "";
    }
    if (pr->needs & HC_CHECK_NEED_HEADERS)
        keep |= HC_CLIENT_KEEP_HEADERS;
    if (pr->needs & HC_CHECK_NEED_BODY)
        keep |= HC_CLIENT_KEEP_BODY;
    const char *target = pr->constant ? strchr(url.data + strlen(pr->url->scheme) + 3, '/') : "/";
    struct hc_client_request_spec spec = {
        .name = pr->name,
        .method = pr->method,
        .url = url.data,
        .target = target != NULL ? target : "/",
        .host = pr->has_host ? NULL : pr->url->host_header,
        .headers = hdrs,
        .nheaders = nh,
        .body = body,
        .body_len = body_len,
        .keep = keep,
    };
    int rc = hc_client_reqset_add(set, &spec);
    if (rc != 0)
        snprintf(err, errlen, "request \"%s\": %s", pr->name,
                 rc == HC_ETOOLARGE ? "larger than the request bound"
                                    : "a method, header or target is not valid HTTP");
    hc_buf_destroy(&url);
    return rc;
}

/* Slots of thread i: its share of the connections times the pipeline. */
static uint32_t hc_runner_slots(size_t connections, unsigned threads, unsigned i, unsigned pipeline)
{
    size_t share = connections / threads + (i < connections % threads ? 1 : 0);
    return (uint32_t)(share * pipeline);
}

int hc_runner_new(struct hc_plan *plan, unsigned threads, size_t connections, unsigned pipeline,
                  enum hc_client_model model, bool curl, unsigned keep,
                  struct hc_client_reqset *set, struct hc_runner **out, char *err, size_t errlen)
{
    struct hc_runner *r = hc_xcalloc(1, sizeof(*r));
    *out = r;
    r->plan = plan;
    r->nthreads = threads;
    r->model = model;
    r->curl = curl;
    r->data_out = -1;
    hc_client_reqset_init(set);
    size_t nchecks = 0;
    r->check_base = hc_xcalloc(plan->nrequests, sizeof(*r->check_base));
    for (size_t i = 0; i < plan->nrequests; i++) {
        int rc = hc_runner_add_request(&plan->requests[i], keep, set, err, errlen);
        if (rc != 0)
            return rc;
        r->check_base[i] = nchecks;
        nchecks += hc_check_count(plan->requests[i].checks) +
                   hc_check_extract_count(plan->requests[i].checks);
    }
    r->printed = hc_xcalloc(nchecks ? nchecks : 1, sizeof(*r->printed));
    for (size_t i = 0; i < nchecks; i++)
        atomic_init(&r->printed[i], false);
    atomic_init(&r->seq, 0);
    r->agent_count = 1;
    r->threads = hc_xcalloc(threads, sizeof(*r->threads));
    for (unsigned i = 0; i < threads; i++) {
        struct hc_runner_thread *t = &r->threads[i];
        t->r = r;
        t->index = i;
        t->data_out = -1;
        hc_plan_thread_init(&t->pt, (uint64_t)hc_wall_ns() ^ ((uint64_t)i << 48));
        uint32_t slots = hc_runner_slots(connections, threads, i, pipeline);
        t->max_active = slots;
        t->niters = slots + (model == HC_CLIENT_OPEN ? HC_HCLOAD_PLAN_ITERS : 0);
        if (model == HC_CLIENT_OPEN)
            t->max_active = t->niters;
        t->iters = hc_xcalloc(t->niters ? t->niters : 1, sizeof(*t->iters));
        t->free = hc_xcalloc(t->niters ? t->niters : 1, sizeof(*t->free));
        t->ready = hc_xcalloc(t->niters ? t->niters : 1, sizeof(*t->ready));
        t->heap = hc_xcalloc(t->niters ? t->niters : 1, sizeof(*t->heap));
        /* Popped from the top: slot 0 first, so a small run touches few slots. */
        for (uint32_t k = 0; k < t->niters; k++)
            t->free[k] = t->niters - 1 - k;
        t->nfree = t->niters;
        hc_buf_init(&t->scratch, HC_CLIENT_MAX_REQUEST_BYTES);
        t->names = hc_xcalloc(plan->nrequests, sizeof(*t->names));
        hc_runner_names_init(t->names, plan);
        pthread_mutex_init(&t->lock, NULL);
        t->ival = hc_xcalloc(2 * plan->nrequests, sizeof(*t->ival));
        for (size_t k = 0; k < 2 * plan->nrequests; k++)
            hc_runner_name_hist(&t->ival[k]);
        t->flows = hc_xcalloc(plan->nflows, sizeof(*t->flows));
        hc_runner_flows_init(t->flows, plan);
    }
    return 0;
}

void hc_runner_set_agent(struct hc_runner *r, unsigned index, unsigned count)
{
    r->agent_index = index;
    r->agent_count = count ? count : 1;
}

void hc_runner_free(struct hc_runner *r)
{
    if (r == NULL)
        return;
    for (unsigned i = 0; r->threads != NULL && i < r->nthreads; i++) {
        struct hc_runner_thread *t = &r->threads[i];
        for (uint32_t k = 0; t->iters != NULL && k < t->niters; k++) {
            struct hc_runner_iter *it = &t->iters[k];
            if (!it->inited)
                continue;
            hc_plan_iter_destroy(&it->it);
            hc_buf_destroy(&it->url);
            hc_buf_destroy(&it->body);
            hc_buf_destroy(&it->hstore);
        }
        free(t->iters);
        free(t->free);
        free(t->ready);
        free(t->heap);
        hc_buf_destroy(&t->scratch);
        hc_runner_names_destroy(t->names, r->plan->nrequests);
        hc_runner_flows_destroy(t->flows, r->plan->nflows);
        for (size_t k = 0; t->ival != NULL && k < 2 * r->plan->nrequests; k++)
            hc_hist_free(t->ival[k]);
        if (t->ival != NULL)
            pthread_mutex_destroy(&t->lock);
        free(t->ival);
    }
    free(r->threads);
    hc_runner_names_destroy(r->names, r->plan->nrequests);
    hc_runner_flows_destroy(r->flows, r->plan->nflows);
    free(r->printed);
    free(r->check_base);
    free(r);
}

/* ---- the pool, the ready ring and the think heap ---- */

static void hc_runner_ready_push(struct hc_runner_thread *t, uint32_t i)
{
    t->ready[(t->rhead + t->rcount) % t->niters] = i;
    t->rcount++;
}

static uint32_t hc_runner_ready_pop(struct hc_runner_thread *t)
{
    uint32_t i = t->ready[t->rhead];
    t->rhead = (t->rhead + 1) % t->niters;
    t->rcount--;
    return i;
}

static void hc_runner_heap_push(struct hc_runner_thread *t, int64_t at, uint32_t i)
{
    uint32_t k = t->nheap++;
    while (k > 0) {
        uint32_t parent = (k - 1) / 2;
        if (t->heap[parent].at_ns <= at)
            break;
        t->heap[k] = t->heap[parent];
        k = parent;
    }
    t->heap[k] = (struct hc_runner_wait){at, i};
}

static void hc_runner_heap_pop(struct hc_runner_thread *t)
{
    struct hc_runner_wait last = t->heap[--t->nheap];
    uint32_t k = 0;
    for (;;) {
        uint32_t c = 2 * k + 1;
        if (c >= t->nheap)
            break;
        if (c + 1 < t->nheap && t->heap[c + 1].at_ns < t->heap[c].at_ns)
            c++;
        if (last.at_ns <= t->heap[c].at_ns)
            break;
        t->heap[k] = t->heap[c];
        k = c;
    }
    if (t->nheap > 0)
        t->heap[k] = last;
}

/* Moves the thinking iterations that are due by now to the ready ring. */
static void hc_runner_promote(struct hc_runner_thread *t, int64_t now)
{
    while (t->nheap > 0 && t->heap[0].at_ns <= now) {
        hc_runner_ready_push(t, t->heap[0].iter);
        hc_runner_heap_pop(t);
    }
}

static void hc_runner_end_iter(struct hc_runner_thread *t, uint32_t i, bool complete, int64_t now)
{
    struct hc_runner_iter *it = &t->iters[i];
    struct hc_runner_flow *f = &t->flows[it->flow - t->r->plan->flows];
    if (complete) {
        f->iterations++;
        hc_hist_record(f->durations, now - it->start_ns);
    } else {
        f->failed++;
    }
    it->flow = NULL;
    t->free[t->nfree++] = i;
    t->active--;
}

/* ---- the picker ---- */

/* Renders step it->step for libcurl into the iteration's own buffers. 0 or as the writers. */
static int hc_runner_pieces(struct hc_runner_iter *it, const struct hc_plan_request *pr,
                            struct hc_client_pick *p)
{
    hc_buf_reset(&it->url);
    hc_buf_reset(&it->body);
    hc_buf_reset(&it->hstore);
    int rc = hc_plan_request_url(pr, &it->it.ctx, &it->url);
    if (rc != 0)
        return rc;
    size_t offs[HC_PLAN_MAX_HEADERS];
    size_t nh = 0;
    for (size_t i = 0; i < pr->nheaders && nh < HC_PLAN_MAX_HEADERS; i++) {
        offs[nh++] = it->hstore.len;
        if ((rc = hc_buf_append_str(&it->hstore, pr->headers[i].name)) != 0 ||
            (rc = hc_buf_append(&it->hstore, ": ", 2)) != 0 ||
            (rc = hc_tmpl_render(pr->headers[i].value, &it->it.ctx, &it->hstore)) != 0 ||
            (rc = hc_buf_putc(&it->hstore, '\0')) != 0)
            return rc;
    }
    for (size_t i = 0; i < nh; i++)
        it->hdrs[i] = it->hstore.data + offs[i];
    if (pr->body != NULL) {
        if ((rc = hc_tmpl_render(pr->body, &it->it.ctx, &it->body)) != 0)
            return rc;
        p->body = it->body.data != NULL ? it->body.data : "";
        p->body_len = it->body.len;
    }
    p->url = it->url.data;
    p->headers = it->hdrs;
    p->nheaders = nh;
    return 0;
}

/* Writes iteration i's current step into the slot; false when it cannot be (ends it). */
static bool hc_runner_write_step(struct hc_runner_thread *t, uint32_t i, struct hc_client_pick *p,
                                 int64_t now)
{
    struct hc_runner_iter *it = &t->iters[i];
    size_t req = it->flow->steps[it->step];
    const struct hc_plan_request *pr = &t->r->plan->requests[req];
    int rc = 0;
    if (p->out != NULL)
        rc = hc_plan_request_write(pr, &it->it.ctx, &t->scratch, p->out);
    else if (!pr->constant)
        rc = hc_runner_pieces(it, pr, p);
    if (rc != 0) {
        /* An unset variable (an extraction failed, already counted) or a request too big. */
        hc_runner_end_iter(t, i, false, now);
        return false;
    }
    p->req = (uint32_t)req;
    p->user = (uint64_t)i + 1;
    return true;
}

/* Begins a new iteration in slot i. 0, or -ENODATA when a feeder with on_end: stop ran out. */
static int hc_runner_begin(struct hc_runner_thread *t, uint32_t i, int64_t now)
{
    struct hc_runner *r = t->r;
    struct hc_runner_iter *it = &t->iters[i];
    if (!it->inited) {
        hc_plan_iter_init(&it->it, r->plan, &t->pt);
        hc_buf_init(&it->url, HC_CLIENT_MAX_REQUEST_BYTES);
        hc_buf_init(&it->body, HC_CLIENT_MAX_REQUEST_BYTES);
        hc_buf_init(&it->hstore, HC_HTTP_MAX_HEADER_BYTES);
        it->inited = true;
    }
    const struct hc_plan_flow *f = hc_plan_pick(r->plan, &t->pt.rng);
    uint64_t nth = atomic_fetch_add_explicit(&r->seq, 1, memory_order_relaxed);
    uint64_t seq = nth * r->agent_count + r->agent_index + 1;
    int rc = hc_plan_iter_begin(&it->it, f, seq, hc_wall_ns() / HC_NSEC_PER_MSEC);
    if (rc != 0) {
        for (size_t k = 0; k < r->plan->nfeeds; k++)
            if ((f->feeds_used & ((uint64_t)1 << k)) && it->it.rows[k] == NULL) {
                t->data_out = (long)k;
                break;
            }
        return rc;
    }
    it->flow = f;
    it->step = 0;
    it->start_ns = now;
    t->active++;
    return 0;
}

static int hc_runner_pick(void *ctx, struct hc_client_pick *p)
{
    struct hc_runner *r = ctx;
    struct hc_runner_thread *t = &r->threads[p->thread];
    int64_t now = hc_now_ns();
    hc_runner_promote(t, now);
    bool scheduled = r->model == HC_CLIENT_OPEN && !p->resume;
    if (!scheduled) {
        /* A continuation first: an iteration under way holds a virtual user's slot. */
        while (t->rcount > 0) {
            uint32_t i = hc_runner_ready_pop(t);
            if (hc_runner_write_step(t, i, p, now))
                return 0;
        }
        if (p->resume || t->active >= t->max_active) {
            if (t->nheap > 0)
                hc_client_wake(r->client, t->index, t->heap[0].at_ns);
            return HC_CLIENT_PICK_IDLE;
        }
    }
    for (;;) {
        if (t->nfree == 0) {
            t->dropped++;
            return HC_CLIENT_PICK_IDLE;
        }
        uint32_t i = t->free[--t->nfree];
        if (hc_runner_begin(t, i, now) != 0) {
            t->nfree++;
            return -ENODATA;
        }
        if (hc_runner_write_step(t, i, p, now))
            return 0;
    }
}

/* ---- the responses ---- */

/* Prints the first failure of a check, with the start of the response that failed it. */
static void hc_runner_show_failure(struct hc_runner_thread *t, const struct hc_plan_request *pr,
                                   size_t item, const struct hc_client_response *resp)
{
    const char *label = hc_check_label(pr->checks, item);
    const char *reason = t->results[item].reason;
    size_t blen = resp->body != NULL ? HC_MIN(resp->body_len, (size_t)RUNNER_SHOW_BODY) : 0;
    flockfile(stderr);
    fprintf(stderr, "hcload: %s: check \"%s\" failed first here: %s\n", pr->name, label, reason);
    fprintf(stderr, "  HTTP %d\n", resp->status);
    for (size_t i = 0; i < resp->nheaders && i < 8; i++)
        fprintf(stderr, "  %.*s: %.*s\n", (int)resp->headers[i].name_len, resp->headers[i].name,
                (int)resp->headers[i].value_len, resp->headers[i].value);
    if (blen > 0) {
        fprintf(stderr, "  ");
        for (size_t i = 0; i < blen; i++) {
            unsigned char ch = (unsigned char)resp->body[i];
            fputc(ch >= 0x20 && ch < 0x7f ? ch : '.', stderr);
        }
        fprintf(stderr, "%s\n", resp->body_len > blen ? "..." : "");
    }
    funlockfile(stderr);
}

static void hc_runner_checks_eval(struct hc_runner_thread *t, struct hc_runner_iter *it, size_t req,
                                  const struct hc_client_response *resp)
{
    const struct hc_plan_request *pr = &t->r->plan->requests[req];
    size_t items = hc_check_count(pr->checks) + hc_check_extract_count(pr->checks);
    if (items == 0)
        return;
    size_t nh = HC_MIN(resp->nheaders, HC_ARRAY_LEN(t->hdrs));
    for (size_t i = 0; i < nh; i++)
        t->hdrs[i] = (struct hc_check_header){resp->headers[i].name, resp->headers[i].name_len,
                                              resp->headers[i].value, resp->headers[i].value_len};
    struct hc_check_response cr = {
        .status = resp->status,
        .headers = t->hdrs,
        .nheaders = nh,
        .body = resp->body,
        .body_len = resp->body_len,
    };
    size_t failed = hc_plan_iter_check(&it->it, pr, &cr, t->results);
    struct hc_runner_name *n = &t->names[req];
    n->checks_failed += failed;
    n->checks_passed += items - failed;
    n->checked++;
    if (failed == 0)
        return;
    atomic_bool *printed = &t->r->printed[t->r->check_base[req]];
    for (size_t i = 0; i < items; i++) {
        if (!t->results[i].pass)
            n->item_failed[i]++;
        if (t->results[i].pass || atomic_load_explicit(&printed[i], memory_order_relaxed))
            continue;
        if (!atomic_exchange(&printed[i], true))
            hc_runner_show_failure(t, pr, i, resp);
    }
}

static void hc_runner_on_response(void *ctx, const struct hc_client_response *resp)
{
    struct hc_runner *r = ctx;
    struct hc_runner_thread *t = &r->threads[resp->thread];
    struct hc_runner_name *n = &t->names[resp->req];
    hc_client_stats_response(&n->stats, resp->status);
    n->stats.bytes_read += resp->bytes;
    /* Uncontended but for the main thread's once-a-second take (hc_runner_take). */
    pthread_mutex_lock(&t->lock);
    hc_hist_record(t->ival[2 * resp->req], resp->done_ns - resp->due_ns);
    hc_hist_record(t->ival[2 * resp->req + 1], resp->done_ns - resp->sent_ns);
    pthread_mutex_unlock(&t->lock);
    if (resp->user == 0)
        return;
    uint32_t i = (uint32_t)(resp->user - 1);
    struct hc_runner_iter *it = &t->iters[i];
    hc_runner_checks_eval(t, it, resp->req, resp);
    if (++it->step >= it->flow->nsteps) {
        hc_runner_end_iter(t, i, true, resp->done_ns);
        return;
    }
    int64_t think = hc_plan_think_ns(it->flow, &t->pt.rng);
    if (think <= 0) {
        hc_runner_ready_push(t, i);
        /* The closed model's answered connection picks it up after this read; the open
         * model's next step goes off schedule. */
        if (r->model == HC_CLIENT_OPEN)
            hc_client_wake(r->client, t->index, resp->done_ns);
        return;
    }
    int64_t at = resp->done_ns + think;
    hc_runner_heap_push(t, at, i);
    hc_client_wake(r->client, t->index, at);
}

static void hc_runner_on_failure(void *ctx, const struct hc_client_failure *f)
{
    struct hc_runner *r = ctx;
    struct hc_runner_thread *t = &r->threads[f->thread];
    if (f->req == HC_CLIENT_NO_REQUEST)
        return;
    if (f->kind < HC_CLIENT_ERR_KINDS)
        t->names[f->req].stats.errors[f->kind]++;
    if (f->user != 0)
        hc_runner_end_iter(t, (uint32_t)(f->user - 1), false, f->done_ns);
}

void hc_runner_configure(struct hc_runner *r, struct hc_client_config *cc)
{
    cc->pick = hc_runner_pick;
    cc->pick_ctx = r;
    cc->on_response = hc_runner_on_response;
    cc->on_failure = hc_runner_on_failure;
    cc->cb_ctx = r;
}

void hc_runner_attach(struct hc_runner *r, struct hc_client *c)
{
    r->client = c;
}

/* ---- after the run ---- */

void hc_runner_take(struct hc_runner *r, struct hc_hist *const *out)
{
    const struct hc_plan *p = r->plan;
    if (r->names == NULL) {
        r->names = hc_xcalloc(p->nrequests, sizeof(*r->names));
        hc_runner_names_init(r->names, p);
    }
    for (unsigned i = 0; i < r->nthreads; i++) {
        struct hc_runner_thread *t = &r->threads[i];
        pthread_mutex_lock(&t->lock);
        for (size_t k = 0; k < p->nrequests; k++) {
            hc_hist_add(r->names[k].stats.lat, t->ival[2 * k]);
            hc_hist_add(r->names[k].stats.raw, t->ival[2 * k + 1]);
            if (out != NULL) {
                hc_hist_add(out[2 * k], t->ival[2 * k]);
                hc_hist_add(out[2 * k + 1], t->ival[2 * k + 1]);
            }
            hc_hist_reset(t->ival[2 * k]);
            hc_hist_reset(t->ival[2 * k + 1]);
        }
        pthread_mutex_unlock(&t->lock);
    }
}

int hc_runner_new_hist(struct hc_hist **out)
{
    return hc_runner_name_hist(out);
}

void hc_runner_finish(struct hc_runner *r)
{
    const struct hc_plan *p = r->plan;
    hc_runner_take(r, NULL);
    r->flows = hc_xcalloc(p->nflows, sizeof(*r->flows));
    hc_runner_flows_init(r->flows, p);
    for (unsigned i = 0; i < r->nthreads; i++) {
        struct hc_runner_thread *t = &r->threads[i];
        for (size_t k = 0; k < p->nrequests; k++) {
            hc_client_stats_add(&r->names[k].stats, &t->names[k].stats);
            r->names[k].checks_passed += t->names[k].checks_passed;
            r->names[k].checks_failed += t->names[k].checks_failed;
            r->names[k].checked += t->names[k].checked;
            size_t items = hc_check_count(p->requests[k].checks) +
                           hc_check_extract_count(p->requests[k].checks);
            for (size_t j = 0; j < items; j++)
                r->names[k].item_failed[j] += t->names[k].item_failed[j];
        }
        for (size_t k = 0; k < p->nflows; k++) {
            r->flows[k].iterations += t->flows[k].iterations;
            r->flows[k].failed += t->flows[k].failed;
            hc_hist_add(r->flows[k].durations, t->flows[k].durations);
        }
        r->dropped += t->dropped;
        if (t->data_out >= 0)
            r->data_out = t->data_out;
    }
}

size_t hc_runner_names(const struct hc_runner *r, const struct hc_runner_name **out)
{
    *out = r->names;
    return r->plan->nrequests;
}

size_t hc_runner_flows(const struct hc_runner *r, const struct hc_runner_flow **out)
{
    *out = r->flows;
    return r->plan->nflows;
}

void hc_runner_checks(const struct hc_runner *r, uint64_t *passed, uint64_t *failed)
{
    *passed = 0;
    *failed = 0;
    for (size_t k = 0; r->names != NULL && k < r->plan->nrequests; k++) {
        *passed += r->names[k].checks_passed;
        *failed += r->names[k].checks_failed;
    }
}

const char *hc_runner_data_out(const struct hc_runner *r)
{
    return r->data_out >= 0 ? r->plan->feeds[r->data_out].name : NULL;
}

long hc_runner_flow_of(const struct hc_runner *r, unsigned thread, uint64_t user)
{
    const struct hc_runner_thread *t = &r->threads[thread];
    if (user == 0 || user > t->niters || t->iters[user - 1].flow == NULL)
        return -1;
    return (long)(t->iters[user - 1].flow - r->plan->flows);
}

void hc_runner_thread_checks(const struct hc_runner *r, unsigned thread, size_t req,
                             uint64_t *passed, uint64_t *failed)
{
    const struct hc_runner_name *n = &r->threads[thread].names[req];
    *passed = n->checks_passed;
    *failed = n->checks_failed;
}

uint64_t hc_runner_dropped(const struct hc_runner *r)
{
    return r->dropped;
}
