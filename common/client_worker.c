/*
 * client_worker.c: one thread of the native engine: its loop, timers, pacing and hand-off.
 *
 * Timers, all in the worker's loop. The pace timer wakes the thread at the next due request
 * of the open model (no timer per request, one re-armed timer). The sweep timer (a tenth of a
 * second, or a quarter of --timeout if shorter) finds timed-out requests and connects, retries
 * failed connects and follows the closed model's connection stages: a sweep over all
 * connections is far cheaper than re-arming a timer on every request. The tick timer hands the
 * second's results to the main thread. The end timer marks the deadline, after which no new
 * request is sent and those in flight get --timeout to finish; it then marks the hard stop.
 *
 * Private descriptor tables (native engine). Every send() and recv() looks its descriptor up;
 * while the process's threads share one table, each lookup takes and drops a reference on the
 * file with two atomic operations, and a thread that owns its table skips both. Measured with
 * bench/hcload_vs_wrk.sh's setup, a worker with its own table (unshare(CLONE_FILES) at thread
 * start) does about 4% more requests per CPU-second. The table a worker gets is a copy of the
 * shared one, so it holds every descriptor that existed then; a socket must therefore never
 * exist in a table copied by another worker, or closing it there would not close it. Hence the
 * start gate: each worker makes its table private and waits until all have, before any of
 * them makes a socket. The loops' own descriptors were all made before the threads started,
 * so they are in every copy at the same numbers, and hc_loop_stop works from any thread.
 *
 * Sending after reading (closed model). A connection whose responses came in does not send
 * its next request at once: it joins the fill list, and a zero-delay timer, which the loop
 * runs right after the batch of I/O events it fetched, sends for all of them. The server then
 * gets the batch's requests back to back, right before this thread goes back to epoll_wait,
 * instead of one between every two reads; measured with bench/hcload_vs_wrk.sh's setup that
 * is about 4% more requests per CPU-second and per second. Each request's send time is still
 * read when it is sent.
 *
 * Waiting requests (open model). When a request falls due and no connection can take it, it
 * is not dropped and not stored: the pacer simply does not advance, so the schedule itself is
 * the queue, bounded by nothing but time, and each waiting request keeps its intended send
 * time, which its corrected latency counts from. A connection that frees up takes the oldest.
 *
 * The seam. Both engines hand every outcome to hc_client_worker_response / _failure, which
 * record it in this thread's statistics (counts, status, the interval histograms, the first
 * failure) and then call the caller's on_response / on_failure, if any. In the one-request
 * quick mode that is one direct call per response where the engine used to write the counters
 * itself, and nothing is allocated: the report lives on the stack and points into the
 * parser's storage. The rate set while running (hc_client_set_rate) is taken up where due
 * requests are looked for (worker_follow_rate): one relaxed atomic load per dispatch.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hc/limits.h"
#include "client_engine.h"

unsigned hc_client_run_claim(struct hc_client_run *r, unsigned want)
{
    uint64_t limit = r->cfg->requests;
    if (limit == 0)
        return want;
    uint64_t cur = atomic_load_explicit(&r->tickets, memory_order_relaxed);
    for (;;) {
        if (cur >= limit)
            return 0;
        uint64_t got = HC_MIN((uint64_t)want, limit - cur);
        if (atomic_compare_exchange_weak_explicit(&r->tickets, &cur, cur + got,
                                                  memory_order_relaxed, memory_order_relaxed))
            return (unsigned)got;
    }
}

void hc_client_run_unclaim(struct hc_client_run *r, unsigned n)
{
    if (r->cfg->requests != 0 && n > 0)
        atomic_fetch_sub_explicit(&r->tickets, n, memory_order_relaxed);
}

void hc_client_run_sync_init(struct hc_client_run *r)
{
    pthread_mutex_init(&r->done_lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&r->done_cond, &attr);
    pthread_condattr_destroy(&attr);
    r->done = 0;
    r->gated = 0;
    r->gate_open = false;
}

void hc_client_run_sync_destroy(struct hc_client_run *r)
{
    pthread_cond_destroy(&r->done_cond);
    pthread_mutex_destroy(&r->done_lock);
}

bool hc_client_run_wait_done(struct hc_client_run *r, unsigned n, int64_t deadline_ns)
{
    struct timespec ts = {.tv_sec = deadline_ns / HC_NSEC_PER_SEC,
                          .tv_nsec = deadline_ns % HC_NSEC_PER_SEC};
    pthread_mutex_lock(&r->done_lock);
    while (r->done < n) {
        if (pthread_cond_timedwait(&r->done_cond, &r->done_lock, &ts) == ETIMEDOUT)
            break;
    }
    bool all = r->done >= n;
    pthread_mutex_unlock(&r->done_lock);
    return all;
}

void hc_client_run_open_gate(struct hc_client_run *r)
{
    pthread_mutex_lock(&r->done_lock);
    r->gate_open = true;
    pthread_cond_broadcast(&r->done_cond);
    pthread_mutex_unlock(&r->done_lock);
}

/*
 * ThreadSanitizer models descriptors as one table per process: with private tables the same
 * number in two workers is two sockets, which it reports as a race. Its builds keep the shared
 * table (and the gate, which is harmless).
 */
