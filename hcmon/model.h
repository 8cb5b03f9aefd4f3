/*
 * model.h: what hcmon knows about each target, on the screen's (or batch writer's) thread:
 * the last two pages, the figures computed from them, their history, whether the target is
 * up (and if not, why and when the next try comes), and the alerts it crosses.
 *
 * Live samples and replayed ones go through model_apply() alike, so a replay shows the same
 * screens the live run did.
 */
#ifndef HCMON_MODEL_H
#define HCMON_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "history.h"
#include "poller.h"
#include "rate.h"
#include "summary.h"
#include "target.h"

struct model_target {
    const struct target *target;   /* what it is */
    struct hc_metrics_page *cur;   /* the last page that parsed (owned), or NULL */
    struct hc_metrics_page *prev;  /* the one before (owned), or NULL */
    struct rate_index *prev_index; /* the index of prev */
    int64_t cur_ns;                /* cur's monotonic time */
    double dt_s;                   /* seconds from prev to cur; 0 without prev */
    bool seen;                     /* a sample (good or bad) came */
    bool up;                       /* the last sample worked */
    char reason[256];              /* why the last one did not */
    int64_t retry_at_ns;           /* down: when the next try starts (monotonic) */
    int64_t retry_ns;              /* down: how long after the failed sample that is */
    double scrape_s;               /* how long the last sample took */
    int64_t wall_ns;               /* when the last sample was taken */
    uint64_t samples;              /* samples taken */
    uint64_t failures;             /* of them, failed */
    struct summary summary;        /* the figures of the last sample */
    struct history history;        /* and of the ones before */
    enum alert_level level;        /* the highest alert crossed by the last sample */
    char alert[200];               /* the alerts crossed, as "p99 > 50ms; ..." */
};

struct model {
    struct model_target *targets; /* ntargets (owned) */
    size_t ntargets;
    const struct alert *alerts; /* the thresholds (the caller's) */
    size_t nalerts;
};

/* A model of ntargets targets (targets and alerts must outlive it). */
void model_init(struct model *m, const struct target *targets, size_t ntargets,
                const struct alert *alerts, size_t nalerts);

/* Frees every page and the targets array. Accepts NULL. */
void model_destroy(struct model *m);

/*
 * Applies one sample: a good one becomes the current page (taking r->page), the old
 * current one becomes the previous one, the figures and alerts are recomputed; a bad one
 * marks the target down with its reason (the pages stay, so the panels show the last known
 * state and the next rate spans the outage). r->target must be < ntargets.
 */
void model_apply(struct model *m, struct poller_result *r);

/* Whether any target is down or crosses an alert (for the exit status). */
bool model_any_down(const struct model *m);
bool model_any_alert(const struct model *m);

#endif
