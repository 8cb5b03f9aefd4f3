/*
 * ratelimit.c: token buckets that refill continuously (rate tokens per second, burst of one
 * second's worth), each under a small lock of its own: taking a token is a clock read and a
 * few arithmetic operations, and an unlimited route takes no lock at all.
 */
#include "domain/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>

#include "hc/core.h"

struct bucket {
    pthread_mutex_t mu; /* guards tokens and last */
    double rate;        /* tokens per second; 0: unlimited */
    double burst;       /* most tokens held */
    double tokens;      /* held now (as of last) */
    int64_t last;       /* ns of the last refill */
};

struct ratelimit {
    struct bucket *b; /* n buckets */
    size_t n;
};

int ratelimit_new(const double *rates, size_t n, struct ratelimit **out)
{
    struct ratelimit *rl = hc_xcalloc(1, sizeof(*rl));

    rl->b = hc_xcalloc(n, sizeof(*rl->b));
    rl->n = n;
    for (size_t i = 0; i < n; i++) {
        struct bucket *b = &rl->b[i];
        pthread_mutex_init(&b->mu, NULL);
        b->rate = rates[i];
        b->burst = b->rate > 1 ? b->rate : 1;
        b->tokens = b->burst;
        b->last = hc_now_ns();
    }
    *out = rl;
    return 0;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (rl == NULL)
        return;
    for (size_t i = 0; i < rl->n; i++)
        pthread_mutex_destroy(&rl->b[i].mu);
    free(rl->b);
    free(rl);
}

bool ratelimit_take(struct ratelimit *rl, int route, double *limit, double *remaining,
                    double *reset_s)
{
    struct bucket *b = &rl->b[route];
    int64_t now;
    bool ok;

    *limit = b->rate;
    *remaining = 0;
    *reset_s = 0;
    if (b->rate <= 0)
        return true;
    now = hc_now_ns();
    pthread_mutex_lock(&b->mu);
    b->tokens += (double)(now - b->last) / HC_NSEC_PER_SEC * b->rate;
    if (b->tokens > b->burst)
        b->tokens = b->burst;
    b->last = now;
    ok = b->tokens >= 1.0;
    if (ok)
        b->tokens -= 1.0;
    *remaining = b->tokens < 0 ? 0 : (double)(long)b->tokens;
    if (!ok)
        *reset_s = (1.0 - b->tokens) / b->rate;
    pthread_mutex_unlock(&b->mu);
    return ok;
}
