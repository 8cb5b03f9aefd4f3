/*
 * govern.h: service governance: token-bucket rate limits per route, a circuit breaker per
 * shard, degradation switches (set by an admin, or automatically when a pool's queue is deep),
 * and hot-key tracking for the warm-up report.
 *
 * Metrics: hc_breaker_state{dependency} (0 closed, 1 open, 2 half-open),
 * hc_degrade_active{route} (1 while shed), hc_hot_keys_tracked. Any thread.
 */
#ifndef HCSERVER_GOVERN_H
#define HCSERVER_GOVERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/metrics.h"

struct server;
struct govern;

enum breaker_state { BREAKER_CLOSED = 0, BREAKER_OPEN = 1, BREAKER_HALF_OPEN = 2 };

/* Sets up limits from srv->cfg and breakers for srv->store's shards. 0 or a registry error. */
int govern_new(struct server *srv, struct govern **out);
void govern_free(struct govern *g);

/*
 * Takes a token for route. true when allowed. Either way *limit gets the route's rate per
 * second (0: unlimited), *remaining the whole tokens left and *reset_s the seconds until a
 * token is available again (0 when one is).
 */
bool govern_take(struct govern *g, int route, double *limit, double *remaining, double *reset_s);

/* Whether route is shed now (switched by an admin, or automatically for events). */
bool govern_shed(struct govern *g, int route);

/* Admin switch for route: on sheds it until switched off. */
void govern_set_degrade(struct govern *g, int route, bool on);

/* Whether route's admin switch is on. */
bool govern_degrade_switch(struct govern *g, int route);

/* Whether a call to shard may go ahead (closed, or the half-open trial). */
bool govern_breaker_allow(struct govern *g, unsigned shard);

/* The result of a call that govern_breaker_allow let through. */
void govern_breaker_report(struct govern *g, unsigned shard, bool ok);

/* The breaker state of shard. */
enum breaker_state govern_breaker_state(struct govern *g, unsigned shard);

/* Counts one request for order id (the hot-key report). */
void govern_hot_note(struct govern *g, uint64_t id);

/* The n most requested ids, most first, with their counts; returns how many were written. */
size_t govern_hot_top(struct govern *g, uint64_t *ids, uint64_t *counts, size_t n);

#endif
