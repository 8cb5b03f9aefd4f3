/*
 * baseline.c: --history and --baseline around one run (see baseline.h).
 */
#include "baseline.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc/buf.h"
#include "hc/core.h"
#include "compare.h"
#include "hcload.h"
#include "history.h"

struct baseline {
    struct history *hist;                /* --history, or NULL */
    json_t *base[HISTORY_BASELINE_RUNS]; /* the baseline results */
    size_t nbase;                        /* 0 without --baseline */
    bool gate;                           /* --baseline was given */
    bool from_history;                   /* the baselines are earlier runs */
    struct compare_tol tols[COMPARE_MAX_TOLERANCES];
    size_t ntols;
    char ref[256]; /* the reference as the summary names it */
};

int baseline_new(const struct config *cfg, struct baseline **out, bool *usage, char *err,
                 size_t errlen)
{
    *out = NULL;
    *usage = true;
    if (cfg->history_path == NULL && cfg->baseline == NULL)
        return 0;
    struct baseline *b = hc_xcalloc(1, sizeof(*b));
    int rc = compare_parse_tolerance(cfg->tolerance ? cfg->tolerance : COMPARE_DEFAULT_TOLERANCE,
                                     b->tols, &b->ntols, err, errlen);
    if (rc != 0)
        goto fail;
    if (cfg->history_path != NULL) {
        *usage = false;
        rc = history_open(cfg->history_path, true, &b->hist, err, errlen);
        if (rc != 0)
            goto fail;
        *usage = true;
    }
    if (cfg->baseline == NULL) {
        *out = b;
        return 0;
    }
    b->gate = true;
    const char *ref = cfg->baseline;
    if (strcmp(ref, "history") == 0 || strncmp(ref, "history:", 8) == 0) {
        if (b->hist == NULL) {
            hc_errf(err, errlen, "--baseline %s reads the runs of --history FILE.db", ref);
            rc = HC_ESYNTAX;
            goto fail;
        }
        b->from_history = true;
        if (ref[7] == ':') {
            rc = history_load(b->hist, ref + 8, &b->base[0], err, errlen);
            if (rc != 0)
                goto fail;
            b->nbase = 1;
        } else {
            *usage = false;
            rc = history_baselines(b->hist, cfg->plan != NULL ? cfg->plan->hash_hex : NULL,
                                   cfg->url_text, b->base, HISTORY_BASELINE_RUNS, &b->nbase, err,
                                   errlen);
            if (rc != 0)
                goto fail;
        }
    } else {
        *usage = false;
        rc = compare_load(ref, &b->base[0], err, errlen);
        if (rc != 0)
            goto fail;
        b->nbase = 1;
    }
    snprintf(b->ref, sizeof(b->ref), "%s", ref);
    *out = b;
    return 0;
fail:
    baseline_free(b);
    return rc != 0 ? rc : -1;
}

int baseline_finish(struct baseline *b, const struct hc_opt_program *prog, const struct config *cfg,
                    const char *json_text, int status)
{
    if (b == NULL)
        return status;
    json_error_t je;
    json_t *result = json_loads(json_text, 0, &je);
    if (result == NULL) {
        fprintf(stderr, "%s: the run's result could not be read back: %s\n", prog->name, je.text);
        return 1;
    }
    bool json_stdout = cfg->json_path != NULL && strcmp(cfg->json_path, "-") == 0;
    FILE *to = json_stdout || cfg->quiet ? stderr : stdout;
    if (b->gate) {
        struct hc_buf tab;
        hc_buf_init(&tab, 0);
        char worst[300];
        if (b->nbase == 0) {
            fprintf(to,
                    "Baseline %s: no earlier run of this plan and target in %s; nothing to "
                    "gate against (this run becomes the first)\n",
                    b->ref, cfg->history_path);
        } else {
            size_t bad = compare_table(b->base, b->nbase, result, b->tols, b->ntols, &tab, worst,
                                       sizeof(worst));
            fprintf(to, "Baseline %s (%zu run%s):\n%s", b->ref, b->nbase, b->nbase == 1 ? "" : "s",
                    hc_buf_cstr(&tab));
            if (bad > 0) {
                fprintf(to, "Baseline: %zu regression%s\n", bad, bad == 1 ? "" : "s");
                fprintf(stderr, "%s: regression against the baseline: %s\n", prog->name, worst);
                if (status == 0)
                    status = HCLOAD_EXIT_THRESHOLD;
            } else {
                fprintf(to, "Baseline: no regression\n");
            }
        }
        fflush(to);
        hc_buf_destroy(&tab);
    }
    if (b->hist != NULL) {
        char *commit = history_commit();
        char agent[32];
        if (cfg->agent_count > 1)
            snprintf(agent, sizeof(agent), "%u/%u", cfg->agent_index, cfg->agent_count);
        char err[512];
        int64_t id = 0;
        int rc = history_append(b->hist, result, commit, cfg->agent_count > 1 ? agent : NULL, &id,
                                err, sizeof(err));
        free(commit);
        if (rc != 0) {
            fprintf(stderr, "%s: %s\n", prog->name, err);
            status = 1;
        } else if (!cfg->quiet) {
            fprintf(to, "History: run %lld in %s\n", (long long)id, cfg->history_path);
        }
    }
    json_decref(result);
    return status;
}

void baseline_free(struct baseline *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->nbase; i++)
        json_decref(b->base[i]);
    history_close(b->hist);
    free(b);
}

const json_t *baseline_result(const struct baseline *b)
{
    return b != NULL && b->nbase > 0 ? b->base[0] : NULL;
}