#if defined(__SANITIZE_THREAD__)
#define WORKER_PRIVATE_FDS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WORKER_PRIVATE_FDS 0
#endif
#endif
#ifndef WORKER_PRIVATE_FDS
#define WORKER_PRIVATE_FDS 1
#endif

/* The start gate (see the top of this file). A failed unshare only costs the saving. */
static void worker_private_fds(struct hc_client_worker *w)
{
    struct hc_client_run *r = w->run;
    if (WORKER_PRIVATE_FDS)
        (void)unshare(CLONE_FILES);
    pthread_mutex_lock(&r->done_lock);
    r->gated++;
    if (r->gated == w->cfg->threads)
        r->gate_open = true;
    pthread_cond_broadcast(&r->done_cond);
    while (!r->gate_open)
        pthread_cond_wait(&r->done_cond, &r->done_lock);
    pthread_mutex_unlock(&r->done_lock);
}

static void run_mark_done(struct hc_client_run *r)
{
    pthread_mutex_lock(&r->done_lock);
    r->done++;
    pthread_cond_broadcast(&r->done_cond);
    pthread_mutex_unlock(&r->done_lock);
}

/* ---- the engine seam: statistics first, then the caller ---- */

void hc_client_worker_response(struct hc_client_worker *w, const struct hc_client_response *r)
{
    hc_client_stats_response(&w->stats, r->status);
    w->ival_responses++;
    hc_hist_record(w->ival_lat, r->done_ns - r->due_ns);
    hc_hist_record(w->ival_raw, r->done_ns - r->sent_ns);
    if (w->cfg->on_response != NULL)
        w->cfg->on_response(w->cfg->cb_ctx, r);
}

void hc_client_worker_failure(struct hc_client_worker *w, const struct hc_client_failure *f)
{
    if (f->kind < HC_CLIENT_ERR_KINDS) {
        w->stats.errors[f->kind]++;
        w->ival_errors++;
    }
    if (f->detail != NULL && w->first_error[0] == '\0')
        snprintf(w->first_error, sizeof(w->first_error), "%s: %s", hc_client_err_names[f->kind],
                 f->detail);
    if (w->cfg->on_failure != NULL)
        w->cfg->on_failure(w->cfg->cb_ctx, f);
}

/* ---- the ready stack (open model) ---- */

void hc_client_worker_ready_update(struct hc_client_worker *w, struct hc_client_conn *c)
{
    bool want = w->cfg->model == HC_CLIENT_OPEN && c->state == HC_CLIENT_CONN_OPEN && !w->ending &&
                c->wanted && c->count < w->cfg->pipeline && c->wpos == c->wend;
    if (want && c->ready_pos < 0) {
        c->ready_pos = (long)w->nready;
        w->ready[w->nready++] = c;
    } else if (!want && c->ready_pos >= 0) {
        struct hc_client_conn *last = w->ready[--w->nready];
        w->ready[c->ready_pos] = last;
        last->ready_pos = c->ready_pos;
        c->ready_pos = -1;
    }
}

static void worker_on_pace(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(loop);
    HC_UNUSED(t);
    hc_client_worker_dispatch(data);
}

