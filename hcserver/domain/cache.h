/*
 * cache.h: the in-process L1 order cache: bounded, LRU, TTL with jitter, striped locks,
 * single-flight loads and negative entries.
 *
 * Keys are order ids; values are whole orders, or "not found". Entries are spread over
 * stripes by a hash of the id, each stripe with its own lock, LRU list and share of the
 * capacity, so threads reading different orders rarely meet on a lock.
 *
 * Consistency with writers. cache_put and cache_delete bump their stripe's generation and
 * detach any load in flight for that stripe; a load that began before the bump does not store
 * its (possibly older) answer, and a reader arriving after the bump starts a fresh load rather
 * than joining the old one. So once a writer's cache_put (or delete) has returned, no reader
 * can see the value from before it.
 *
 * All functions may be called from any thread.
 */
#ifndef HCSERVER_CACHE_H
#define HCSERVER_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "hc/metrics.h"
#include "domain/order.h"

struct cache_config {
    size_t capacity;      /* most entries (found and not-found), 0..HC_SERVER_MAX_CACHE_ENTRIES;
                           * 0 keeps nothing (every get misses; loads still single-flight) */
    int64_t ttl_ns;       /* life of a found entry */
    int64_t jitter_ns;    /* a random 0..jitter_ns added to each ttl (no mass expiry) */
    int64_t neg_ttl_ns;   /* life of a "not found" entry */
    unsigned stripes;     /* lock stripes, a power of two (0: 64) */
    struct hc_metrics *m; /* registry for hc_cache_* with level="L1", or NULL */
};

struct cache;

/* A new cache in *out. 0 or -EINVAL. */
int cache_new(const struct cache_config *cfg, struct cache **out);

/* Frees the cache. Accepts NULL. No call may be running. */
void cache_free(struct cache *c);

/*
 * Looks id up: 0 and *out filled when an order is cached, -ENOENT when "not found" is
 * cached, -EAGAIN on a miss (nothing cached, or expired). Counts a hit or a miss.
 */
int cache_get(struct cache *c, uint64_t id, struct order *out);

/* Loads id from the backing store: 0 with *out, -ENOENT, or another negative code. */
typedef int (*cache_load_cb)(void *arg, uint64_t id, struct order *out);

/*
 * On a miss, loads id through fn, one load per key at a time: a caller that finds a load in
 * flight waits for it and shares its answer. 0 or -ENOENT are cached (as found / not found);
 * other errors are returned and not cached. Returns what the load returned.
 */
int cache_load(struct cache *c, uint64_t id, cache_load_cb fn, void *arg, struct order *out);

/* Stores o as the current value of o->id (a write just committed it). */
void cache_put(struct cache *c, const struct order *o);

/* Forgets id. */
void cache_delete(struct cache *c, uint64_t id);

/* Forgets everything, as cache_delete of every id would (loads in flight keep nothing). */
void cache_clear(struct cache *c);

/* Entries held now. */
size_t cache_size(struct cache *c);

#endif
