/*
 * live.c: hcwarm's live metrics page (see live.h).
 *
 * Why one process-wide page rather than one per subcommand: `hcwarm run` runs its steps one
 * after another in one process, and a scraper must see one page whose counters only grow, so
 * the counters of a step that ended are folded into a base that the next step adds to.
 */
#include "live.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#include "hc/core.h"
#include "hc/metrics.h"

struct live_fig {
    uint64_t keys_done, keys_failed; /* this step's, preload */
    uint64_t keys_total;             /* 0: unknown */
    uint64_t requests, failures;     /* this step's, traffic */
    double rate, target_rate;
    unsigned step, steps;
    struct signals s;
    bool have_signals;
    bool warm;
    struct goals g;
};

static struct {
    struct hc_metrics_server *server;
    pthread_mutex_t lock; /* guards the figures (main thread writes, listener reads) */
    int64_t start_ns;
    uint64_t base_keys_done, base_keys_failed, base_requests, base_failures;
    struct live_fig now;
} live = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void live_metric(struct hc_buf *out, const char *name, const char *type, const char *help,
                        double v)
{
    hc_buf_appendf(out, "# HELP %s %s\n# TYPE %s %s\n%s ", name, help, name, type, name);
    hc_metrics_format_value(out, v);
    hc_buf_putc(out, '\n');
}

static int live_render(void *arg, struct hc_buf *out)
{
    (void)arg;
    pthread_mutex_lock(&live.lock);
    const struct live_fig *f = &live.now;
    bool sig = f->have_signals;
    live_metric(out, "hc_hcwarm_keys_done_total", "counter",
                "Preload: keys warmed or already present.",
                (double)(live.base_keys_done + f->keys_done));
    live_metric(out, "hc_hcwarm_keys_failed_total", "counter",
                "Preload: keys malformed, refused or unanswered.",
                (double)(live.base_keys_failed + f->keys_failed));
    live_metric(out, "hc_hcwarm_keys_total", "gauge",
                "Preload: the source's keys, estimated from how far it is read (NaN: unknown).",
                f->keys_total > 0 ? (double)f->keys_total : NAN);
    live_metric(out, "hc_hcwarm_requests_total", "counter",
                "Requests answered or failed (http, replay).",
                (double)(live.base_requests + f->requests));
    live_metric(out, "hc_hcwarm_failures_total", "counter",
                "Requests that failed without a response (http, replay).",
                (double)(live.base_failures + f->failures));
    live_metric(out, "hc_hcwarm_rate", "gauge", "Requests or keys per second now.", f->rate);
    live_metric(out, "hc_hcwarm_target_rate", "gauge",
                "The current ramp step's rate, requests per second (0: none).", f->target_rate);
    live_metric(out, "hc_hcwarm_step", "gauge", "The ramp's current step, 1-based (0: none).",
                (double)f->step);
    live_metric(out, "hc_hcwarm_steps", "gauge", "The ramp's steps (0: none).", (double)f->steps);
    live_metric(out, "hc_hcwarm_p99_seconds", "gauge",
                "Corrected p99 latency of the window being judged.",
                sig ? (double)f->s.p99_ns / HC_NSEC_PER_SEC : NAN);
    live_metric(out, "hc_hcwarm_p99_goal_seconds", "gauge", "The p99 goal (NaN: off).",
                f->g.p99_ns > 0 ? (double)f->g.p99_ns / HC_NSEC_PER_SEC : NAN);
    live_metric(out, "hc_hcwarm_error_ratio", "gauge",
                "Errors over requests in the window being judged.", sig ? f->s.error_rate : NAN);
    live_metric(out, "hc_hcwarm_error_ratio_goal", "gauge", "The error ratio goal (NaN: off).",
                f->g.max_errors >= 0 ? f->g.max_errors : NAN);
    live_metric(out, "hc_hcwarm_hit_ratio", "gauge",
                "Cache hit ratio of the window being judged (NaN: unknown).",
                sig && f->s.hit_known ? f->s.hit_ratio : NAN);
    live_metric(out, "hc_hcwarm_hit_ratio_goal", "gauge", "The hit ratio goal (NaN: off).",
                f->g.min_hit_ratio >= 0 ? f->g.min_hit_ratio : NAN);
    live_metric(out, "hc_hcwarm_warm", "gauge", "1 once the step running met every goal.",
                f->warm ? 1 : 0);
    live_metric(out, "hc_hcwarm_elapsed_seconds", "gauge", "Seconds since hcwarm started.",
                (double)(hc_now_ns() - live.start_ns) / HC_NSEC_PER_SEC);
    pthread_mutex_unlock(&live.lock);
    return 0;
}

static void live_clear(struct live_fig *f, const struct goals *g)
{
    memset(f, 0, sizeof(*f));
    if (g != NULL)
        f->g = *g;
    else
        goals_off(&f->g);
}

int live_start(const char *addr, char *err, size_t errlen)
{
    live.start_ns = hc_now_ns();
    live_clear(&live.now, NULL);
    return hc_metrics_serve_start(addr, live_render, NULL, &live.server, err, errlen);
}

int live_port(void)
{
    return live.server != NULL ? hc_metrics_serve_port(live.server) : 0;
}

void live_begin(const struct goals *g)
{
    if (live.server == NULL)
        return;
    pthread_mutex_lock(&live.lock);
    live.base_keys_done += live.now.keys_done;
    live.base_keys_failed += live.now.keys_failed;
    live.base_requests += live.now.requests;
    live.base_failures += live.now.failures;
    live_clear(&live.now, g);
    pthread_mutex_unlock(&live.lock);
}

void live_preload(const struct tally *t, uint64_t total, double rate)
{
    if (live.server == NULL)
        return;
    pthread_mutex_lock(&live.lock);
    live.now.keys_done = t->warmed + t->present;
    live.now.keys_failed = t->failed;
    live.now.keys_total = total;
    live.now.rate = rate;
    pthread_mutex_unlock(&live.lock);
}

void live_traffic(uint64_t answered, uint64_t failed, double rate, double target_rate,
                  unsigned step, unsigned steps, const struct signals *s, bool warm)
{
    if (live.server == NULL)
        return;
    pthread_mutex_lock(&live.lock);
    live.now.requests = answered;
    live.now.failures = failed;
    live.now.rate = rate;
    live.now.target_rate = target_rate;
    live.now.step = step;
    live.now.steps = steps;
    live.now.s = *s;
    live.now.have_signals = true;
    live.now.warm = warm;
    pthread_mutex_unlock(&live.lock);
}

void live_stop(void)
{
    hc_metrics_serve_stop(live.server);
    live.server = NULL;
}
