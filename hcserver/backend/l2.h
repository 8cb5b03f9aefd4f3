/*
 * l2.h: the second cache level, as an interface so a shared cache (Redis, in a later release)
 * slots in between the in-process L1 and the shards.
 *
 * Reads go L1 -> L2 -> shard: a value loaded from a shard is written to L2 with the L1 TTL
 * plus jitter; a status change deletes the L2 entry before the shard update and writes the new
 * order after it, under the same per-order lock as L1. The embedded default has no L2
 * (l2_none): every get misses and writes do nothing, so the read path costs one indirect
 * call. Any thread.
 */
#ifndef HCSERVER_L2_H
#define HCSERVER_L2_H

#include <stdint.h>

#include "domain/order.h"

struct l2;

struct l2_ops {
    const char *name; /* "none", "redis" */
    /* 0 with *out on a hit, -ENOENT on a miss, another negative code when L2 failed. */
    int (*get)(struct l2 *c, uint64_t id, struct order *out);
    /* Stores o for ttl_ns. 0 or a negative code (a failed write is only a lost cache fill). */
    int (*set)(struct l2 *c, const struct order *o, int64_t ttl_ns);
    /* Forgets id. 0 or a negative code. */
    int (*del)(struct l2 *c, uint64_t id);
    /* Frees the backend. */
    void (*close)(struct l2 *c);
};

struct l2 {
    const struct l2_ops *ops;
};

/* The embedded default: no second level. Always 0. */
int l2_none_open(struct l2 **out);

#endif
