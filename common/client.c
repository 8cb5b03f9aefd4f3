/*
 * client.c: the client as its caller sees it: one run from set-up to totals. It owns what the
 * worker threads share (the schedule, the -n ticket counter, the done counter and the start
 * gate, the rate set while running) and the workers themselves; the threads run
 * client_worker.c's loop, and the main thread only ever touches a worker through its hand-off
 * (hc_client_take, under the hand-off's mutex) until it has joined them, so a ThreadSanitizer
 * build stays quiet.
 *
 * A rate changed while running. hc_client_set_rate keeps the new rate and when it was asked
 * under a lock and bumps a generation counter; each worker's pacer compares the counter with
 * the one it follows whenever it looks for due requests (one relaxed load) and re-bases its
 * arrivals on the new rate from the moment it was asked. A post to each loop wakes the worker
 * at once, so a thread asleep until a far arrival of the old rate (or paused at rate 0) takes
 * the new one at its next arrival, not at its old one.
 */
#include "hc/client.h"

#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "client_engine.h"
#include "hc/limits.h"

int hc_client_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

void hc_client_global_cleanup(void)
{
    curl_global_cleanup();
}

static bool client_config_ok(const struct hc_client_config *cfg)
{
    return cfg->threads >= 1 && cfg->threads <= HC_CLIENT_MAX_THREADS &&
           cfg->connections >= cfg->threads && cfg->connections <= HC_CLIENT_MAX_CONNECTIONS &&
           cfg->pipeline >= 1 && cfg->pipeline <= HC_CLIENT_MAX_PIPELINE && cfg->timeout_ns > 0 &&
           cfg->duration_ns > 0 && cfg->reqs != NULL && cfg->reqs->n > 0 &&
           cfg->nstages <= HC_CLIENT_MAX_STAGES &&
           (cfg->pick != NULL || cfg->reqs->copies >= cfg->pipeline || cfg->curl);
}

/* The schedule the run follows: the open model's rate, or the closed model's connections. */
static void client_schedule(struct hc_client *c)
{
    const struct hc_client_config *cfg = &c->cfg;
    struct hc_client_run *run = &c->run;
    if (cfg->model == HC_CLIENT_OPEN) {
        if (cfg->nstages == 0 && cfg->duration_ns != INT64_MAX) {
            /* A constant rate for the duration: one flat stage, so the pacer stops there. */
            struct hc_client_stage flat = {.dur_ns = cfg->duration_ns, .target = cfg->rate};
            hc_client_schedule_init(&run->sched, cfg->rate, &flat, 1, false);
        } else {
            hc_client_schedule_init(&run->sched, cfg->rate, cfg->stages, cfg->nstages,
                                    cfg->nstages == 0 || cfg->duration_ns == INT64_MAX);
        }
    } else if (cfg->nstages > 0) {
        hc_client_schedule_init(&run->sched, 0, cfg->stages, cfg->nstages, false);
        run->conn_stages = true;
    }
}

