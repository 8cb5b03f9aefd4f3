/*
 * ttl.h: each key's time to live, with jitter: uniformly in [ttl, ttl + jitter], so keys
 * preloaded together do not all expire together (a cache avalanche). hcserver's cache adds the
 * same kind of random extra to its entries.
 */
#ifndef HCWARM_TTL_H
#define HCWARM_TTL_H

#include <stdint.h>

struct ttl_rule {
    int64_t ttl_ns;    /* the base; 0: keys get no expiry (unless the source names one) */
    int64_t jitter_ns; /* the most added at random, >= 0 */
    uint64_t rng;      /* the generator's state (xorshift64*), never 0 */
};

/* ttl_init: a rule of ttl and jitter with its generator seeded from seed (any value). */
void ttl_init(struct ttl_rule *r, int64_t ttl_ns, int64_t jitter_ns, uint64_t seed);

/*
 * ttl_pick_ms: a key's TTL in whole milliseconds for Redis's PX: uniformly in
 * [base_ms, base_ms + jitter_ms], where base is base_ns when it is positive (a ttl the source
 * gave) and else the rule's ttl, both rounded up to a millisecond. 0 when neither is set
 * (no expiry).
 */
int64_t ttl_pick_ms(struct ttl_rule *r, int64_t base_ns);

#endif
