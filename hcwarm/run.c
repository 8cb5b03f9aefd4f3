/*
 * run.c: `hcwarm run PLAN.yaml`: the plan's steps (script.h) in order, each through the
 * subcommand it names, each with its own goals. The first step that fails stops the script:
 * what comes after it (a ramp after a preload that did not load) would measure nothing useful.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>

#include "fetch.h"
#include "hc/core.h"
#include "hc/limits.h"
#include "hc/units.h"
#include "hcwarm.h"
#include "script.h"
#include "warm.h"

/* How often a ready step polls. */
#define RUN_READY_POLL_NS (200 * HC_NSEC_PER_MSEC)

/* A ready step: polls until 200. 0 ready, 1 not, with the last answer in why. */
static int run_ready(const struct script_step *st, const struct config *base, char *why,
                     size_t whylen, json_t *res)
{
    struct hc_buf body;
    hc_buf_init(&body, HC_HCWARM_MAX_HTTP_BYTES);
    int64_t start = hc_now_ns();
    long status = 0;
    int polls = 0;
    char err[600] = "";
    for (;;) {
        polls++;
        status = fetch_get(st->ready_url, &base->tls,
                           HC_MIN(base->timeout_ns, st->ready_timeout_ns), &body, err, sizeof(err));
        if (status == 200 || warm_interrupted)
            break;
        if (hc_now_ns() - start >= st->ready_timeout_ns)
            break;
        struct timespec ts = {0, RUN_READY_POLL_NS};
        nanosleep(&ts, NULL);
    }
    int64_t took = hc_now_ns() - start;
    char dur[HC_UNITS_FMT_MAX];
    hc_units_format_duration(took, dur, sizeof(dur));
    json_object_set_new(res, "url", json_string(st->ready_url));
    json_object_set_new(res, "status", status > 0 ? json_integer(status) : json_null());
    json_object_set_new(res, "polls", json_integer(polls));
    json_object_set_new(res, "duration_s", json_real((double)took / HC_NSEC_PER_SEC));
    if (!base->quiet)
        printf("hcwarm %s: %s, %s after %s (%d polls)\n", st->name,
               status == 200 ? "ready" : "NOT ready", st->ready_url, dur, polls);
    int rc = 0;
    if (status != 200) {
        char lim[HC_UNITS_FMT_MAX];
        hc_units_format_duration(st->ready_timeout_ns, lim, sizeof(lim));
        if (status > 0)
            snprintf(why, whylen, "GET %s answered %ld, not 200, for %s (%.200s)", st->ready_url,
                     status, lim, body.len ? hc_buf_cstr(&body) : "");
        else
            snprintf(why, whylen, "%.300s (for %s)", err, lim);
        rc = 1;
    }
    fflush(stdout);
    hc_buf_destroy(&body);
    return rc;
}

int run_plan(const struct config *cfg)
{
    struct script *s = NULL;
    char err[1600];
    int rc = script_load(cfg->plan, cfg, &s, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "hcwarm: %s\n", err);
        return 2;
    }
    if (warm_check_json(cfg->json) != 0) {
        script_free(s);
        return 1;
    }
    json_t *steps = json_array();
    int status = 0;
    int64_t start = hc_now_ns();
    const char *failed = NULL;
    char why[800] = "";
    for (size_t i = 0; i < s->nsteps; i++) {
        struct script_step *st = &s->steps[i];
        if (!cfg->quiet) {
            printf("hcwarm run: step %zu of %zu: %s (%s)\n", i + 1, s->nsteps, st->name,
                   script_kind_names[st->kind]);
            fflush(stdout);
        }
        json_t *res = NULL;
        int64_t t0 = hc_now_ns();
        int step_rc;
        switch (st->kind) {
        case STEP_REDIS:
        case STEP_MEMCACHED:
            step_rc = hcwarm_preload(&st->cfg);
            res = json_object();
            break;
        case STEP_HTTP:
            step_rc = http_run(&st->cfg, &res);
            break;
        case STEP_REPLAY:
            step_rc = replay_run(&st->cfg, &res);
            break;
        case STEP_READY:
        default:
            warm_signals();
            res = json_object();
            step_rc = run_ready(st, cfg, why, sizeof(why), res);
            break;
        }
        if (res == NULL)
            res = json_object();
        json_object_set_new(res, "step", json_string(st->name));
        json_object_set_new(res, "kind", json_string(script_kind_names[st->kind]));
        json_object_set_new(res, "ok", json_boolean(step_rc == 0));
        if (json_object_get(res, "duration_s") == NULL)
            json_object_set_new(res, "duration_s",
                                json_real((double)(hc_now_ns() - t0) / HC_NSEC_PER_SEC));
        json_array_append_new(steps, res);
        if (step_rc != 0) {
            status = 1;
            failed = st->name;
            json_t *w = json_object_get(res, "why");
            if (why[0] == '\0' && json_is_string(w))
                snprintf(why, sizeof(why), "%s", json_string_value(w));
            if (why[0] == '\0')
                snprintf(why, sizeof(why), "exit status %d (see above)", step_rc);
            break;
        }
        why[0] = '\0';
    }
    int64_t took = hc_now_ns() - start;
    char dur[HC_UNITS_FMT_MAX];
    hc_units_format_duration(took, dur, sizeof(dur));
    bool json_stdout = cfg->json != NULL && strcmp(cfg->json, "-") == 0;
    FILE *out = json_stdout ? stderr : stdout;
    if (failed != NULL)
        fprintf(stderr, "hcwarm run: step \"%s\" failed: %s\n", failed, why);
    if (!cfg->quiet) {
        if (failed == NULL)
            fprintf(out, "hcwarm run: %s: every step met its goals (%zu steps, %s)\n", cfg->plan,
                    s->nsteps, dur);
        else
            fprintf(out,
                    "hcwarm run: %s: stopped at step \"%s\" after %s; %zu of %zu steps "
                    "done\n",
                    cfg->plan, failed, dur, json_array_size(steps) - 1, s->nsteps);
    }
    if (cfg->json != NULL) {
        json_t *doc = json_object();
        json_object_set_new(doc, "version", json_string(HC_VERSION));
        json_object_set_new(doc, "command", json_string("run"));
        json_object_set_new(doc, "plan", json_string(cfg->plan));
        json_object_set_new(doc, "ok", json_boolean(failed == NULL));
        json_object_set_new(doc, "failed_step", failed ? json_string(failed) : json_null());
        json_object_set_new(doc, "why", failed ? json_string(why) : json_null());
        json_object_set_new(doc, "duration_s", json_real((double)took / HC_NSEC_PER_SEC));
        json_object_set_new(doc, "steps", steps);
        steps = NULL;
        rc = warm_write_json(cfg->json, doc);
        json_decref(doc);
        if (rc != 0) {
            fprintf(stderr, "hcwarm: --json %s: %s\n", cfg->json, strerror(-rc));
            status = 1;
        }
    }
    json_decref(steps);
    script_free(s);
    return status;
}