/* Takes up a rate set by hc_client_set_rate since the pacer last looked (see client.c). */
static void worker_follow_rate(struct hc_client_worker *w)
{
    struct hc_client_run *r = w->run;
    if (HC_LIKELY(atomic_load_explicit(&r->rate_gen, memory_order_acquire) == w->rate_gen))
        return;
    pthread_mutex_lock(&r->rate_lock);
    w->rate_gen = atomic_load_explicit(&r->rate_gen, memory_order_relaxed);
    double rate = r->rate;
    int64_t at = r->rate_at_ns;
    pthread_mutex_unlock(&r->rate_lock);
    hc_client_pacer_set_rate(&w->pacer, rate, at);
}

void hc_client_worker_dispatch(struct hc_client_worker *w)
{
    if (w->ending)
        return;
    worker_follow_rate(w);
    int64_t now = hc_now_ns();
    while (w->pacer.next_ns <= now) {
        size_t idle = w->multi != NULL ? hc_client_multi_idle(w->multi) : w->nready;
        if (idle == 0) {
            w->starved = true;
            return;
        }
        if (hc_client_run_claim(w->run, 1) == 0) {
            w->ending = true;
            hc_client_worker_check_done(w);
            return;
        }
        /*
         * A request that fell due before the first connection was open waited for the
         * connect, not for a free connection: it is not "queued" (else a low rate, where the
         * connect is longer than the gap between requests, always looks short of connections).
         */
        if (w->starved && w->pacer.next_ns >= w->first_open_ns)
            w->stats.queued++;
        int64_t due = w->pacer.next_ns;
        hc_client_pacer_next(&w->pacer);
        if (w->multi != NULL)
            hc_client_multi_send(w->multi, due, now);
        else
            hc_client_conn_send(w->ready[w->nready - 1], due, now);
        if (w->ending)
            return;
    }
    w->starved = false;
    if (w->pacer.next_ns != INT64_MAX &&
        (!hc_loop_timer_active(&w->pace_timer) || w->pace_timer.deadline != w->pacer.next_ns))
        hc_loop_timer_start_at(w->loop, &w->pace_timer, w->pacer.next_ns, worker_on_pace, w);
}

/* ---- the fill list (closed model) ---- */

static void worker_on_fill(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(loop);
    HC_UNUSED(t);
    struct hc_client_worker *w = data;
    /* hc_client_conn_fill skips a connection closed since it joined, and may end the run (-n). */
    for (size_t i = 0; i < w->nfills; i++) {
        struct hc_client_conn *c = w->fills[i];
        c->fill_pending = false;
        hc_client_conn_fill(c);
    }
    w->nfills = 0;
}

void hc_client_worker_defer_fill(struct hc_client_worker *w, struct hc_client_conn *c)
{
    if (c->fill_pending)
        return;
    c->fill_pending = true;
    w->fills[w->nfills++] = c;
    /* Due at the loop's time of this batch: the loop runs it after the batch's I/O. */
    if (!hc_loop_timer_active(&w->fill_timer))
        hc_loop_timer_start(w->loop, &w->fill_timer, 0, worker_on_fill, w);
}

/* ---- hc_client_wake: slots offered again to the picker ---- */

/*
 * Open model: every free connection (or idle transfer) is offered off schedule, with
 * p->resume set, until the picker has nothing more (HC_CLIENT_PICK_IDLE leaves the slot
 * free, so the count of free ones stops going down). The sends claim -n tickets as
 * scheduled ones do. Closed model: idle connections are filled as after a response.
 */
static void worker_on_wake(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(loop);
    HC_UNUSED(t);
    struct hc_client_worker *w = data;
    if (w->ending)
        return;
    if (w->cfg->model == HC_CLIENT_CLOSED) {
        if (w->multi != NULL)
            hc_client_multi_start(w->multi);
        for (size_t i = 0; i < w->nconns && !w->ending; i++)
            hc_client_conn_fill(&w->conns[i]);
        return;
    }
    int64_t now = hc_now_ns();
    w->resuming = true;
    for (;;) {
        size_t idle = w->multi != NULL ? hc_client_multi_idle(w->multi) : w->nready;
        if (idle == 0 || w->ending)
            break;
        if (hc_client_run_claim(w->run, 1) == 0) {
            w->ending = true;
            break;
        }
        uint64_t sent = w->stats.sent;
        if (w->multi != NULL)
            hc_client_multi_send(w->multi, now, now);
        else
            hc_client_conn_send(w->ready[w->nready - 1], now, now);
        if (w->stats.sent == sent) {
            hc_client_run_unclaim(w->run, 1);
            break;
        }
    }
    w->resuming = false;
    hc_client_worker_check_done(w);
}

