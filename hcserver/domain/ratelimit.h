/*
 * ratelimit.h: token-bucket rate limits, one bucket per route (an index the caller chooses).
 * Any thread.
 */
#ifndef HCSERVER_RATELIMIT_H
#define HCSERVER_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

struct ratelimit;

/*
 * Buckets for routes 0..n-1; rates[i] is route i's rate per second (0: unlimited), with a
 * burst of one second's worth (at least one token). Always 0, with the table in *out.
 */
int ratelimit_new(const double *rates, size_t n, struct ratelimit **out);

/* Frees the table. Accepts NULL. */
void ratelimit_free(struct ratelimit *rl);

/*
 * Takes a token for route (< n). true when allowed. Either way *limit gets the route's rate
 * per second (0: unlimited), *remaining the whole tokens left and *reset_s the seconds until a
 * token is available again (0 when one is).
 */
bool ratelimit_take(struct ratelimit *rl, int route, double *limit, double *remaining,
                    double *reset_s);

#endif
