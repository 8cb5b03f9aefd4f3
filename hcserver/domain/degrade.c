/*
 * degrade.c: degradation switches. A switch is an atomic flag read on every request of its
 * route, so a route that is not shed pays one relaxed load; only the automatic route looks at
 * the pools' depth (a few counters under each pool's lock). The log says when the automatic
 * shedding starts and stops (hc_log_cond) and when an admin flips a switch.
 */
#include "domain/degrade.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "hc/core.h"
#include "hc/log.h"

struct degrade {
    struct degrade_config cfg;
    struct hc_log_cond auto_log;     /* 1 while the automatic route is shed, as logged */
    atomic_bool *on;                 /* nroutes admin switches */
    struct hc_metrics_gauge **gauge; /* nroutes hc_degrade_active series */
};

int degrade_new(const struct degrade_config *cfg, struct degrade **out)
{
    struct degrade *d = hc_xcalloc(1, sizeof(*d));
    struct hc_metrics_family *f = NULL;
    int rc;

    d->cfg = *cfg;
    hc_log_cond_init(&d->auto_log, 0, 0);
    d->on = hc_xcalloc((size_t)cfg->nroutes, sizeof(*d->on));
    d->gauge = hc_xcalloc((size_t)cfg->nroutes, sizeof(*d->gauge));
    rc = hc_metrics_register_gauge(cfg->m, "hc_degrade_active",
                                   "1 while a route is shed (admin switch or deep queue).", "route",
                                   &f);
    for (int i = 0; rc == 0 && i < cfg->nroutes; i++) {
        const char *v[] = {cfg->names[i]};
        rc = hc_metrics_gauge_get(f, v, &d->gauge[i]);
    }
    if (rc < 0) {
        degrade_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

void degrade_free(struct degrade *d)
{
    if (d == NULL)
        return;
    hc_log_cond_destroy(&d->auto_log);
    free(d->on);
    free(d->gauge);
    free(d);
}

bool degrade_shed(struct degrade *d, int route)
{
    bool on = atomic_load_explicit(&d->on[route], memory_order_relaxed);

    if (route != d->cfg.auto_route)
        return on; /* only the admin switch; its gauge is set where it is switched */
    if (!on && d->cfg.depth > 0) {
        for (size_t i = 0; !on && i < DEGRADE_MAX_WATCH && d->cfg.watch[i] != NULL; i++) {
            struct hc_pool_stats ps;
            hc_pool_stats(d->cfg.watch[i], &ps);
            on = ps.queued >= d->cfg.depth;
        }
    }
    hc_metrics_gauge_set(d->gauge[route], on ? 1.0 : 0.0);
    if (on)
        hc_log_cond_set(&d->auto_log, 1, HC_LOG_LEVEL_WARN,
                        "shedding %s: a worker pool has %llu tasks waiting or more (or an admin "
                        "switch); they answer 503",
                        d->cfg.names[route], (unsigned long long)d->cfg.depth);
    else
        hc_log_cond_set(&d->auto_log, 0, HC_LOG_LEVEL_WARN, "shedding %s stopped",
                        d->cfg.names[route]);
    return on;
}

void degrade_set(struct degrade *d, int route, bool on)
{
    if (atomic_exchange(&d->on[route], on) != on)
        HC_LOG_WARN("%s: %s by the admin switch", d->cfg.names[route],
                    on ? "shed (503)" : "served again");
    hc_metrics_gauge_set(d->gauge[route], on ? 1.0 : 0.0);
}

bool degrade_switch(struct degrade *d, int route)
{
    return atomic_load(&d->on[route]);
}
