/*
 * replay.c: `hcwarm replay LOG`: an access log sent again at its own pace (or --speed times
 * faster), each request at its logged time, its latency counted from that time (traffic.h's
 * timed mode). nginx logs a time to the second, so the sends of one logged second are spread
 * evenly over it rather than bunched at its start: a burst the log cannot show is not made up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc/core.h"
#include "hcwarm.h"
#include "live.h"
#include "paths.h"
#include "traffic.h"
#include "warm.h"

#define REPLAY_TICK_NS (250 * HC_NSEC_PER_MSEC)

/* Spreads the sends of each logged second evenly over that second. */
static void replay_spread(struct paths *p)
{
    size_t i = 0;
    while (i < p->nseq) {
        size_t j = i;
        while (j < p->nseq && p->at_ns[j] == p->at_ns[i])
            j++;
        for (size_t k = i; k < j; k++)
            p->at_ns[k] += (int64_t)((double)(k - i) * HC_NSEC_PER_SEC / (double)(j - i));
        i = j;
    }
    p->span_ns = p->nseq > 0 ? p->at_ns[p->nseq - 1] : 0;
}

int replay_run(const struct config *cfg, json_t **doc)
{
    if (warm_check_json(cfg->json) != 0)
        return 1;
    char err[1200] = "";
    struct paths ps;
    paths_init(&ps);
    struct warm_result r;
    memset(&r, 0, sizeof(r));
    r.command = "replay";
    r.target = cfg->target;
    r.goals = cfg->goals;
    int rc = warm_load_paths(cfg, &ps, &r.source, err, sizeof(err));
    r.lines = ps.lines;
    r.malformed = ps.malformed;
    r.skipped = ps.skipped;
    if (rc != 0) {
        fprintf(stderr, "hcwarm: %s\n", err);
        paths_destroy(&ps);
        return 1;
    }
    replay_spread(&ps);
    r.expected_ns = (int64_t)((double)ps.span_ns / cfg->speed);
    struct traffic_cfg tc = {
        .target = cfg->target,
        .paths = &ps,
        .insecure = cfg->tls.insecure,
        .cafile = cfg->tls.cafile,
        .threads = cfg->threads,
        .connections = cfg->connections,
        .timeout_ns = cfg->timeout_ns,
        .timed = true,
        .speed = cfg->speed,
        .duration_ns = r.expected_ns + cfg->timeout_ns + 5 * HC_NSEC_PER_SEC,
        .x_cache = true,
    };
    struct traffic *t = NULL;
    struct traffic_window all;
    traffic_window_init(&all);
    int status = 1;
    rc = traffic_new(&tc, &t, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "hcwarm: %s\n", err);
        goto out;
    }
    bool progress = !cfg->quiet && isatty(STDERR_FILENO);
    warm_signals();
    live_begin(&cfg->goals);
    rc = traffic_start(t, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "hcwarm: %s\n", err);
        goto out;
    }
    int64_t start = traffic_start_ns(t);
    for (int64_t tick = start + REPLAY_TICK_NS;; tick += REPLAY_TICK_NS) {
        bool done = traffic_wait(t, tick);
        traffic_take(t, &all);
        int64_t now = hc_now_ns();
        struct signals s;
        traffic_signals(&all, &s);
        double el = (double)(now - start) / HC_NSEC_PER_SEC;
        double now_rate = el > 0 ? (double)traffic_sent(t) / el : 0;
        warm_progress(progress, "replay", traffic_sent(t), ps.nseq, now_rate,
                      HC_MAX(r.expected_ns - (now - start), 0), &s);
        live_traffic(all.responses + all.failures, all.failures, now_rate, 0, 0, 0, &s, false);
        if (done)
            break;
        if (warm_interrupted) {
            snprintf(r.why, sizeof(r.why), "interrupted after %llu of %zu sends",
                     (unsigned long long)traffic_sent(t), ps.nseq);
            break;
        }
    }
    traffic_stop(t);
    traffic_join(t);
    traffic_take(t, &all);
    r.duration_ns = hc_now_ns() - start;
    r.requested = traffic_sent(t);
    r.responses = all.responses;
    r.warmed = all.responses - all.bad_status;
    r.failed = all.failures;
    r.late = all.late;
    traffic_signals(&all, &r.final);
    if (r.why[0] == '\0') {
        char why[500];
        r.warm = signals_check(&cfg->goals, &r.final, why, sizeof(why));
        if (!r.warm && r.final.responses == 0 && all.failure[0] != '\0')
            snprintf(r.why, sizeof(r.why), "no responses: %s", all.failure);
        else if (!r.warm)
            snprintf(r.why, sizeof(r.why), "%s", why);
        if (r.warm && r.requested < ps.nseq) {
            r.warm = false;
            snprintf(r.why, sizeof(r.why), "only %llu of %zu sends went out",
                     (unsigned long long)r.requested, ps.nseq);
        }
    }
    if (r.malformed > 0 && r.warm) {
        r.warm = false;
        snprintf(r.why, sizeof(r.why), "%llu malformed lines in %s",
                 (unsigned long long)r.malformed, r.source);
    }
    live_traffic(all.responses + all.failures, all.failures, 0, 0, 0, 0, &r.final, r.warm);
    status = warm_finish(cfg, &r);
    if (doc != NULL)
        *doc = warm_json(&r);
out:
    traffic_free(t);
    traffic_window_destroy(&all);
    paths_destroy(&ps);
    return status;
}
