/*
 * idem.c: the Idempotency-Key table: a chained hash table of keys plus a FIFO of them in
 * arrival order, under one lock. The FIFO makes both expiry and "forget the oldest when full"
 * a look at its head. The work under the lock is a hash lookup and a copy, short enough that
 * one lock is not a bottleneck next to the SQLite commit every keyed request waits for.
 */
#include "domain/idem.h"

#include <stdlib.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "hc/core.h"
#include "hc/limits.h"

struct key {
    struct key *hnext;         /* hash chain */
    struct key *older, *newer; /* FIFO */
    char *name;                /* the key */
    uint64_t hash;             /* payload fingerprint */
    int64_t born;              /* CLOCK_MONOTONIC ns */
    bool answered;             /* status and body are set */
    int status;
    char *body;
    size_t body_len;
};

struct idem {
    pthread_mutex_t mu; /* guards everything below */
    struct key **heads; /* nb chains */
    size_t nb;
    size_t n, cap;
    int64_t ttl;
    struct key *oldest, *newest;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t idem_hash(const char *method, const char *target, const void *body, size_t len)
{
    uint64_t h = 14695981039346656037ULL;

    h = fnv(h, method, strlen(method) + 1);
    h = fnv(h, target, strlen(target) + 1);
    return fnv(h, body, len);
}

int idem_new(size_t cap, int64_t ttl_ns, struct idem **out)
{
    struct idem *t;

    if (cap == 0 || cap > HC_SERVER_MAX_IDEM_KEYS || ttl_ns <= 0)
        return -EINVAL;
    t = hc_xcalloc(1, sizeof(*t));
    pthread_mutex_init(&t->mu, NULL);
    t->nb = 1;
    while (t->nb < cap)
        t->nb <<= 1;
    t->heads = hc_xcalloc(t->nb, sizeof(*t->heads));
    t->cap = cap;
    t->ttl = ttl_ns;
    *out = t;
    return 0;
}

static void key_free(struct key *k)
{
    free(k->name);
    free(k->body);
    free(k);
}

void idem_free(struct idem *t)
{
    struct key *k, *next;

    if (t == NULL)
        return;
    for (k = t->oldest; k != NULL; k = next) {
        next = k->newer;
        key_free(k);
    }
    free(t->heads);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

static struct key **slot(struct idem *t, const char *name)
{
    struct key **p = &t->heads[fnv(14695981039346656037ULL, name, strlen(name)) & (t->nb - 1)];

    while (*p != NULL && strcmp((*p)->name, name) != 0)
        p = &(*p)->hnext;
    return p;
}

static void unlink_key(struct idem *t, struct key *k)
{
    struct key **p = slot(t, k->name);

    *p = k->hnext;
    if (k->older != NULL)
        k->older->newer = k->newer;
    else
        t->oldest = k->newer;
    if (k->newer != NULL)
        k->newer->older = k->older;
    else
        t->newest = k->older;
    t->n--;
    key_free(k);
}

/* Forgets expired answered keys, and when still full the oldest answered one. */
static void make_room(struct idem *t, int64_t now)
{
    struct key *k, *next;

    for (k = t->oldest; k != NULL && now - k->born > t->ttl; k = next) {
        next = k->newer;
        if (k->answered)
            unlink_key(t, k);
    }
    for (k = t->oldest; k != NULL && t->n >= t->cap; k = next) {
        next = k->newer;
        if (k->answered)
            unlink_key(t, k);
    }
}

enum idem_state idem_begin(struct idem *t, const char *key, uint64_t hash, int *status,
                           struct hc_buf *body)
{
    int64_t now = hc_now_ns();
    enum idem_state st = IDEM_NEW;
    struct key **p, *k;

    pthread_mutex_lock(&t->mu);
    p = slot(t, key);
    k = *p;
    if (k != NULL && k->answered && now - k->born > t->ttl) {
        unlink_key(t, k);
        k = NULL;
    }
    if (k != NULL) {
        if (k->hash != hash) {
            st = IDEM_MISMATCH;
        } else if (!k->answered) {
            st = IDEM_IN_FLIGHT;
        } else {
            st = IDEM_REPLAY;
            *status = k->status;
            hc_buf_append(body, k->body, k->body_len);
        }
        pthread_mutex_unlock(&t->mu);
        return st;
    }
    make_room(t, now);
    if (t->n < t->cap) {
        k = hc_xcalloc(1, sizeof(*k));
        k->name = hc_xstrdup(key);
        k->hash = hash;
        k->born = now;
        p = slot(t, key);
        k->hnext = *p;
        *p = k;
        k->older = t->newest;
        if (t->newest != NULL)
            t->newest->newer = k;
        else
            t->oldest = k;
        t->newest = k;
        t->n++;
    }
    pthread_mutex_unlock(&t->mu);
    return st;
}

void idem_complete(struct idem *t, const char *key, int status, const char *body, size_t len)
{
    struct key *k;

    pthread_mutex_lock(&t->mu);
    k = *slot(t, key);
    if (k != NULL && !k->answered) {
        k->answered = true;
        k->status = status;
        k->body = hc_xmalloc(len + 1);
        memcpy(k->body, body, len);
        k->body[len] = '\0';
        k->body_len = len;
    }
    pthread_mutex_unlock(&t->mu);
}

void idem_abort(struct idem *t, const char *key)
{
    struct key *k;

    pthread_mutex_lock(&t->mu);
    k = *slot(t, key);
    if (k != NULL && !k->answered)
        unlink_key(t, k);
    pthread_mutex_unlock(&t->mu);
}
