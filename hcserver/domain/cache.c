/*
 * cache.c: the L1 order cache.
 *
 * Each stripe is a small self-contained cache: a fixed array of entries (allocated once, so
 * a put allocates nothing), a chained hash table of entry indexes, and a doubly linked LRU list
 * through the same entries. When a stripe is full the least recently used entry is reused.
 * An expired entry is treated as a miss and left where it is until reused.
 *
 * Single-flight: a stripe keeps the loads in flight in a short list. The first caller to miss
 * on a key creates a flight and runs the load without the lock; later callers for the same
 * key find the flight and wait on the stripe's condition variable. Flights are reference
 * counted because a writer may detach one (see cache.h) while waiters still hold it.
 *
 * Why a generation per stripe rather than per entry: a load that misses has no entry to carry
 * a version, and one counter per stripe costs nothing to keep. Its only price is that a write
 * also voids unrelated loads of the same stripe, which then just do not populate the cache.
 */
#include "domain/cache.h"

#include <stdlib.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "hc/core.h"
#include "hc/limits.h"

#define NIL UINT32_MAX

struct entry {
    uint64_t id;     /* the key */
    struct order o;  /* the value, when found */
    int64_t expires; /* CLOCK_MONOTONIC ns */
    bool found;      /* false: a cached "not found" */
    bool used;       /* holds a key */
    uint32_t hnext;  /* next in the hash chain */
    uint32_t prev;   /* LRU neighbours: prev is more recent */
    uint32_t next;
};

struct flight {
    uint64_t id;         /* the key being loaded */
    bool done;           /* the load finished */
    int rc;              /* its result */
    struct order o;      /* its value */
    int refs;            /* the loader and each waiter */
    bool attached;       /* still in the stripe's list */
    struct flight *next; /* the stripe's list */
};

struct stripe {
    pthread_mutex_t mu;     /* guards everything below */
    pthread_cond_t cv;      /* flights finishing */
    uint64_t gen;           /* bumped by put and delete */
    struct entry *e;        /* cap entries */
    uint32_t *heads;        /* nbuckets hash chains */
    uint32_t nbuckets;      /* power of two */
    uint32_t cap;           /* entries */
    uint32_t used;          /* entries holding a key */
    uint32_t fresh;         /* entries [fresh, cap) were never used */
    uint32_t free_head;     /* entries freed by delete, chained through hnext */
    uint32_t lru_head;      /* most recent */
    uint32_t lru_tail;      /* least recent: reused first */
    struct flight *flights; /* loads in flight */
} __attribute__((aligned(64)));