int hc_client_new(const struct hc_client_config *cfg, struct hc_client **out)
{
    struct hc_client *c = hc_xcalloc(1, sizeof(*c));
    *out = c;
    if (!client_config_ok(cfg))
        return -EINVAL;
    c->cfg = *cfg;
    c->run.cfg = &c->cfg;
    atomic_init(&c->run.tickets, 0);
    atomic_init(&c->run.rate_gen, 0);
    client_schedule(c);
    hc_client_run_sync_init(&c->run);
    pthread_mutex_init(&c->run.rate_lock, NULL);
    c->sync_ready = true;
    c->workers = hc_xcalloc(cfg->threads, sizeof(*c->workers));
    for (unsigned i = 0; i < cfg->threads; i++) {
        size_t share = cfg->connections / cfg->threads + (i < cfg->connections % cfg->threads);
        int rc = hc_client_worker_init(&c->workers[i], &c->run, i, share);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int hc_client_start(struct hc_client *c)
{
    c->run.start_ns = hc_now_ns();
    for (unsigned i = 0; i < c->cfg.threads; i++) {
        struct hc_client_worker *w = &c->workers[i];
        int rc = pthread_create(&w->thread, NULL, hc_client_worker_main, w);
        if (rc != 0) {
            hc_client_run_open_gate(&c->run);
            for (unsigned j = 0; j < c->started; j++)
                hc_client_worker_stop(&c->workers[j]);
            return -rc;
        }
        w->started = true;
        c->started++;
    }
    return 0;
}

int64_t hc_client_start_ns(const struct hc_client *c)
{
    return c->run.start_ns;
}

unsigned hc_client_threads(const struct hc_client *c)
{
    return c->cfg.threads;
}

bool hc_client_wait(struct hc_client *c, int64_t deadline_ns)
{
    return hc_client_run_wait_done(&c->run, c->started, deadline_ns);
}

uint64_t hc_client_sent(struct hc_client *c, unsigned thread)
{
    return hc_client_worker_sent(&c->workers[thread]);
}

bool hc_client_take(struct hc_client *c, unsigned thread, struct hc_hist *lat, struct hc_hist *raw,
                    uint64_t *responses, uint64_t *errors)
{
    return hc_client_worker_take(&c->workers[thread], lat, raw, responses, errors);
}

/* Posted to each worker's loop by hc_client_set_rate: look at the schedule again now. */
static void client_on_rate(void *arg)
{
    hc_client_worker_dispatch(arg);
}

int hc_client_set_rate(struct hc_client *c, double rate)
{
    if (!isfinite(rate) || rate < 0)
        return -EINVAL;
    if (c->cfg.model != HC_CLIENT_OPEN)
        return -ENOTSUP;
    pthread_mutex_lock(&c->run.rate_lock);
    c->run.rate = rate;
    c->run.rate_at_ns = hc_now_ns();
    atomic_fetch_add_explicit(&c->run.rate_gen, 1, memory_order_release);
    pthread_mutex_unlock(&c->run.rate_lock);
    /* A full post queue only delays the change to the worker's next sweep (within 100 ms). */
    for (unsigned i = 0; i < c->cfg.threads; i++)
        (void)hc_loop_post(c->workers[i].loop, client_on_rate, &c->workers[i]);
    return 0;
}

void hc_client_stop(struct hc_client *c)
{
    /* Every loop exists from hc_client_new on, so this holds during hc_client_start too. */
    for (unsigned i = 0; i < c->cfg.threads; i++)
        hc_client_worker_stop(&c->workers[i]);
}

void hc_client_wake(struct hc_client *c, unsigned thread, int64_t at_ns)
{
    hc_client_worker_wake(&c->workers[thread], at_ns);
}

void hc_client_join(struct hc_client *c)
{
    for (unsigned i = 0; i < c->started; i++) {
        if (c->workers[i].started) {
            pthread_join(c->workers[i].thread, NULL);
            c->workers[i].started = false;
        }
    }
}

const struct hc_client_stats *hc_client_thread_stats(const struct hc_client *c, unsigned thread)
{
    return &c->workers[thread].stats;
}

void hc_client_total(const struct hc_client *c, struct hc_client_stats *total)
{
    for (unsigned i = 0; i < c->cfg.threads; i++)
        hc_client_stats_add(total, &c->workers[i].stats);
}

int64_t hc_client_end_ns(const struct hc_client *c)
{
    int64_t end = c->run.start_ns;
    for (unsigned i = 0; i < c->cfg.threads; i++)
        end = HC_MAX(end, c->workers[i].end_ns);
    return end;
}

const char *hc_client_first_failure(const struct hc_client *c)
{
    for (unsigned i = 0; i < c->cfg.threads; i++) {
        if (c->workers[i].first_error[0] != '\0')
            return c->workers[i].first_error;
    }
    return NULL;
}

int hc_client_thread_error(const struct hc_client *c, unsigned thread)
{
    return c->workers[thread].error;
}

double hc_client_planned(const struct hc_client *c, int64_t t_ns)
{
    if (c->cfg.model != HC_CLIENT_OPEN)
        return 0;
    return hc_client_schedule_count_until(&c->run.sched, t_ns);
}

void hc_client_free(struct hc_client *c)
{
    if (c == NULL)
        return;
    if (c->workers != NULL) {
        for (unsigned i = 0; i < c->cfg.threads; i++)
            hc_client_worker_destroy(&c->workers[i]);
    }
    free(c->workers);
    if (c->sync_ready) {
        hc_client_run_sync_destroy(&c->run);
        pthread_mutex_destroy(&c->run.rate_lock);
    }
    hc_client_schedule_destroy(&c->run.sched);
    free(c);
}
