/*
 * l2.h: the second cache level, as an interface, so a cache shared by several hcserver
 * instances (Redis, Memcached) slots in between each instance's in-process L1 and the shards.
 *
 * The rules the orders module (domain/orders.h) applies through it:
 *   - a read that misses L1 calls get; on a miss it reads the store and hands what it found
 *     (or "no such order") to fill;
 *   - a write calls del before the store update and set with the order as committed after it.
 *
 * Threads and blocking. get is the only call that waits for the network: it runs on a pool
 * thread, bounded by the backend's timeout (and its breaker: while the breaker is open it
 * fails at once). fill, set and del never wait: they queue the work for a thread the backend
 * owns, so the shard committer that calls set after a commit acknowledges its batch without
 * a round trip to the cache. What they queue is applied in the order it was queued; a queue
 * that is full drops the work and counts it (a lost fill costs a later miss; a lost del or set
 * leaves the entry until its TTL, which is why the TTL is the last bound on staleness).
 * flush waits until everything queued before it has been applied (tests, shutdown).
 *
 * One load per key across instances: a get that misses takes the key's load lock in the
 * shared cache (a short lease); a get that finds the lock held by another instance waits
 * briefly for that instance's fill, and past that wait returns a miss so its caller reads the
 * store rather than pile up. fill releases the lock. fill never replaces an entry (a writer's
 * set, which may be newer, wins over a load that started before it); set always does.
 *
 * Invalidation of other instances' L1: a backend that can (Redis pub/sub) announces every del
 * and set to the other instances, which call on_inval with the id; when its announcements may
 * have been missed (a lost subscription, back again) it calls on_resync, and the L1 forgets
 * everything. Both run on the backend's thread. A backend that cannot (Memcached, none) never
 * calls them: another instance's L1 copy then lives until its L1 TTL.
 *
 * The embedded default has no L2 (l2_none): get misses, the rest do nothing, so the read path
 * costs one indirect call and the write path two.
 */
#ifndef HCSERVER_L2_H
#define HCSERVER_L2_H

#include <stddef.h>
#include <stdint.h>

#include "domain/order.h"
#include "hc/metrics.h"

struct l2;

/* What every backend is opened with. Zero fields take defaults where one is named. */
struct l2_config {
    int64_t ttl_ns;              /* life of an order entry */
    int64_t jitter_ns;           /* a random 0..jitter_ns added to each TTL (no mass expiry) */
    int64_t neg_ttl_ns;          /* life of a "no such order" entry */
    int64_t timeout_ns;          /* each network call; HC_SERVER_L2_TIMEOUT_DEFAULT_NS */
    uint64_t breaker_errors;     /* consecutive failures that open the breaker (0: 5) */
    int64_t breaker_cooldown_ns; /* open this long before a trial (0: 1 s) */
    struct hc_metrics *m;        /* hc_cache_*{level="L2"}, hc_l2_*, hc_breaker_state, or NULL */
    /* another instance changed order id: forget it (backend thread) */
    void (*on_inval)(void *arg, uint64_t id);
    /* invalidations may have been missed: forget everything (backend thread) */
    void (*on_resync)(void *arg);
    void *arg; /* passed to on_inval and on_resync */
};

struct l2_ops {
    const char *name; /* "none", "redis", "memcached" */
    /*
     * Looks id up. 0 with *out on a hit; -ENODATA when "no such order" is cached; -ENOENT on a
     * miss (the caller should load and fill); -EHOSTUNREACH while the breaker is open; another
     * negative code when the call failed (a timeout, a lost connection). *out is untouched
     * unless 0. Blocks for at most the timeout, plus the lock wait on a held load lock.
     */
    int (*get)(struct l2 *c, uint64_t id, struct order *out);
    /* A load's result: o, or (o NULL) "no such order id". Stored unless an entry exists;
     * releases id's load lock. Never blocks. */
    void (*fill)(struct l2 *c, uint64_t id, const struct order *o);
    /* A writer's committed order: replaces the entry, tells other instances. Never blocks. */
    void (*set)(struct l2 *c, const struct order *o);
    /* A writer's first step: forgets id, tells other instances. Never blocks. */
    void (*del)(struct l2 *c, uint64_t id);
    /* Waits until what fill, set and del queued before the call has been applied (or failed).
     * 0, or -ETIMEDOUT after the timeout times HC_SERVER_L2_FLUSH_TIMEOUTS. */
    int (*flush)(struct l2 *c);
    /* Applies what is queued, stops the backend's thread, frees it. */
    void (*close)(struct l2 *c);
};

struct l2 {
    const struct l2_ops *ops;
};

/* The embedded default: no second level. Always 0. */
int l2_none_open(struct l2 **out);

/*
 * A Redis L2 at url (hc/redis.h's syntax). 0 with *out; the server need not be up (get fails,
 * the breaker opens, reconnection is automatic); a negative code with a message in err for a
 * bad url.
 */
int l2_redis_open(const char *url, const struct l2_config *cfg, struct l2 **out, char *err,
                  size_t errlen);

/* A Memcached L2 at host:port. As l2_redis_open. */
int l2_memcached_open(const char *host, uint16_t port, const struct l2_config *cfg, struct l2 **out,
                      char *err, size_t errlen);

#endif