struct cache {
    struct cache_config cfg;
    struct stripe *s;
    unsigned mask; /* stripes - 1 */
    struct hc_metrics_counter *hits, *misses;
};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t rand_next(void)
{
    static _Thread_local uint64_t state;

    if (state == 0)
        state = mix((uint64_t)hc_now_ns() ^ (uint64_t)(uintptr_t)&state) | 1;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

int cache_new(const struct cache_config *cfg, struct cache **out)
{
    struct cache *c;
    unsigned stripes = cfg->stripes ? cfg->stripes : 64;
    size_t per;

    if (cfg->capacity > HC_SERVER_MAX_CACHE_ENTRIES || (stripes & (stripes - 1)) != 0 ||
        cfg->ttl_ns < 0 || cfg->jitter_ns < 0)
        return -EINVAL;
    c = hc_xcalloc(1, sizeof(*c));
    c->cfg = *cfg;
    c->mask = stripes - 1;
    c->s = hc_xcalloc(stripes, sizeof(*c->s));
    per = (cfg->capacity + stripes - 1) / stripes;
    for (unsigned i = 0; i < stripes; i++) {
        struct stripe *s = &c->s[i];
        uint32_t nb = 1;
        pthread_mutex_init(&s->mu, NULL);
        pthread_cond_init(&s->cv, NULL);
        s->cap = (uint32_t)per;
        while (nb < s->cap)
            nb <<= 1;
        s->nbuckets = nb;
        s->e = hc_xcalloc(s->cap > 0 ? s->cap : 1, sizeof(*s->e));
        s->heads = hc_xmalloc(nb * sizeof(*s->heads));
        for (uint32_t b = 0; b < nb; b++)
            s->heads[b] = NIL;
        s->lru_head = NIL;
        s->lru_tail = NIL;
        s->free_head = NIL;
    }
    if (cfg->m != NULL) {
        struct hc_metrics_family *f;
        const char *l1[] = {"L1"};
        if (hc_metrics_register_counter(cfg->m, "hc_cache_hits_total",
                                        "Reads answered by a cache level.", "level", &f) == 0)
            hc_metrics_counter_get(f, l1, &c->hits);
        if (hc_metrics_register_counter(cfg->m, "hc_cache_misses_total",
                                        "Reads a cache level could not answer.", "level", &f) == 0)
            hc_metrics_counter_get(f, l1, &c->misses);
    }
    *out = c;
    return 0;
}

void cache_free(struct cache *c)
{
    if (c == NULL)
        return;
    for (unsigned i = 0; i <= c->mask; i++) {
        struct stripe *s = &c->s[i];
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
        free(s->e);
        free(s->heads);
    }
    free(c->s);
    free(c);
}

static struct stripe *stripe_of(struct cache *c, uint64_t id, uint64_t *h)
{
    *h = mix(id);
    return &c->s[*h & c->mask];
}

static uint32_t bucket_of(const struct stripe *s, uint64_t h)
{
    return (uint32_t)(h >> 32) & (s->nbuckets - 1);
}

static uint32_t find(struct stripe *s, uint64_t h, uint64_t id)
{
    for (uint32_t i = s->heads[bucket_of(s, h)]; i != NIL; i = s->e[i].hnext) {
        if (s->e[i].id == id)
            return i;
    }
    return NIL;
}

static void lru_unlink(struct stripe *s, uint32_t i)
{
    struct entry *e = &s->e[i];

    if (e->prev != NIL)
        s->e[e->prev].next = e->next;
    else
        s->lru_head = e->next;
    if (e->next != NIL)
        s->e[e->next].prev = e->prev;
    else
        s->lru_tail = e->prev;
}

static void lru_push_front(struct stripe *s, uint32_t i)
{
    struct entry *e = &s->e[i];

    e->prev = NIL;
    e->next = s->lru_head;
    if (s->lru_head != NIL)
        s->e[s->lru_head].prev = i;
    s->lru_head = i;
    if (s->lru_tail == NIL)
        s->lru_tail = i;
}

static void hash_unlink(struct stripe *s, uint32_t i)
{
    uint32_t *p = &s->heads[bucket_of(s, mix(s->e[i].id))];

    while (*p != i)
        p = &s->e[*p].hnext;
    *p = s->e[i].hnext;
}

static void remove_entry(struct stripe *s, uint32_t i)
{
    hash_unlink(s, i);
    lru_unlink(s, i);
    s->e[i].used = false;
    s->used--;
    s->e[i].hnext = s->free_head;
    s->free_head = i;
}

/* Stores a value for id, reusing its entry, a never-used one, or the least recently used. */
static void store(struct cache *c, struct stripe *s, uint64_t h, uint64_t id, const struct order *o,
                  bool found)
{
    uint32_t i = find(s, h, id);
    int64_t now = hc_now_ns();
    struct entry *e;

    if (s->cap == 0) /* a cache of no entries (L1 off) */
        return;
    if (i != NIL) {
        lru_unlink(s, i);
    } else {
        if (s->free_head == NIL && s->fresh == s->cap)
            remove_entry(s, s->lru_tail); /* full: the least recently used entry goes */
        if (s->free_head != NIL) {
            i = s->free_head;
            s->free_head = s->e[i].hnext;
        } else {
            i = s->fresh++;
        }
        e = &s->e[i];
        e->id = id;
        e->used = true;
        e->hnext = s->heads[bucket_of(s, h)];
        s->heads[bucket_of(s, h)] = i;
        s->used++;
    }
    e = &s->e[i];
    e->found = found;
    if (found) {
        e->o = *o;
        e->expires = now + c->cfg.ttl_ns;
        if (c->cfg.jitter_ns > 0)
            e->expires += (int64_t)(rand_next() % (uint64_t)c->cfg.jitter_ns);
    } else {
        e->expires = now + c->cfg.neg_ttl_ns;
    }
    lru_push_front(s, i);
}

/* Looks up under the lock: 0 / -ENOENT / -EAGAIN as cache_get. */
static int lookup(struct stripe *s, uint64_t h, uint64_t id, struct order *out)
{
    uint32_t i = find(s, h, id);

    if (i == NIL || s->e[i].expires <= hc_now_ns())
        return -EAGAIN;
    lru_unlink(s, i);
    lru_push_front(s, i);
    if (!s->e[i].found)
        return -ENOENT;
    *out = s->e[i].o;
    return 0;
}

int cache_get(struct cache *c, uint64_t id, struct order *out)
{
    uint64_t h;
    struct stripe *s = stripe_of(c, id, &h);
    int rc;

    pthread_mutex_lock(&s->mu);
    rc = lookup(s, h, id, out);
    pthread_mutex_unlock(&s->mu);
    if (c->hits != NULL)
        hc_metrics_counter_inc(rc == -EAGAIN ? c->misses : c->hits);
    return rc;
}

static void flight_release(struct flight *f)
{
    if (--f->refs == 0)
        free(f);
}

static void detach_flights(struct stripe *s, uint64_t id)
{
    struct flight **p = &s->flights;

    while (*p != NULL) {
        if ((*p)->id == id) {
            (*p)->attached = false;
            *p = (*p)->next;
        } else {
            p = &(*p)->next;
        }
    }
}

int cache_load(struct cache *c, uint64_t id, cache_load_cb fn, void *arg, struct order *out)
{
    uint64_t h, gen;
    struct stripe *s = stripe_of(c, id, &h);
    struct flight *f;
    int rc;

    pthread_mutex_lock(&s->mu);
    rc = lookup(s, h, id, out);
    if (rc != -EAGAIN) {
        pthread_mutex_unlock(&s->mu);
        return rc;
    }
    for (f = s->flights; f != NULL; f = f->next) {
        if (f->id == id)
            break;
    }
    if (f != NULL) {
        f->refs++;
        while (!f->done)
            pthread_cond_wait(&s->cv, &s->mu);
        rc = f->rc;
        if (rc == 0)
            *out = f->o;
        flight_release(f);
        pthread_mutex_unlock(&s->mu);
        return rc;
    }
    f = hc_xcalloc(1, sizeof(*f));
    f->id = id;
    f->refs = 1;
    f->attached = true;
    f->next = s->flights;
    s->flights = f;
    gen = s->gen;
    pthread_mutex_unlock(&s->mu);

    rc = fn(arg, id, &f->o);

    pthread_mutex_lock(&s->mu);
    f->rc = rc;
    f->done = true;
    if (f->attached)
        detach_flights(s, id);
    /* A write since the load began may have made its answer old: then do not keep it. */
    if ((rc == 0 || rc == -ENOENT) && s->gen == gen)
        store(c, s, h, id, &f->o, rc == 0);
    if (rc == 0)
        *out = f->o;
    pthread_cond_broadcast(&s->cv);
    flight_release(f);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void cache_put(struct cache *c, const struct order *o)
{
    uint64_t h;
    struct stripe *s = stripe_of(c, o->id, &h);

    pthread_mutex_lock(&s->mu);
    s->gen++;
    detach_flights(s, o->id);
    store(c, s, h, o->id, o, true);
    pthread_mutex_unlock(&s->mu);
}

void cache_delete(struct cache *c, uint64_t id)
{
    uint64_t h;
    struct stripe *s = stripe_of(c, id, &h);
    uint32_t i;

    pthread_mutex_lock(&s->mu);
    s->gen++;
    detach_flights(s, id);
    i = find(s, h, id);
    if (i != NIL)
        remove_entry(s, i);
    pthread_mutex_unlock(&s->mu);
}

void cache_clear(struct cache *c)
{
    for (unsigned k = 0; k <= c->mask; k++) {
        struct stripe *s = &c->s[k];
        pthread_mutex_lock(&s->mu);
        s->gen++;
        while (s->flights != NULL) {
            s->flights->attached = false;
            s->flights = s->flights->next;
        }
        for (uint32_t i = 0; i < s->fresh; i++) {
            if (s->e[i].used)
                remove_entry(s, i);
        }
        pthread_mutex_unlock(&s->mu);
    }
}

size_t cache_size(struct cache *c)
{
    size_t n = 0;

    for (unsigned i = 0; i <= c->mask; i++) {
        pthread_mutex_lock(&c->s[i].mu);
        n += c->s[i].used;
        pthread_mutex_unlock(&c->s[i].mu);
    }
    return n;
}