void hc_client_worker_wake(struct hc_client_worker *w, int64_t at_ns)
{
    if (w->ending)
        return;
    if (hc_loop_timer_active(&w->wake_timer) && w->wake_timer.deadline <= at_ns)
        return;
    hc_loop_timer_start_at(w->loop, &w->wake_timer, at_ns, worker_on_wake, w);
}

/* ---- ending ---- */

/* Moves this second's latencies into the totals and the main thread's slot. */
static void worker_flush_interval(struct hc_client_worker *w, bool done)
{
    hc_hist_add(w->stats.lat, w->ival_lat);
    hc_hist_add(w->stats.raw, w->ival_raw);
    pthread_mutex_lock(&w->slot.lock);
    hc_hist_add(w->slot.lat, w->ival_lat);
    hc_hist_add(w->slot.raw, w->ival_raw);
    w->slot.responses += w->ival_responses;
    w->slot.errors += w->ival_errors;
    w->slot.sent = w->stats.sent;
    if (done)
        w->slot.done = true;
    pthread_mutex_unlock(&w->slot.lock);
    hc_hist_reset(w->ival_lat);
    hc_hist_reset(w->ival_raw);
    w->ival_responses = 0;
    w->ival_errors = 0;
}

static void worker_finish(struct hc_client_worker *w)
{
    if (w->finished)
        return;
    w->finished = true;
    w->ending = true;
    for (size_t i = 0; i < w->nconns; i++)
        hc_client_conn_close(&w->conns[i]);
    if (w->multi != NULL)
        hc_client_multi_stop_all(w->multi, false);
    hc_loop_timer_stop(w->loop, &w->pace_timer);
    hc_loop_timer_stop(w->loop, &w->sweep_timer);
    hc_loop_timer_stop(w->loop, &w->tick_timer);
    hc_loop_timer_stop(w->loop, &w->end_timer);
    hc_loop_timer_stop(w->loop, &w->fill_timer);
    hc_loop_timer_stop(w->loop, &w->wake_timer);
    for (size_t i = 0; i < w->nfills; i++)
        w->fills[i]->fill_pending = false;
    w->nfills = 0;
    w->end_ns = hc_now_ns();
    hc_loop_stop(w->loop);
}

void hc_client_worker_check_done(struct hc_client_worker *w)
{
    if (w->ending && w->inflight == 0)
        worker_finish(w);
}

/* Counts the requests that fell due before the deadline but never found a connection. */
static void worker_count_unsent(struct hc_client_worker *w)
{
    if (w->cfg->model != HC_CLIENT_OPEN)
        return;
    int64_t until = HC_MIN(w->deadline_ns, hc_now_ns());
    while (w->pacer.next_ns < until) {
        if (hc_client_run_claim(w->run, 1) == 0)
            break;
        w->stats.unsent++;
        hc_client_pacer_next(&w->pacer);
    }
}

static void worker_on_end(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(t);
    struct hc_client_worker *w = data;
    if (w->hard_ending) {
        /* Whatever is still in flight has had --timeout since the deadline. */
        for (size_t i = 0; i < w->nconns; i++) {
            struct hc_client_conn *c = &w->conns[i];
            hc_client_conn_fail_inflight(c, HC_CLIENT_ERR_TIMEOUT, NULL);
            hc_client_conn_close(c);
        }
        if (w->multi != NULL)
            hc_client_multi_stop_all(w->multi, true);
        worker_finish(w);
        return;
    }
    worker_count_unsent(w);
    w->ending = true;
    hc_loop_timer_stop(loop, &w->pace_timer);
    for (size_t i = 0; i < w->nconns; i++) {
        struct hc_client_conn *c = &w->conns[i];
        hc_client_worker_ready_update(w, c);
        if (c->count == 0)
            hc_client_conn_close(c);
    }
    /* Nothing is sent after the deadline, so --timeout later everything still in flight has
     * had its full timeout: the run ends by duration + timeout, whatever the server does. */
    w->hard_ending = true;
    hc_loop_timer_start_at(loop, &w->end_timer, w->deadline_ns + w->cfg->timeout_ns, worker_on_end,
                           w);
    hc_client_worker_check_done(w);
}

