/*
 * degrade.h: degradation: routes an admin switched off answer 503 at once, and one route (the
 * non-critical events) is also shed automatically while any watched worker pool is deep.
 *
 * Metrics: hc_degrade_active{route} (1 while shed). Any thread.
 */
#ifndef HCSERVER_DEGRADE_H
#define HCSERVER_DEGRADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/metrics.h"
#include "hc/pool.h"

#define DEGRADE_MAX_WATCH 4

struct degrade_config {
    const char *const *names;                 /* nroutes route labels for the gauge */
    int nroutes;                              /* routes 0..nroutes-1 */
    int auto_route;                           /* the route shed automatically, -1: none */
    uint64_t depth;                           /* a pool this deep sheds it (0: never) */
    struct hc_pool *watch[DEGRADE_MAX_WATCH]; /* pools whose depth counts (NULL: unused) */
    struct hc_metrics *m;                     /* registry of the gauge */
};

struct degrade;

/* The switches, all off. 0 with *out, or a registry error. */
int degrade_new(const struct degrade_config *cfg, struct degrade **out);

/* Frees them. Accepts NULL. */
void degrade_free(struct degrade *d);

/* Whether route is shed now (switched by an admin, or automatically). */
bool degrade_shed(struct degrade *d, int route);

/* Admin switch for route: on sheds it until switched off. */
void degrade_set(struct degrade *d, int route, bool on);

/* Whether route's admin switch is on. */
bool degrade_switch(struct degrade *d, int route);

#endif
