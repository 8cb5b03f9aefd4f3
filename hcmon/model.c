/*
 * model.c: applying samples to the per-target state.
 *
 * A page stays alive while it is current or previous; rates always compare the two. When a
 * target comes back after an outage its first good page is compared with the last good one
 * before the outage, over the whole time between them.
 */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"

void model_init(struct model *m, const struct target *targets, size_t ntargets,
                const struct alert *alerts, size_t nalerts)
{
    memset(m, 0, sizeof(*m));
    m->targets = hc_xcalloc(ntargets ? ntargets : 1, sizeof(*m->targets));
    m->ntargets = ntargets;
    m->alerts = alerts;
    m->nalerts = nalerts;
    for (size_t i = 0; i < ntargets; i++) {
        m->targets[i].target = &targets[i];
        summary_clear(&m->targets[i].summary);
        history_init(&m->targets[i].history);
    }
}

void model_destroy(struct model *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->ntargets; i++) {
        hc_metrics_page_free(m->targets[i].cur);
        hc_metrics_page_free(m->targets[i].prev);
        rate_index_free(m->targets[i].prev_index);
    }
    free(m->targets);
    m->targets = NULL;
    m->ntargets = 0;
}

static void model_alerts(struct model *m, struct model_target *t)
{
    t->level = ALERT_NONE;
    t->alert[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < m->nalerts; i++) {
        const struct alert *a = &m->alerts[i];
        double v = alert_subject_value(a, &t->summary, t->prev_index, t->cur, t->dt_s);
        if (!alert_crossed(a, v))
            continue;
        if (a->level > t->level)
            t->level = a->level;
        int n =
            snprintf(t->alert + used, sizeof(t->alert) - used, "%s%s", used ? "; " : "", a->text);
        if (n > 0)
            used = HC_MIN(sizeof(t->alert) - 1, used + (size_t)n);
    }
}

void model_apply(struct model *m, struct poller_result *r)
{
    if (r->target >= m->ntargets)
        return;
    struct model_target *t = &m->targets[r->target];
    t->seen = true;
    t->samples++;
    t->scrape_s = r->scrape_s;
    t->wall_ns = r->wall_ns;
    if (!r->ok) {
        t->up = false;
        t->failures++;
        snprintf(t->reason, sizeof(t->reason), "%s", r->reason);
        /* Reasons quote outside input: keep them printable ASCII for the screen and JSON. */
        for (char *c = t->reason; *c != '\0'; c++) {
            if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                *c = '?';
        }
        t->retry_at_ns = r->mono_ns + r->retry_ns;
        t->retry_ns = r->retry_ns;
        summary_clear(&t->summary);
        t->summary.v[SUMMARY_UP] = 0;
        t->summary.v[SUMMARY_SCRAPE_SECONDS] = r->scrape_s;
        history_push(&t->history, &t->summary);
        t->level = ALERT_NONE;
        t->alert[0] = '\0';
        return;
    }
    t->up = true;
    t->reason[0] = '\0';
    if (t->cur != NULL) {
        hc_metrics_page_free(t->prev);
        rate_index_free(t->prev_index);
        t->prev = t->cur;
        t->prev_index = rate_index_new(t->prev);
        t->dt_s = (double)(r->mono_ns - t->cur_ns) / 1e9;
    } else {
        t->dt_s = 0;
    }
    t->cur = r->page;
    r->page = NULL;
    t->cur_ns = r->mono_ns;
    summary_compute(&t->summary, t->target->kind, t->prev_index, t->cur, t->dt_s);
    t->summary.v[SUMMARY_SCRAPE_SECONDS] = r->scrape_s;
    history_push(&t->history, &t->summary);
    model_alerts(m, t);
}

bool model_any_down(const struct model *m)
{
    for (size_t i = 0; i < m->ntargets; i++) {
        if (!m->targets[i].up)
            return true;
    }
    return false;
}

bool model_any_alert(const struct model *m)
{
    for (size_t i = 0; i < m->ntargets; i++) {
        if (m->targets[i].level != ALERT_NONE)
            return true;
    }
    return false;
}
