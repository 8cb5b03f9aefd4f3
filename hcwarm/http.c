/*
 * http.c: `hcwarm http`: ramp requests to a service until it is measurably warm.
 *
 * Why tumbling windows: a step's verdict must come from traffic at that step's rate only, so
 * each hold starts a fresh window, and a step that misses a goal holds for another whole
 * window rather than being judged on a mix of before and after. The rate moves through
 * hc_client_set_rate, so connections, their caches and the server's keep-alive state carry
 * from step to step as they would under a real ramp.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch.h"
#include "hc/core.h"
#include "hc/limits.h"
#include "hc/metrics.h"
#include "hc/plan.h"
#include "hc/units.h"
#include "hcwarm.h"
#include "live.h"
#include "paths.h"
#include "report.h"
#include "traffic.h"
#include "warm.h"

/* How often the main thread takes the workers' counts and redraws the progress line. */
#define HTTP_TICK_NS (250 * HC_NSEC_PER_MSEC)

int warm_load_paths(const struct config *cfg, struct paths *p, const char **source, char *err,
                    size_t errlen)
{
    struct report rep;
    report_init(&rep, cfg->command_name, cfg->target, "", false, cfg->quiet, NULL);
    switch (cfg->paths) {
    case PATHS_URLS:
        *source = cfg->paths_file;
        return paths_load_urls(p, cfg->paths_file, &rep, err, errlen);
    case PATHS_LOG:
        *source = cfg->paths_file;
        return paths_load_log(p, cfg->paths_file, cfg->command == CMD_REPLAY, &rep, err, errlen);
    case PATHS_HOTKEYS:
        *source = cfg->hotkeys_url;
        return paths_load_hotkeys(p, cfg, err, errlen);
    case PATHS_PLAN:
        *source = cfg->paths_file; /* http_plan loads it */
        return 0;
    }
    return -1;
}

/* The hit and miss counters of the service's /metrics. 0, or a negative code with err. */
static int http_scrape(const char *url, const struct fetch_tls *tls, int64_t timeout_ns,
                       double *hits, double *misses, char *err, size_t errlen)
{
    struct hc_buf body;
    hc_buf_init(&body, HC_HCWARM_MAX_HTTP_BYTES);
    long status = fetch_get(url, tls, timeout_ns, &body, err, errlen);
    int rc = 0;
    if (status < 0) {
        rc = (int)status;
    } else if (status != 200) {
        snprintf(err, errlen, "GET %s: status %ld", url, status);
        rc = HC_EPROTO;
    } else {
        struct hc_metrics_page *page = NULL;
        char perr[200];
        if (hc_metrics_parse(body.data ? body.data : "", body.len, &page, perr, sizeof(perr)) < 0) {
            snprintf(err, errlen, "GET %s: %s", url, perr);
            rc = HC_EPROTO;
        } else if (signals_metrics_counts(page, hits, misses) != 0) {
            snprintf(err, errlen, "GET %s: no hc_cache_hits_total in the page", url);
            rc = HC_EPROTO;
        }
        hc_metrics_page_free(page);
    }
    hc_buf_destroy(&body);
    return rc;
}

/* A window's hit ratio from two scrapes, into s (unknown when a scrape failed or no reads). */
static void http_metrics_ratio(struct signals *s, bool ok, double h0, double m0, double h1,
                               double m1)
{
    s->hit_known = false;
    double dh = h1 - h0, dm = m1 - m0;
    if (ok && dh >= 0 && dm >= 0 && dh + dm > 0) {
        s->hit_known = true;
        s->hit_ratio = dh / (dh + dm);
    }
}

/*
 * --from-plan: loads the plan into *plan and the server its requests go to into target
 * (--target, else the server of its first request). 0, or a negative code with err.
 */
