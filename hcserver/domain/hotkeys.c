/*
 * hotkeys.c: the space-saving sketch. Sampled one request in eight, counted per thread, so
 * the lock stays cold on the GET path; counts are scaled back up when reported.
 */
#include "domain/hotkeys.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"
#include "hc/limits.h"

#define HOT_SAMPLE 8

struct hot {
    uint64_t id;    /* the order */
    uint64_t count; /* sampled requests, inherited on eviction */
};

struct hotkeys {
    pthread_mutex_t mu; /* guards hot, n */
    struct hot hot[HC_SERVER_MAX_HOT_KEYS];
    size_t n;
};

int hotkeys_new(struct hotkeys **out)
{
    struct hotkeys *h = hc_xcalloc(1, sizeof(*h));

    pthread_mutex_init(&h->mu, NULL);
    *out = h;
    return 0;
}

void hotkeys_free(struct hotkeys *h)
{
    if (h == NULL)
        return;
    pthread_mutex_destroy(&h->mu);
    free(h);
}

void hotkeys_note(struct hotkeys *h, uint64_t id)
{
    static _Thread_local unsigned tick; /* per thread: no shared counter on the GET path */
    size_t min = 0;

    if (++tick % HOT_SAMPLE != 0)
        return;
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < h->n; i++) {
        if (h->hot[i].id == id) {
            h->hot[i].count++;
            pthread_mutex_unlock(&h->mu);
            return;
        }
        if (h->hot[i].count < h->hot[min].count)
            min = i;
    }
    if (h->n < HC_SERVER_MAX_HOT_KEYS) {
        h->hot[h->n].id = id;
        h->hot[h->n].count = 1;
        h->n++;
    } else {
        /* Space-saving: the new key takes the smallest slot and inherits its count. */
        h->hot[min].id = id;
        h->hot[min].count++;
    }
    pthread_mutex_unlock(&h->mu);
}

static int hot_cmp(const void *a, const void *b)
{
    const struct hot *x = a, *y = b;

    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return x->id < y->id ? -1 : x->id > y->id;
}

size_t hotkeys_top(struct hotkeys *h, uint64_t *ids, uint64_t *counts, size_t n)
{
    struct hot *copy = hc_xmalloc(sizeof(h->hot));
    size_t m;

    pthread_mutex_lock(&h->mu);
    m = h->n;
    memcpy(copy, h->hot, m * sizeof(*copy));
    pthread_mutex_unlock(&h->mu);
    qsort(copy, m, sizeof(*copy), hot_cmp);
    if (m > n)
        m = n;
    for (size_t i = 0; i < m; i++) {
        ids[i] = copy[i].id;
        counts[i] = copy[i].count * HOT_SAMPLE;
    }
    free(copy);
    return m;
}