/* ---- the sweep ---- */

/* Closed model with stages: how many of this worker's connections the plan wants now. */
static size_t worker_stage_share(struct hc_client_worker *w, int64_t now)
{
    double total = hc_client_schedule_value_at(&w->run->sched, now - w->run->start_ns);
    uint64_t n = (uint64_t)(total + 0.5);
    unsigned t = w->cfg->threads;
    /* Global connection k belongs to worker k mod t, as in the split at start. */
    uint64_t share = n / t + (w->index < n % t ? 1 : 0);
    return (size_t)HC_MIN(share, (uint64_t)w->nconns);
}

static void worker_on_sweep(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(t);
    struct hc_client_worker *w = data;
    int64_t now = hc_loop_update_now(loop);
    size_t wanted = w->nconns;
    if (w->run->conn_stages)
        wanted = worker_stage_share(w, now);
    int64_t timeout = w->cfg->timeout_ns;
    for (size_t i = 0; i < w->nconns && !w->finished; i++) {
        struct hc_client_conn *c = &w->conns[i];
        c->wanted = i < wanted;
        switch (c->state) {
        case HC_CLIENT_CONN_CONNECTING:
            if (now - c->since >= timeout)
                hc_client_conn_fail(c, HC_CLIENT_ERR_CONNECT);
            break;
        case HC_CLIENT_CONN_OPEN:
            if (c->count > 0 && now - c->slots[c->head].sent >= timeout)
                hc_client_conn_fail(c, HC_CLIENT_ERR_TIMEOUT);
            else if (!c->wanted && c->count == 0)
                hc_client_conn_close(c);
            else if (w->cfg->model == HC_CLIENT_CLOSED && c->count == 0)
                hc_client_conn_fill(c);
            break;
        case HC_CLIENT_CONN_CLOSED:
            if (c->wanted && !w->ending && now >= c->retry_at)
                hc_client_conn_connect(c);
            break;
        }
    }
    if (w->finished)
        return;
    if (w->cfg->model == HC_CLIENT_OPEN)
        hc_client_worker_dispatch(w);
    hc_loop_timer_start(loop, &w->sweep_timer, w->sweep_ns, worker_on_sweep, w);
}

static void worker_on_tick(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(t);
    struct hc_client_worker *w = data;
    worker_flush_interval(w, false);
    w->next_tick_ns += HC_NSEC_PER_SEC;
    hc_loop_timer_start_at(loop, &w->tick_timer, w->next_tick_ns, worker_on_tick, w);
}

/* ---- the thread ---- */

int hc_client_worker_init(struct hc_client_worker *w, struct hc_client_run *run, unsigned index,
                          size_t nconns)
{
    memset(w, 0, sizeof(*w));
    w->index = index;
    w->run = run;
    w->cfg = run->cfg;
    pthread_mutex_init(&w->slot.lock, NULL);
    int rc = hc_client_stats_init(&w->stats);
    if (rc == 0)
        rc = hc_client_stats_new_hist(&w->ival_lat);
    if (rc == 0)
        rc = hc_client_stats_new_hist(&w->ival_raw);
    if (rc == 0)
        rc = hc_client_stats_new_hist(&w->slot.lat);
    if (rc == 0)
        rc = hc_client_stats_new_hist(&w->slot.raw);
    if (rc != 0)
        return rc;
    rc = hc_loop_new(&w->loop);
    if (rc != 0)
        return rc;
    w->rbuf = hc_xmalloc(HC_CLIENT_READ_BYTES);
    if (w->cfg->curl) {
        rc = hc_client_multi_new(w, nconns, &w->multi);
        if (rc != 0)
            return rc;
        nconns = 0;
    }
    w->nconns = nconns;
    w->conns = hc_xcalloc(nconns, sizeof(*w->conns));
    w->ready = hc_xcalloc(nconns, sizeof(*w->ready));
    w->fills = hc_xcalloc(nconns, sizeof(*w->fills));
    for (size_t i = 0; i < nconns; i++)
        hc_client_conn_init(&w->conns[i], w, (unsigned)i);
    w->first_open_ns = INT64_MAX;
    w->sweep_ns = HC_MIN(w->cfg->timeout_ns / 4, 100 * HC_NSEC_PER_MSEC);
    if (w->sweep_ns < HC_NSEC_PER_MSEC)
        w->sweep_ns = HC_NSEC_PER_MSEC;
    return 0;
}