static int http_plan(const struct config *cfg, struct hc_plan **plan, char *target, size_t cap,
                     char *err, size_t errlen)
{
    char perr[600];
    int rc = hc_plan_load(cfg->paths_file, plan, perr, sizeof(perr));
    if (rc != 0) {
        snprintf(err, errlen, "%s", perr);
        return rc;
    }
    if (cfg->target != NULL) {
        snprintf(target, cap, "%s", cfg->target);
    } else {
        const struct hc_url *u = (*plan)->requests[0].url;
        snprintf(target, cap, "%s://%s", u->scheme, u->host_header);
    }
    return 0;
}

int http_run(const struct config *cfg, json_t **doc)
{
    if (warm_check_json(cfg->json) != 0)
        return 1;
    char err[1200] = "";
    struct paths ps;
    paths_init(&ps);
    struct warm_result r;
    memset(&r, 0, sizeof(r));
    r.command = "http";
    r.target = cfg->target;
    r.goals = cfg->goals;
    r.steps = cfg->steps;
    struct hc_plan *plan = NULL;
    char target[2100];
    int rc = warm_load_paths(cfg, &ps, &r.source, err, sizeof(err));
    if (rc == 0 && cfg->paths == PATHS_PLAN) {
        rc = http_plan(cfg, &plan, target, sizeof(target), err, sizeof(err));
        r.target = target;
    }
    r.lines = ps.lines;
    r.malformed = ps.malformed;
    if (rc != 0) {
        fprintf(stderr, "hcwarm: %s\n", err);
        paths_destroy(&ps);
        hc_plan_free(plan);
        return 1;
    }
    char metrics[2200] = "";
    if (cfg->hit_metrics) {
        if (cfg->metrics_url != NULL) {
            snprintf(metrics, sizeof(metrics), "%s", cfg->metrics_url);
        } else {
            size_t n = strlen(r.target);
            while (n > 7 && r.target[n - 1] == '/')
                n--;
            snprintf(metrics, sizeof(metrics), "%.*s/metrics", (int)n, r.target);
        }
    }
    struct traffic_cfg tc = {
        .target = r.target,
        .paths = &ps,
        .plan = plan,
        .insecure = cfg->tls.insecure,
        .cafile = cfg->tls.cafile,
        .threads = cfg->threads,
        .connections = cfg->connections,
        .timeout_ns = cfg->timeout_ns,
        .rate = ramp_rate(cfg->from_rate, cfg->to_rate, 0, cfg->steps, cfg->aggression),
        .duration_ns = cfg->deadline_ns + cfg->step_hold_ns + 10 * HC_NSEC_PER_SEC,
        .x_cache = !cfg->hit_metrics,
    };
    struct traffic *t = NULL;
    struct traffic_window win, all, tickw;
    traffic_window_init(&win);
    traffic_window_init(&all);
    traffic_window_init(&tickw);
    int status = 1;
    rc = traffic_new(&tc, &t, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "hcwarm: %s\n", err);
        goto out;
    }
    bool progress = !cfg->quiet && isatty(STDERR_FILENO);
    double h0 = 0, m0 = 0;
    char serr[600] = "";
    bool scraped = !cfg->hit_metrics || http_scrape(metrics, &cfg->tls, cfg->timeout_ns, &h0, &m0,
                                                    serr, sizeof(serr)) == 0;
    warm_signals();
    live_begin(&cfg->goals);
    rc = traffic_start(t, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "hcwarm: %s\n", err);
        traffic_free(t);
        t = NULL;
        goto out;
    }
    int64_t start = traffic_start_ns(t);
    int64_t win_start = start;
    unsigned step = 0;
    double rate = tc.rate;
    bool judged = false;
    for (int64_t tick = start + HTTP_TICK_NS;; tick += HTTP_TICK_NS) {
        bool done = traffic_wait(t, tick);
        traffic_window_reset(&tickw);
        traffic_take(t, &tickw);
        traffic_window_add(&win, &tickw);
        traffic_window_add(&all, &tickw);
        int64_t now = hc_now_ns();
        struct signals s;
        traffic_signals(&win, &s);
        if (cfg->hit_metrics)
            s.hit_known = false;
        char label[64];
        snprintf(label, sizeof(label), "step %u/%u %.0f/s", step + 1, cfg->steps, rate);
        double now_rate = (double)s.requests * HC_NSEC_PER_SEC / (double)HC_MAX(now - win_start, 1);
        warm_progress(progress, label, traffic_sent(t), 0, now_rate,
                      cfg->deadline_ns - (now - start), &s);
        live_traffic(all.responses + all.failures, all.failures, now_rate, rate, step + 1,
                     cfg->steps, &s, false);
        if (warm_interrupted) {
            snprintf(r.why, sizeof(r.why), "interrupted at step %u of %u", step + 1, cfg->steps);
            break;
        }
        if (done) {
            snprintf(r.why, sizeof(r.why), "the traffic ended before the service was warm");
            break;
        }
        if (now - win_start >= cfg->step_hold_ns) {
            if (cfg->hit_metrics) {
                double h1 = 0, m1 = 0;
                bool ok = scraped && http_scrape(metrics, &cfg->tls, cfg->timeout_ns, &h1, &m1,
                                                 serr, sizeof(serr)) == 0;
                http_metrics_ratio(&s, ok, h0, m0, h1, m1);
                scraped = ok;
                if (!scraped)
                    scraped = http_scrape(metrics, &cfg->tls, cfg->timeout_ns, &h1, &m1, serr,
                                          sizeof(serr)) == 0;
                h0 = h1;
                m0 = m1;
            }
            char why[500];
            bool met = signals_check(&cfg->goals, &s, why, sizeof(why));
            if (!met && cfg->hit_metrics && !s.hit_known && serr[0] != '\0' &&
                cfg->goals.min_hit_ratio >= 0) {
                size_t n = strlen(why);
                snprintf(why + n, sizeof(why) - n, " (%.300s)", serr);
            }
            r.final = s;
            judged = true;
            if (s.responses == 0 && win.failures > 0) {
                snprintf(r.why, sizeof(r.why), "the service did not answer for %s: %s",
                         "a whole step", win.failure);
                break;
            }
            if (met && step + 1 >= cfg->steps) {
                r.warm = true;
                break;
            }
            if (met) {
                step++;
                rate = ramp_rate(cfg->from_rate, cfg->to_rate, step, cfg->steps, cfg->aggression);
                traffic_set_rate(t, rate);
            }
            snprintf(r.why, sizeof(r.why), "%s", why);
            traffic_window_reset(&win);
            win_start = now;
        }
        if (now - start >= cfg->deadline_ns) {
            char dl[HC_UNITS_FMT_MAX], last[600];
            hc_units_format_duration(cfg->deadline_ns, dl, sizeof(dl));
            if (!judged) {
                traffic_signals(&win, &r.final);
                signals_check(&cfg->goals, &r.final, r.why, sizeof(r.why));
            }
            snprintf(last, sizeof(last), "%s", r.why);
            snprintf(r.why, sizeof(r.why),
                     "not warm within --deadline %s, at step %u of %u "
                     "(%.0f/s): %.400s",
                     dl, step + 1, cfg->steps, rate, last);
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
    r.step = step + 1;
    r.rate = rate;
    live_traffic(all.responses + all.failures, all.failures, 0, rate, r.step, cfg->steps, &r.final,
                 r.warm);
    if (r.warm && r.malformed > 0) {
        r.warm = false;
        snprintf(r.why, sizeof(r.why), "warm, but %llu lines of %s were malformed",
                 (unsigned long long)r.malformed, r.source);
    }
    status = warm_finish(cfg, &r);
    if (doc != NULL)
        *doc = warm_json(&r);
out:
    traffic_free(t);
    traffic_window_destroy(&win);
    traffic_window_destroy(&all);
    traffic_window_destroy(&tickw);
    paths_destroy(&ps);
    hc_plan_free(plan);
    return status;
}
