/*
 * breaker.h: circuit breakers, one per shard of the store. A breaker counts consecutive
 * failures; at the threshold it opens for the cooldown (calls are refused at once), then lets
 * one trial through (half-open) whose result closes or reopens it.
 *
 * What counts as a failure is not decided here: the orders module (orders.h) has the one rule
 * for "this shard is unhealthy" and reports through breaker_report.
 *
 * Metrics: hc_breaker_state{dependency="shard-N"} (0 closed, 1 open, 2 half-open). The log:
 * one line when a breaker opens ("shard 3: breaker open after 5 failures in a row ..."), one
 * when it closes, through hc_log_cond (flapping is rate-limited). Any thread.
 */
#ifndef HCSERVER_BREAKER_H
#define HCSERVER_BREAKER_H

#include <stdbool.h>
#include <stdint.h>

#include "hc/metrics.h"

enum breaker_state { BREAKER_CLOSED = 0, BREAKER_OPEN = 1, BREAKER_HALF_OPEN = 2 };

struct breaker;

/*
 * Breakers for shards 0..n-1 that open after `errors` consecutive failures and stay open for
 * cooldown_ns. Their gauges go into m. 0 with the set in *out, or a registry error.
 */
int breaker_new(unsigned n, uint64_t errors, int64_t cooldown_ns, struct hc_metrics *m,
                struct breaker **out);

/*
 * One breaker (index 0) for a dependency other than a shard, labelled dependency ("l2") in
 * hc_breaker_state and called what ("L2 redis") in the log. As breaker_new.
 */
int breaker_new_one(const char *dependency, const char *what, uint64_t errors, int64_t cooldown_ns,
                    struct hc_metrics *m, struct breaker **out);

/* Frees the set. Accepts NULL. */
void breaker_free(struct breaker *b);

/* Whether a call to shard may go ahead (closed, or the half-open trial). An unknown shard:
 * true (the store answers that). */
bool breaker_allow(struct breaker *b, unsigned shard);

/* The result of a call that breaker_allow let through. */
void breaker_report(struct breaker *b, unsigned shard, bool ok);

/* breaker_report with what went wrong (for the line that says the breaker opened), or NULL. */
void breaker_report_detail(struct breaker *b, unsigned shard, bool ok, const char *detail);

/*
 * Whether no shard can take a call now: every breaker is open and in its cooldown (a
 * breaker whose cooldown is over would let its trial through, so it counts as able). For
 * /readyz. false for an empty set or NULL.
 */
bool breaker_none_closed(struct breaker *b);

/* The state of shard's breaker (closed for an unknown shard). */
enum breaker_state breaker_state(struct breaker *b, unsigned shard);

#endif