void hc_client_worker_destroy(struct hc_client_worker *w)
{
    if (w == NULL)
        return;
    if (w->conns != NULL) {
        for (size_t i = 0; i < w->nconns; i++)
            hc_client_conn_destroy(&w->conns[i]);
    }
    free(w->conns);
    free(w->ready);
    free(w->fills);
    free(w->rbuf);
    /* libcurl closes its connections through the loop, so the loop goes last. */
    hc_client_multi_free(w->multi);
    hc_loop_free(w->loop);
    hc_client_stats_destroy(&w->stats);
    hc_hist_free(w->ival_lat);
    hc_hist_free(w->ival_raw);
    hc_hist_free(w->slot.lat);
    hc_hist_free(w->slot.raw);
    if (w->run != NULL)
        pthread_mutex_destroy(&w->slot.lock);
    memset(w, 0, sizeof(*w));
}

void *hc_client_worker_main(void *arg)
{
    struct hc_client_worker *w = arg;
    struct hc_client_run *run = w->run;
    if (w->multi == NULL)
        worker_private_fds(w);
    int64_t start = run->start_ns;
    hc_loop_update_now(w->loop);
    w->deadline_ns = w->cfg->duration_ns == INT64_MAX ? INT64_MAX : start + w->cfg->duration_ns;
    if (w->cfg->model == HC_CLIENT_OPEN)
        hc_client_pacer_init(&w->pacer, &run->sched, w->index, w->cfg->threads, w->cfg->poisson,
                             (uint64_t)hc_wall_ns(), start);
    size_t wanted = run->conn_stages ? worker_stage_share(w, start) : w->nconns;
    for (size_t i = 0; i < w->nconns; i++) {
        w->conns[i].wanted = i < wanted;
        if (i < wanted && !w->ending)
            hc_client_conn_connect(&w->conns[i]);
    }
    if (!w->finished) {
        hc_loop_timer_start(w->loop, &w->sweep_timer, w->sweep_ns, worker_on_sweep, w);
        w->next_tick_ns = start + HC_NSEC_PER_SEC;
        hc_loop_timer_start_at(w->loop, &w->tick_timer, w->next_tick_ns, worker_on_tick, w);
        if (w->deadline_ns != INT64_MAX)
            hc_loop_timer_start_at(w->loop, &w->end_timer, w->deadline_ns, worker_on_end, w);
        if (w->cfg->model == HC_CLIENT_OPEN)
            hc_client_worker_dispatch(w);
        else if (w->multi != NULL)
            hc_client_multi_start(w->multi);
        int rc = w->finished ? 0 : hc_loop_run(w->loop);
        if (rc < 0)
            w->error = rc;
    }
    /* Stopped from outside (a signal): what is in flight is forgotten, not failed. */
    worker_finish(w);
    worker_flush_interval(w, true);
    run_mark_done(run);
    return NULL;
}

void hc_client_worker_stop(struct hc_client_worker *w)
{
    hc_loop_stop(w->loop);
}

uint64_t hc_client_worker_sent(struct hc_client_worker *w)
{
    pthread_mutex_lock(&w->slot.lock);
    uint64_t sent = w->slot.sent;
    pthread_mutex_unlock(&w->slot.lock);
    return sent;
}

bool hc_client_worker_take(struct hc_client_worker *w, struct hc_hist *lat, struct hc_hist *raw,
                           uint64_t *responses, uint64_t *errors)
{
    pthread_mutex_lock(&w->slot.lock);
    hc_hist_add(lat, w->slot.lat);
    hc_hist_add(raw, w->slot.raw);
    hc_hist_reset(w->slot.lat);
    hc_hist_reset(w->slot.raw);
    *responses += w->slot.responses;
    *errors += w->slot.errors;
    w->slot.responses = 0;
    w->slot.errors = 0;
    bool done = w->slot.done;
    pthread_mutex_unlock(&w->slot.lock);
    return done;
}
